// The vault backup through the real `coffer` command against bcoin regtest: a backup file set
// before a vault is made follows it; with the data directory gone, the words plus that file bring
// the vault back, and its withdrawal and cancel then work end to end.

import fs from 'node:fs';
import path from 'node:path';
import { HDKey } from '@scure/bip32';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { keyParams } from '../../src/keys/networks.js';
import { openVaultBackup } from '../../src/vaults/vault-backup.js';
import { vaultBackupKey } from '../../src/vaults/vault-keys.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
let a: RegtestNode;

beforeAll(async () => {
  a = await startNode();
  await a.fund();
});
afterAll(async () => {
  await a?.close();
});

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

function failed(r: RunResult, code: string) {
  expect(r.code, r.stdout).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: ${code}: `));
}

const runIn = (dir: string) => (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', a.address, ...args], { env });

describe('vault backup', () => {
  it('words + vault backup file: the vault comes back, and withdraw and cancel work', async () => {
    const files = tmpDir();
    const backup = path.join(files, 'vaults.backup');
    const first = tmpDir();
    const run = runIn(first);
    const mnemonic = ok(await run(['wallet', 'create'])).mnemonic;
    await a.send(ok(await run(['wallet', 'address'])).address, 3_000_000);
    await a.mine(1);
    ok(await run(['sync', '--mempool-wait', '1']));

    // Another program's file is never written over; a folder that is not there is no target.
    const notes = path.join(files, 'notes.txt');
    fs.writeFileSync(notes, 'my notes');
    const named = await run(['vault', 'backup', notes]);
    expect(named.code).toBe(2);
    expect(named.stderr).toBe("error: usage: A vault backup file's name ends in .backup (for example coffer-vaults.backup).\n");
    const otherProgram = path.join(files, 'other-program.backup');
    fs.writeFileSync(otherProgram, 'my notes');
    failed(await run(['vault', 'backup', otherProgram]), 'file-exists');
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes');
    failed(await run(['vault', 'backup', path.join(files, 'none', 'vaults.backup')]), 'file-unreadable');
    expect(ok(await run(['vault', 'backup', backup]))).toEqual({ file: backup, vaults: 0 });

    const recovery = HDKey.fromMasterSeed(secp256k1.utils.randomSecretKey(), keyParams('regtest').bip32);
    const made = ok(await run(['vault', 'create', '--amount', '1000000', '--delay', '6', '--recovery', `wpkh(${recovery.publicExtendedKey}/0/*)`, '--feerate', '2']));
    await waitFor(() => a.mempool().includes(made.depositTxid), 10_000, 'the deposit');
    await a.mine(1);
    // The file followed the new vault without being asked.
    expect(fs.readFileSync(backup).subarray(0, 8).toString()).toBe('COFFERVB');

    // The machine is lost: only the words and the backup file are left.
    fs.rmSync(first, { recursive: true, force: true });
    const second = tmpDir();
    const again = runIn(second);
    fs.writeFileSync(path.join(files, 'words'), mnemonic);
    ok(await again(['wallet', 'restore', '--mnemonic-file', path.join(files, 'words')]));
    ok(await again(['sync', '--mempool-wait', '1']));
    // The sync found the vault by its deposit's note, without its presigned set.
    expect(ok(await again(['vault', 'list']))).toMatchObject([{ id: made.id, status: 'funded', found: true, recovery: '' }]);
    failed(await again(['vault', 'restore', notes]), 'invalid-backup');
    failed(await again(['vault', 'restore', path.join(files, 'missing.backup')]), 'file-unreadable');
    expect(ok(await again(['vault', 'restore', backup]))).toEqual({ restored: 1 });
    expect(ok(await again(['vault', 'restore', backup]))).toEqual({ restored: 0 });
    const [back, ...none] = ok(await again(['vault', 'list']));
    expect(back).toMatchObject({ id: made.id, amount: 1_000_000, status: 'funded', depositTxid: made.depositTxid, confirmations: 1 });
    expect(back.found).toBeUndefined();
    expect(none).toEqual([]);

    // The restored wallet keeps the same file (its own backup, so written over), and a withdrawal rewrites it.
    expect(ok(await again(['vault', 'backup', backup]))).toEqual({ file: backup, vaults: 1 });
    const started = ok(await again(['vault', 'withdraw', made.id]));
    const { entropy, language } = parseMnemonic(mnemonic);
    const key = vaultBackupKey(mnemonicToSeed(entropy, language, ''), 'regtest');
    expect(openVaultBackup(fs.readFileSync(backup), key, 'regtest').vaults[0]).toMatchObject({ id: made.id, announcement: expect.stringMatching(/^[0-9a-f]{128}$/) });
    await waitFor(() => a.mempool().includes(started.unvaultTxid), 10_000, 'the unvault');
    expect(ok(await again(['vault', 'list']))[0]).toMatchObject({ status: 'unvaulting', unvaultTxid: started.unvaultTxid });
    const cancelled = ok(await again(['vault', 'cancel', made.id, '--feerate', '2']));
    await waitFor(() => a.mempool().includes(cancelled.cancelTxid), 10_000, 'the cancel');
    await a.mine(1);
    ok(await again(['sync', '--mempool-wait', '1']));
    expect(ok(await again(['vault', 'list']))[0]).toMatchObject({ id: made.id, status: 'cancelled', cancelTxid: cancelled.cancelTxid });
  });
});
