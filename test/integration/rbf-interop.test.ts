// Fee bumping by replacement (BIP125) and PSBT interoperability with bitcoinjs-lib.
//
// bcoin 1.0.2's mempool never replaces a transaction, so the replacement is sent to a second node
// that never saw the original: it accepts the replacement only if its signatures and amounts are
// valid, and then mining it there settles which of the two wins.

import fs from 'node:fs';
import path from 'node:path';
import * as ecc from '@bitcoinerlab/secp256k1';
import { HDKey } from '@scure/bip32';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx } from '../../src/chain/tx.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startNode, waitFor, waitForSameTip, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

bitcoin.initEccLib(ecc);
const ECPair = ECPairFactory(ecc);
const env = { COFFER_PASSWORD: 'integration password' };
let a: RegtestNode;
let b: RegtestNode;

beforeAll(async () => {
  [a, b] = await Promise.all([startNode(), startNode()]);
  await a.connect(b);
  await a.fund();
  await waitForSameTip([a, b]);
});
afterAll(async () => Promise.all([a?.close(), b?.close()]));

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

const txOf = (hex: string) => parseTx(Uint8Array.from(Buffer.from(hex, 'hex')));

async function fundedWallet(amounts: number[]): Promise<{ run: (args: string[]) => Promise<RunResult>; mnemonic: string; dir: string }> {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
  const mnemonic = ok(await run(['wallet', 'create'])).mnemonic;
  for (const sats of amounts) await a.send(ok(await run(['wallet', 'address'])).address, sats);
  await a.mine(1);
  await waitForSameTip([a, b]);
  ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '0']));
  return { run, mnemonic, dir };
}

