// The vault backup format (src/vaults/vault-backup.ts) and its key: a round trip keeps every
// field withdraw and cancel need; another key, a flipped byte, a cut file or another network are
// typed errors; the file checks refuse another program's file. Then the wallet's backup file
// (src/service/vault-backups.ts) on a real restored wallet.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { backupTarget, readBackupFile, writeBackupFile } from '../../src/channels/channel-backup.js';
import { backupKey } from '../../src/channels/channel-keys.js';
import { listVaults, type VaultRow } from '../../src/db/vault-store.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { nullLogger } from '../../src/service/log.js';
import { restoreVaults, rewriteVaultBackup, setVaultBackup } from '../../src/service/vault-backups.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { openVaultBackup, sealVaultBackup, VAULT_BACKUP_MAGIC } from '../../src/vaults/vault-backup.js';
import { hotKey, vaultBackupKey } from '../../src/vaults/vault-keys.js';
import { unvaultScript } from '../../src/vaults/vault-tx.js';
import { tmpDir } from '../helpers/tmp.js';

const seed = Uint8Array.from({ length: 64 }, (_, i) => i);
const bytes = (n: number, b: number) => new Uint8Array(n).fill(b);

const row: VaultRow = {
  id: 'a1b2c3d4e5f6',
  seq: 3,
  createdAt: 1_700_000_000,
  amount: 1_000_000,
  delay: 144,
  recovery: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
  recoveryScript: bytes(22, 1),
  depositTxid: bytes(32, 2),
  depositVout: 1,
  depositScript: bytes(71, 3),
  unvaultScript: bytes(80, 4),
  unvaultRaw: bytes(150, 5),
  cancels: [{ feerate: 2, fee: 300, vsize: 150, hex: '0200' }],
  emergencies: [{ feerate: 5, fee: 750, vsize: 150, hex: '0201' }],
  towersServed: true,
  withdrawStartedAt: 1_700_000_100,
  announcement: 'ab'.repeat(64),
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    return (e as CofferError).code;
  }
  throw new Error('no error');
}

describe('vault backup', () => {
  const key = vaultBackupKey(seed, 'regtest');

  it('has its own key: not the channel backup key, not another network', () => {
    expect(key).toHaveLength(32);
    expect(key).toEqual(vaultBackupKey(seed, 'regtest'));
    expect(key).not.toEqual(backupKey(seed, 'regtest'));
    expect(key).not.toEqual(vaultBackupKey(seed, 'main'));
  });

  it('round trip keeps every vault field', () => {
    const sealed = sealVaultBackup({ network: 'regtest', writtenAt: 42, vaults: [row, { ...row, id: 'other', seq: 4, withdrawStartedAt: undefined, announcement: undefined } as never] }, key);
    expect([...sealed.subarray(0, 8)]).toEqual([...VAULT_BACKUP_MAGIC]);
    const back = openVaultBackup(sealed, key, 'regtest');
    expect(back.writtenAt).toBe(42);
    expect(back.vaults[0]).toEqual(row);
    expect(back.vaults[1]).not.toHaveProperty('announcement');
    expect(back.vaults[1]!.unvaultRaw).toEqual(row.unvaultRaw);
  });

  it('another key, a flipped byte, a cut file, random bytes, another network, another format: invalid-backup', () => {
    const sealed = sealVaultBackup({ network: 'regtest', writtenAt: 1, vaults: [row] }, key);
    expect(code(() => openVaultBackup(sealed, vaultBackupKey(bytes(64, 9), 'regtest'), 'regtest'))).toBe('invalid-backup');
    for (const at of [9, 20, sealed.length - 1]) {
      const flipped = Uint8Array.from(sealed);
      flipped[at]! ^= 1;
      expect(code(() => openVaultBackup(flipped, key, 'regtest')), `byte ${at}`).toBe('invalid-backup');
    }
    for (let n = 0; n < sealed.length; n++) expect(code(() => openVaultBackup(sealed.subarray(0, n), key, 'regtest')), `cut at ${n}`).toBe('invalid-backup');
    for (let i = 0; i < 50; i++) {
      const noise = randomBytes(i * 7);
      if (i % 2 === 0) noise.set(sealed.subarray(0, Math.min(9, noise.length)));
      expect(code(() => openVaultBackup(noise, key, 'regtest')), `random ${i}`).toBe('invalid-backup');
    }
    expect(() => openVaultBackup(sealed, key, 'test')).toThrow(/for regtest, not test/);
    const version = Uint8Array.from(sealed);
    version[8] = 2;
    expect(() => openVaultBackup(version, key, 'regtest')).toThrow(/version 2/);
    const channel = Uint8Array.from(sealed);
    channel.set(new TextEncoder().encode('COFFERCB'));
    expect(() => openVaultBackup(channel, key, 'regtest')).toThrow(/not a Coffer vault backup/);
  });

  it('a sealed payload that is not a vault backup is damaged', () => {
    const bad = sealVaultBackup({ network: 'regtest', writtenAt: 1, vaults: [{ ...row, amount: -1 }] }, key);
    expect(() => openVaultBackup(bad, key, 'regtest')).toThrow(/damaged/);
  });

  it('the file checks tell a vault backup from a channel backup and from other files', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'vaults.backup');
    expect(backupTarget(file, VAULT_BACKUP_MAGIC)).toBe('none');
    writeBackupFile(file, sealVaultBackup({ network: 'regtest', writtenAt: 1, vaults: [row] }, key), 'vault backup');
    expect(backupTarget(file, VAULT_BACKUP_MAGIC)).toBe('backup');
    expect(backupTarget(file)).toBe('other');
    expect(openVaultBackup(readBackupFile(file, 'vault backup'), key, 'regtest').vaults).toHaveLength(1);
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'COFFERV not quite');
    expect(backupTarget(notes, VAULT_BACKUP_MAGIC)).toBe('other');
    expect(backupTarget(dir, VAULT_BACKUP_MAGIC)).toBe('other');
    // A FIFO is neither waited on nor written over.
    const fifo = path.join(dir, 'a-fifo');
    execFileSync('mkfifo', [fifo]);
    expect(backupTarget(fifo, VAULT_BACKUP_MAGIC)).toBe('other');
    expect(code(() => readBackupFile(fifo, 'vault backup'))).toBe('invalid-backup');
    expect(code(() => readBackupFile(dir, 'vault backup'))).toBe('invalid-backup');
    expect(() => writeBackupFile(path.join(dir, 'no', 'such.backup'), bytes(4, 0), 'vault backup')).toThrow(/The vault backup .* cannot be written/);
  });
});

