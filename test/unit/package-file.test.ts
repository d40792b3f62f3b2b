// The watchtower package file the app keeps (src/service/package-file.ts, `vault.exportPackage`):
// only a new .json file in a folder that exists, or this wallet's own package, is written; then it
// is kept (rewritten with the vaults). The vault methods that name a file refuse to go without one.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { insertVault, type VaultRow } from '../../src/db/vault-store.js';
import type { CoreHost } from '../../src/service/handlers/handler.js';
import { vaultHandlers } from '../../src/service/handlers/vault.js';
import { nullLogger } from '../../src/service/log.js';
import { keepPackageAt } from '../../src/service/package-file.js';
import { ANNOUNCE_KEY_META, serveTowers, towerFiles } from '../../src/service/vault-tracker.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { p2wsh } from '../../src/vaults/vault-tx.js';
import { parsePackage } from '../../src/vaults/watchtower.js';
import { tmpDir } from '../helpers/tmp.js';

const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const bytes = (n: number, b: number) => new Uint8Array(n).fill(b);

/** A one-input, one-output transaction spending `txid:vout` (of P2WSH `witnessScript`). */
function spend(txid: Uint8Array, vout: number, value: number, witnessScript: Uint8Array, script: Uint8Array = bytes(22, 1)): Tx {
  return { version: 2, inputs: [{ prevTxid: txid, vout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [witnessScript] }], outputs: [{ value, script }], locktime: 0 };
}

/** A vault row whose presigned transactions spend what a tower checks they spend. */
function vaultRow(id: string, seq: number): VaultRow {
  const depositTxid = bytes(32, 10 + seq);
  const depositScript = bytes(71, 3);
  const unvaultScript = bytes(80, 4);
  const unvault = spend(depositTxid, 0, 990_000, depositScript, p2wsh(unvaultScript));
  const rung = (tx: Tx, feerate: number) => ({ feerate, fee: 300 * feerate, vsize: 150, hex: Buffer.from(serializeTx(tx)).toString('hex') });
  return {
    id,
    seq,
    createdAt: 1_700_000_000,
    amount: 1_000_000,
    delay: 144,
    recovery: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
    recoveryScript: bytes(22, 1),
    depositTxid,
    depositVout: 0,
    depositScript,
    unvaultScript,
    unvaultRaw: serializeTx(unvault),
    cancels: [rung(spend(txidOf(unvault), 0, 980_000, unvaultScript), 2)],
    emergencies: [rung(spend(depositTxid, 0, 980_000, depositScript), 5)],
    towersServed: false,
  };
}

/** A package of this wallet's shape (its announcement key is set below), with no vault. */
const OURS = { format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: 'ab'.repeat(32), vaults: [] };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    return (e as CofferError).code;
  }
  throw new Error('no error');
}

describe('the watchtower package file the app keeps', () => {
  const dir = tmpDir();
  const wallet = WalletService.open({ datadir: path.join(dir, 'data'), network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password', unlock: true });
  afterAll(() => wallet.close());
  const at = (name: string) => path.join(dir, name);

  it('with no vault yet there is no package to keep, and no file is made', () => {
    expect(code(() => keepPackageAt(wallet, at('early.json')))).toBe('unknown-vault');
    expect(fs.existsSync(at('early.json'))).toBe(false);
    expect(towerFiles(wallet)).toEqual([]);
  });

  it('refuses a name that is not .json, a missing folder, and every file that is not this wallet\'s package', () => {
    insertVault(wallet.database, vaultRow('a1b2c3d4e5f6', 0));
    wallet.setMeta(ANNOUNCE_KEY_META, 'ab'.repeat(32));
    for (const name of ['notes.txt', 'package.backup', '.json', 'package.json.tmp']) expect(code(() => keepPackageAt(wallet, at(name))), name).toBe('usage');
    expect(code(() => keepPackageAt(wallet, at('none/package.json')))).toBe('file-unreadable');

    const others: [string, string][] = [
      ['notes.json', '{"notes": true}\n'],
      ['empty.json', ''],
      // Another wallet's package: the same format, another announcement key.
      ['theirs.json', `${JSON.stringify({ ...OURS, announceKey: 'cd'.repeat(32) }, null, 1)}\n`],
      // Another network's.
      ['testnet.json', `${JSON.stringify({ ...OURS, network: 'test' }, null, 1)}\n`],
      // The right head, then nothing a tower could read.
      ['broken.json', '{\n "format": "coffer-watchtower", "oops"'],
    ];
    for (const [name, text] of others) {
      fs.writeFileSync(at(name), text);
      expect(code(() => keepPackageAt(wallet, at(name))), name).toBe('file-exists');
      expect(fs.readFileSync(at(name), 'utf8'), name).toBe(text);
    }
    fs.mkdirSync(at('folder.json'));
    expect(code(() => keepPackageAt(wallet, at('folder.json')))).toBe('file-exists');
    expect(towerFiles(wallet)).toEqual([]);
  });

  it('writes a new file now, keeps it, writes over it again, and never through a link', () => {
    const file = at('coffer-watchtower.json');
    expect(keepPackageAt(wallet, file)).toEqual({ file, vaults: 1 });
    const pkg = parsePackage(fs.readFileSync(file, 'utf8'));
    expect(pkg).toMatchObject({ network: 'regtest', announceKey: 'ab'.repeat(32), vaults: [{ id: 'a1b2c3d4e5f6' }] });
    expect(towerFiles(wallet)).toEqual([file]);
    // Its own package may be chosen again: written over, remembered once.
    expect(keepPackageAt(wallet, file)).toEqual({ file, vaults: 1 });
    expect(towerFiles(wallet)).toEqual([file]);
    // A link to it is not the file: refused, and the package behind it is left as it was.
    fs.symlinkSync(file, at('link.json'));
    expect(code(() => keepPackageAt(wallet, at('link.json')))).toBe('file-exists');
    // Kept: a new vault reaches the file with the next serving of the towers.
    insertVault(wallet.database, vaultRow('0f1e2d3c4b5a', 1));
    serveTowers(wallet);
    expect(parsePackage(fs.readFileSync(file, 'utf8')).vaults.map((v) => v.id).sort()).toEqual(['0f1e2d3c4b5a', 'a1b2c3d4e5f6']);
  });

  it('vault.backup, vault.restore and vault.exportPackage without a file (only main may leave it out) are usage errors', async () => {
    const handlers = vaultHandlers({ wallet: () => wallet } as unknown as CoreHost);
    const calls: (() => unknown)[] = [() => handlers['vault.backup']({}), () => handlers['vault.restore']({ password: 'unit test password' }), () => handlers['vault.exportPackage']({})];
    for (const call of calls) {
      const e = await Promise.resolve().then(call).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CofferError);
      expect((e as CofferError).code).toBe('usage');
      expect((e as CofferError).message).toMatch(/^Name the (vault backup|watchtower package) file\.$/);
    }
  });
});
