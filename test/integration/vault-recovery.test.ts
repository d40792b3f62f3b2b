// The lost computer, through the real `coffer` command against bcoin regtest: three vaults (one
// funded, one unvaulting, one withdrawable, both unvaults broadcast by a thief holding a copy of
// the wallet file and the hot keys), then the data directory is deleted. A wallet restored from
// the words alone finds all three on chain by their deposits' notes, and the recovery key alone
// sweeps each to the recovery wallet; the thief's withdrawal and unvault are then refused.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HDKey } from '@scure/bip32';
import { hex } from '@scure/base';
import * as btc from '@scure/btc-signer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx, serializeTx, txid as txidOf } from '../../src/chain/tx.js';
import { addressToScript, scriptToAddress } from '../../src/keys/address.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { keyParams } from '../../src/keys/networks.js';
import { hotKey } from '../../src/vaults/vault-keys.js';
import { withdrawal } from '../../src/vaults/vault-tx.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { addressToScript as nodeScript, startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = { COFFER_PASSWORD: 'integration password' };
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

const runIn = (dir: string, env: Record<string, string> = PASSWORD) => (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', a.address, ...args], { env });

describe('a lost computer: the words and the recovery key are enough', () => {
  it('finds every vault on chain and sweeps each with the recovery key; the thief gets nothing', async () => {
    const files = tmpDir();
    const first = tmpDir();
    const run = runIn(first);
    const mnemonic = ok(await run(['wallet', 'create'])).mnemonic;
    await a.send(ok(await run(['wallet', 'address'])).address, 5_000_000);
    await a.mine(1);
    ok(await run(['sync', '--mempool-wait', '1']));

    // The recovery wallet lives elsewhere: its account's xpub is all this machine ever sees.
    const root = HDKey.fromMasterSeed(secp256k1.utils.randomSecretKey(), keyParams('regtest').bip32);
    const account = root.derive("m/84'/1'/0'");
    const descriptor = `wpkh([${root.fingerprint.toString(16).padStart(8, '0')}/84h/1h/0h]${account.publicExtendedKey}/0/*)`;
    const create = async (delay: number) => {
      const made = ok(await run(['vault', 'create', '--amount', '1000000', '--delay', String(delay), '--recovery', descriptor, '--feerate', '2']));
      await waitFor(() => a.mempool().includes(made.depositTxid), 10_000, 'a deposit');
      return made as { id: string; depositTxid: string };
    };
    const funded = await create(20);
    const unvaulting = await create(50);
    const withdrawable = await create(2);
    await a.mine(1);
    // A vault's id is its deposit's: a restore finds it under the same name.
    expect(funded.id).toBe(funded.depositTxid.slice(0, 12));

    // The thief copies the wallet file and derives the hot keys; then the computer is gone.
    const db = new Database(path.join(first, 'regtest', 'wallet.sqlite'), { readonly: true });
    const stolen = db.prepare('SELECT id, seq, delay, unvault_raw, unvault_script FROM vault_vaults ORDER BY seq').all() as { id: string; seq: number; delay: number; unvault_raw: Buffer; unvault_script: Buffer }[];
    db.close();
    fs.rmSync(first, { recursive: true, force: true });
    for (const s of stolen.slice(1)) await a.submitTransaction(hex.encode(s.unvault_raw));
    await a.mine(2);

    // Words only, in a fresh data directory.
    const second = tmpDir();
    const again = runIn(second);
    fs.writeFileSync(path.join(files, 'words'), mnemonic);
    ok(await again(['wallet', 'restore', '--mnemonic-file', path.join(files, 'words')]));
    ok(await again(['sync', '--mempool-wait', '1']));
    const found = ok(await again(['vault', 'list'])) as { id: string; status: string; depositTxid: string; found?: true; alert?: true; delay: number }[];
    expect(found.map((v) => [v.id, v.depositTxid, v.status, v.delay, v.found])).toEqual([
      [funded.id, funded.depositTxid, 'funded', 20, true],
      [unvaulting.id, unvaulting.depositTxid, 'unvaulting', 50, true],
      [withdrawable.id, withdrawable.depositTxid, 'withdrawable', 2, true],
    ]);
    expect(found.slice(1).every((v) => v.alert)).toBe(true);
    // Without the presigned set there is no withdrawal or cancel; the recovery key is the way.
    const refused = await again(['vault', 'withdraw', funded.id]);
    expect(refused.stderr).toMatch(/^error: vault-not-ready: .*found on the chain after a restore/);

    // The recovery key, as the account's tprv, the master tprv, or one WIF: each finds its key.
    const keyFile = (name: string, text: string) => {
      const f = path.join(files, name);
      fs.writeFileSync(f, `${text}\n`, { mode: 0o600 });
      return f;
    };
    const wif = btc.WIF(btc.TEST_NETWORK).encode(account.deriveChild(0).deriveChild(2).privateKey!);
    const wrong = keyFile('wrong', HDKey.fromMasterSeed(secp256k1.utils.randomSecretKey(), keyParams('regtest').bip32).privateExtendedKey);
    const to = (i: number) => scriptToAddress(btc.p2wpkh(account.deriveChild(1).deriveChild(i).publicKey!).script, 'regtest')!;
    // A bare address cannot be a vault's recovery destination any more.
    const bare = await again(['vault', 'preview', '--amount', '1000000', '--delay', '6', '--recovery', to(9)]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^error: invalid-descriptor: A vault needs its recovery wallet's key/);
    const mismatch = await again(['vault', 'recover', funded.id, '--key-file', wrong, '--to', to(0)]);
    expect(mismatch.stderr).toMatch(/^error: invalid-descriptor: The key in the file is not this vault's recovery key/);
    // A funded vault needs no password: the deposit script comes from the note and the key.
    const sweeps = [
      ok(await runIn(second, {})(['vault', 'recover', funded.id, '--key-file', keyFile('account', account.privateExtendedKey), '--to', to(0), '--feerate', '2'])),
      ok(await again(['vault', 'recover', unvaulting.id, '--key-file', keyFile('master', root.privateExtendedKey), '--to', to(1), '--feerate', '2'])),
      ok(await again(['vault', 'recover', withdrawable.id, '--key-file', keyFile('wif', wif), '--to', to(2), '--feerate', '2'])),
    ] as { txid: string }[];
    await waitFor(() => sweeps.every((s) => a.mempool().includes(s.txid)), 10_000, 'the sweeps');

    // The thief, a block too late: the hot key's withdrawal and the stored unvault both spend what is gone.
    const { entropy, language } = parseMnemonic(mnemonic);
    const seed = mnemonicToSeed(entropy, language, '');
    const late = stolen[2]!;
    const unvault = parseTx(late.unvault_raw);
    const thief = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x66));
    const theft = withdrawal({ txid: txidOf(unvault), vout: 0, value: unvault.outputs[0]!.value }, new Uint8Array(late.unvault_script), late.delay, hotKey(seed, 'regtest', late.seq).secret, thief, 5);
    await expect(a.submitTransaction(hex.encode(serializeTx(theft)))).rejects.toThrow();
    await expect(a.submitTransaction(hex.encode(stolen[0]!.unvault_raw))).rejects.toThrow();
    await a.mine(1);

    // Every vault's coins sit, confirmed, at the recovery wallet's addresses.
    for (const [i, s] of sweeps.entries()) {
      const out = (await a.rpc('gettxout', [s.txid, 0])) as { confirmations: number; value: number; scriptPubKey: { address?: string; addresses?: string[] } };
      expect(out.confirmations).toBe(1);
      expect(Math.round(out.value * 1e8)).toBeGreaterThan(990_000);
      expect(nodeScript(out.scriptPubKey.address ?? out.scriptPubKey.addresses![0]!)).toEqual(addressToScript(to(i), 'regtest'));
    }
    ok(await again(['sync', '--mempool-wait', '1']));
    const after = ok(await again(['vault', 'list'])) as { status: string; cancelTxid?: string }[];
    expect(after.map((v) => [v.status, v.cancelTxid])).toEqual(sweeps.map((s) => ['cancelled', s.txid]));

    // Bad input gets a typed answer: nothing left, no such vault, no key file, a key file that is not one.
    const key = path.join(files, 'account');
    expect((await again(['vault', 'recover', funded.id, '--key-file', key, '--to', to(3)])).stderr).toMatch(/^error: vault-not-ready: The vault is cancelled: there is nothing left to recover/);
    expect((await again(['vault', 'recover', 'ffffffffffff', '--key-file', key, '--to', to(3)])).stderr).toMatch(/^error: unknown-vault: /);
    const noKey = await again(['vault', 'recover', funded.id, '--to', to(3)]);
    expect([noKey.code, noKey.stderr]).toEqual([2, 'error: usage: vault recover needs --key-file FILE\n']);
    expect((await again(['vault', 'recover', funded.id, '--key-file', files, '--to', to(3)])).stderr).toMatch(/^error: file-unreadable: /);
    expect((await again(['vault', 'recover', funded.id, '--key-file', key, '--to', 'bc1qnotanaddress'])).stderr).toMatch(/^error: invalid-address: /);
  });
});