describe('the wallet\'s vault backup file', () => {
  const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
  const dir = tmpDir();
  const wallet = WalletService.open({ datadir: path.join(dir, 'data'), network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password', unlock: true });
  const seedOf = (words: string) => {
    const { entropy, language } = parseMnemonic(words);
    return mnemonicToSeed(entropy, language, '');
  };
  /** A vault row whose unvault pays `seed`'s hot key of vault `seq`. */
  const ownRow = (s: Uint8Array, seq: number, id: string): VaultRow => ({ ...row, id, seq, unvaultScript: unvaultScript(bytes(33, 2), bytes(33, 3), hotKey(s, 'regtest', seq).pub, row.delay) });
  const sealed = (vaults: VaultRow[], s = seedOf(WORDS)) => {
    const f = path.join(dir, `in-${vaults.map((v) => v.id).join('-')}.backup`);
    fs.writeFileSync(f, sealVaultBackup({ network: 'regtest', writtenAt: 1, vaults }, vaultBackupKey(s, 'regtest')));
    return f;
  };
  afterAll(() => wallet.close());

  it('restore: only this wallet\'s vaults, once each', () => {
    const other = seedOf('legal winner thank year wave sausage worth useful legal winner thank yellow');
    expect(code(() => restoreVaults(wallet, sealed([ownRow(other, 0, 'theirs')], other)))).toBe('invalid-backup');
    expect(code(() => restoreVaults(wallet, sealed([ownRow(other, 0, 'theirs')])))).toBe('invalid-backup');
    // A file that is no vault backup is refused before the password is checked.
    const notes = path.join(dir, 'restore-notes.txt');
    fs.writeFileSync(notes, 'not a backup, but long enough to hold a nonce and a tag');
    let unlocked = 0;
    expect(code(() => restoreVaults(wallet, notes, () => void unlocked++))).toBe('invalid-backup');
    expect(unlocked).toBe(0);
    const file = sealed([ownRow(seedOf(WORDS), 0, 'mine')]);
    expect(restoreVaults(wallet, file, () => void unlocked++)).toEqual({ restored: 1 });
    expect(unlocked).toBe(1);
    expect(restoreVaults(wallet, file)).toEqual({ restored: 0 });
    expect(listVaults(wallet.database)).toMatchObject([{ id: 'mine', seq: 0, withdrawStartedAt: row.withdrawStartedAt, announcement: row.announcement }]);
    expect(code(() => restoreVaults(wallet, sealed([ownRow(seedOf(WORDS), 0, 'same-seq')])))).toBe('invalid-backup');
    expect(listVaults(wallet.database)).toHaveLength(1);
  });

  it('backup: written now and on every rewrite; never over another file; a failing rewrite is reported', () => {
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'notes');
    expect(code(() => setVaultBackup(wallet, notes))).toBe('usage');
    expect(code(() => setVaultBackup(wallet, path.join(dir, 'new.txt')))).toBe('usage');
    const otherProgram = path.join(dir, 'other-program.backup');
    fs.writeFileSync(otherProgram, 'notes');
    expect(code(() => setVaultBackup(wallet, otherProgram))).toBe('file-exists');
    expect(code(() => setVaultBackup(wallet, path.join(dir, 'none', 'v.backup')))).toBe('file-unreadable');
    expect(code(() => setVaultBackup(wallet, sealed([row], bytes(64, 7))))).toBe('file-exists');
    const file = path.join(dir, 'vaults.backup');
    expect(setVaultBackup(wallet, file)).toEqual({ file, vaults: 1 });
    expect(setVaultBackup(wallet, file)).toEqual({ file, vaults: 1 });
    fs.rmSync(file);
    expect(rewriteVaultBackup(wallet)).toBeUndefined();
    expect(openVaultBackup(fs.readFileSync(file), vaultBackupKey(seedOf(WORDS), 'regtest'), 'regtest').vaults.map((v) => v.id)).toEqual(['mine']);
    fs.writeFileSync(file, 'someone else wrote here');
    const failing = rewriteVaultBackup(wallet);
    expect(failing?.code).toBe('backup-failing');
    expect(failing?.details).toEqual({ file });
    expect(fs.readFileSync(file, 'utf8')).toBe('someone else wrote here');
  });
});
