// Spending every script type Coffer derives, checked by a real node: taproot (BIP86), and a
// restored wallet whose coins sit on BIP44, BIP49 and BIP84 addresses, spent together.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDescriptorText, deriveAccount, masterFromSeed } from '../../src/keys/accounts.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { parseTx } from '../../src/chain/tx.js';
import * as ecc from '@bitcoinerlab/secp256k1';
import * as bitcoin from 'bitcoinjs-lib';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

bitcoin.initEccLib(ecc);
const env = { COFFER_PASSWORD: 'integration password' };
let a: RegtestNode;

beforeAll(async () => {
  a = await startNode();
  await a.fund();
});
afterAll(async () => a?.close());

const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};

describe('script types', () => {
  it('a taproot wallet receives, and signs spends an independent library verifies', async () => {
    // bcoin 1.0.2 predates taproot and relays no taproot spend (non-standard to it), so the
    // key-path signatures are checked by bitcoinjs-lib against its own sighash instead.
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', a.address, ...args], { env });
    ok(await run(['wallet', 'create', '--script', 'tr']));
    const { address } = ok(await run(['wallet', 'address']));
    expect(address).toMatch(/^bcrt1p/);
    await a.send(address, 500_000);
    await a.mine(1);
    expect(ok(await run(['sync', '--mempool-wait', '0'])).balance.confirmed).toBe(500_000);
    const file = path.join(dir, 'tr.psbt');
    fs.writeFileSync(file, ok(await run(['wallet', 'psbt', 'create', '--to', a.walletAddress, '--amount', '100000', '--feerate', '3'])));
    const signed = bitcoin.Psbt.fromBase64(ok(await run(['wallet', 'psbt', 'sign', '--yes', file])), { network: bitcoin.networks.regtest });
    expect(signed.data.inputs[0]?.tapKeySig).toBeDefined();
    expect(signed.validateSignaturesOfInput(0, (pub, msg, sig) => ecc.verifySchnorr(msg, pub, sig))).toBe(true);
    // A flipped signature byte must not verify: the check above can fail.
    const bad = bitcoin.Psbt.fromBase64(signed.toBase64(), { network: bitcoin.networks.regtest });
    bad.data.inputs[0]!.tapKeySig![5]! ^= 1;
    expect(bad.validateSignaturesOfInput(0, (pub, msg, sig) => ecc.verifySchnorr(msg, pub, sig))).toBe(false);
  });

  it('a restored wallet spends BIP44, BIP49 and BIP84 coins in one transaction', async () => {
    const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const master = masterFromSeed(mnemonicToSeed(parseMnemonic(mnemonic).entropy, 'english', ''), 'regtest');
    const addressOf = (script: 'pkh' | 'sh-wpkh' | 'wpkh', index: number) =>
      scriptToAddress(new ScriptDeriver(parseDescriptor(accountDescriptorText(deriveAccount(master, script, 'regtest'), 0), 'regtest'), 'regtest').scriptAt(index), 'regtest')!;
    const birthday = a.tipHeight();
    await a.sendMany([
      { address: addressOf('pkh', 0), sats: 100_000 },
      { address: addressOf('sh-wpkh', 3), sats: 200_000 },
      { address: addressOf('wpkh', 1), sats: 300_000 },
    ]);
    await a.mine(1);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'words'), mnemonic);
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', a.address, ...args], { env });
    ok(await run(['wallet', 'restore', '--mnemonic-file', path.join(dir, 'words'), '--birthday', String(birthday)]));
    expect(ok(await run(['sync', '--mempool-wait', '0'])).balance).toEqual({ confirmed: 600_000, unconfirmed: 0 });
    const descriptors = ok(await run(['wallet', 'descriptors'])).map((d: { desc: string }) => d.desc.split('(')[0]);
    expect(descriptors.sort()).toEqual(['pkh', 'pkh', 'sh', 'sh', 'wpkh', 'wpkh']);
    const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', 'max', '--feerate', '2']));
    await waitFor(() => a.mempool().includes(r.txid), 10_000, 'mixed-script spend accepted');
    expect(parseTx(Uint8Array.from(Buffer.from(await a.getRawTransaction(r.txid), 'hex'))).inputs).toHaveLength(3);
  });
});