describe('RBF', () => {
  it('replaces our send with a higher fee; the replacement follows BIP125 and wins when mined', async () => {
    const { run } = await fundedWallet([400_000, 300_000]);
    await a.disconnect(b);
    const first = ok(await run(['--connect', a.address, 'wallet', 'send', '--to', a.walletAddress, '--amount', '150000', '--feerate', '2']));
    await waitFor(() => a.mempool().includes(first.txid), 10_000, 'original in A');

    const low = await run(['--connect', b.address, 'wallet', 'bump', first.txid, '--feerate', '1.5']);
    expect(low.stderr).toMatch(/^error: fee-too-low: /);
    // A node holding the original refuses the replacement (bcoin 1.0.2 replaces nothing): the
    // replacement is abandoned and the original is back in the history, still pending.
    const refused = await run(['--connect', a.address, 'wallet', 'bump', first.txid, '--feerate', '8']);
    expect(refused.stderr).toMatch(/^error: invalid-transaction: /);
    const kept = ok(await run(['wallet', 'history'])) as { txid: string; status: string }[];
    expect(kept.map((h) => h.txid)).toContain(first.txid);
    expect(kept).toHaveLength(3);
    const bumped = ok(await run(['--connect', b.address, 'wallet', 'bump', first.txid, '--feerate', '12']));
    expect(bumped.replaces).toBe(first.txid);
    expect(bumped.feerate).toBeGreaterThan(first.feerate);
    expect(bumped.fee).toBeGreaterThanOrEqual(first.fee + bumped.vsize);
    await waitFor(() => b.mempool().includes(bumped.txid), 10_000, 'replacement in B');
    expect(a.mempool()).not.toContain(bumped.txid);

    const original = txOf(await a.getRawTransaction(first.txid));
    const replacement = txOf(await b.getRawTransaction(bumped.txid));
    const ins = (t: typeof original) => t.inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`);
    for (const i of ins(original)) expect(ins(replacement)).toContain(i);
    expect(replacement.outputs.some((o) => o.value === 150_000)).toBe(true);
    expect(replacement.inputs.every((i) => i.sequence === 0xfffffffd)).toBe(true);

    // B mines the replacement; after the partition heals, the original is gone everywhere.
    await b.mine(2);
    await a.connect(b);
    await waitForSameTip([a, b]);
    const s = ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '1']));
    expect(s.balance.unconfirmed).toBe(0);
    const history = ok(await run(['wallet', 'history']));
    expect(history.map((h: { txid: string }) => h.txid)).toContain(bumped.txid);
    expect(history.map((h: { txid: string }) => h.txid)).not.toContain(first.txid);
    expect(history.find((h: { txid: string }) => h.txid === bumped.txid)).toMatchObject({ confirmations: 2, fee: bumped.fee });

    // Neither a confirmed transaction nor someone else's can be bumped.
    expect((await run(['--connect', a.address, 'wallet', 'bump', bumped.txid, '--feerate', '30'])).stderr).toMatch(/^error: cannot-bump: /);
    const incoming = history.find((h: { amount: number }) => h.amount > 0).txid;
    expect((await run(['--connect', a.address, 'wallet', 'bump', incoming, '--feerate', '30'])).stderr).toMatch(/^error: cannot-bump: /);
  });
});

describe('PSBT interoperability with bitcoinjs-lib', () => {
  it('a Coffer PSBT is signed by bitcoinjs-lib, and a bitcoinjs-lib PSBT by Coffer', async () => {
    const { run, mnemonic, dir } = await fundedWallet([250_000, 120_000]);
    const master = HDKey.fromMasterSeed(mnemonicToSeed(parseMnemonic(mnemonic).entropy, 'english', ''));

    // Coffer creates, bitcoinjs-lib signs with keys it derives from the key origins in the PSBT.
    const created: string = ok(await run(['--connect', a.address, 'wallet', 'psbt', 'create', '--to', a.walletAddress, '--amount', '60000', '--feerate', '2']));
    const p1 = bitcoin.Psbt.fromBase64(created, { network: bitcoin.networks.regtest });
    p1.data.inputs.forEach((input, i) => {
      const der = input.bip32Derivation?.[0];
      expect(der).toBeDefined();
      const child = master.derive(der!.path);
      p1.signInput(i, ECPair.fromPrivateKey(Buffer.from(child.privateKey!), { network: bitcoin.networks.regtest }));
      expect(p1.validateSignaturesOfInput(i, (pub, msg, sig) => ecc.verify(msg, pub, sig))).toBe(true);
    });
    p1.finalizeAllInputs();
    const tx1 = p1.extractTransaction();
    await a.submitTransaction(tx1.toHex());
    expect(a.mempool()).toContain(tx1.getId());

    // bitcoinjs-lib creates (no key origins), Coffer recognises its coin and signs.
    await a.mine(1);
    ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '0']));
    const coin = ok(await run(['wallet', 'utxos']))[0];
    const p2 = new bitcoin.Psbt({ network: bitcoin.networks.regtest });
    p2.addInput({
      hash: coin.txid,
      index: coin.vout,
      sequence: 0xfffffffd,
      witnessUtxo: { script: bitcoin.address.toOutputScript(coin.address, bitcoin.networks.regtest), value: BigInt(coin.value) },
    });
    p2.addOutput({ address: a.walletAddress, value: BigInt(coin.value - 1_000) });
    const file = path.join(dir, 'from-bitcoinjs.psbt');
    fs.writeFileSync(file, p2.toBase64());
    const signed: string = ok(await run(['wallet', 'psbt', 'sign', '--yes', file]));
    const p3 = bitcoin.Psbt.fromBase64(signed, { network: bitcoin.networks.regtest });
    expect(p3.validateSignaturesOfInput(0, (pub, msg, sig) => ecc.verify(msg, pub, sig))).toBe(true);
    p3.finalizeAllInputs();
    const tx2 = p3.extractTransaction();
    await a.submitTransaction(tx2.toHex());
    expect(a.mempool()).toContain(tx2.getId());
  });
});

describe('switching backends keeps the wallet; labels travel as BIP329', () => {
  it('SPV and RPC see the same wallet; labels and frozen coins export and import', async () => {
    const { run, dir } = await fundedWallet([90_000, 80_000, 70_000]);
    const key = path.join(dir, 'key');
    fs.writeFileSync(key, a.apiKey);
    const rpc = ['--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${a.httpPort}/`, '--rpc-user', 'coffer', '--rpc-password-file', key];
    const viaSpv = ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '0']));
    const viaRpc = ok(await run([...rpc, 'sync', '--mempool-wait', '0']));
    expect(viaRpc).toEqual(viaSpv);
    const sent = ok(await run([...rpc, 'wallet', 'send', '--to', a.walletAddress, '--amount', '30000', '--feerate', '2']));
    await a.mine(1);
    ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '0']));
    expect(ok(await run(['wallet', 'history'])).at(-1)).toMatchObject({ txid: sent.txid, confirmations: 1 });

    const [c1, c2] = ok(await run(['wallet', 'utxos']));
    ok(await run(['wallet', 'freeze', `${c1.txid}:${c1.vout}`]));
    const out = path.join(dir, 'labels.jsonl');
    expect(ok(await run(['wallet', 'labels', 'export', out])).records).toBe(1);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual({ type: 'output', ref: `${c1.txid}:${c1.vout}`, spendable: false });
    const incoming = path.join(dir, 'in.jsonl');
    fs.writeFileSync(
      incoming,
      [
        JSON.stringify({ type: 'tx', ref: sent.txid, label: 'paid the plumber' }),
        JSON.stringify({ type: 'output', ref: `${c2.txid}:${c2.vout}`, label: 'cold', spendable: false }),
        JSON.stringify({ type: 'output', ref: `${c1.txid}:${c1.vout}`, spendable: true }),
        '{not json',
      ].join('\n'),
    );
    const imported = ok(await run(['wallet', 'labels', 'import', incoming]));
    expect(imported.imported).toBe(3);
    expect(imported.skipped).toHaveLength(1);
    const coins = ok(await run(['wallet', 'utxos']));
    expect(coins.find((c: { txid: string }) => c.txid === c2.txid)).toMatchObject({ frozen: true, label: 'cold' });
    expect(coins.find((c: { txid: string }) => c.txid === c1.txid)).toMatchObject({ frozen: false });
    fs.writeFileSync(incoming, 'not a labels file at all');
    expect((await run(['wallet', 'labels', 'import', incoming])).stderr).toMatch(/^error: invalid-labels: /);
  });
});
