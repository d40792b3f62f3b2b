// Anchor channels between Coffer daemons on one bcoin regtest node: A opens to B, which keeps
// coins for fee bumps, and gets an anchor channel; to C, which has none, a legacy one (C refuses
// anchors, LDK asks again without). A's sends and a further channel leave the fee reserve. A
// force-closes at a fee rate above its commitment's: the child A pays from the wallet confirms
// the commitment with it, and both sides' funds come back.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToHash } from '../../src/chain/bytes.js';
import { parseTx, txid as txidOf, vsize, type Tx } from '../../src/chain/tx.js';
import type { RunResult } from '../helpers/cli.js';
import { party, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let node: RegtestNode;
let a: Party;
let b: Party;
let c: Party;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  // One at a time: the node's own wallet funds each.
  a = await party(node, tmpDir(), [1_000_000, 200_000]);
  b = await party(node, tmpDir(), [100_000]);
  c = await party(node, tmpDir(), []);
  await Promise.all([startDaemon(node, a), startDaemon(node, b, { listen: true, inbound: true }), startDaemon(node, c, { listen: true, inbound: true })]);
}, 120_000);
afterAll(async () => {
  for (const p of [a, b, c]) if (p) await stopDaemon(p, 'SIGKILL');
  if (process.env['COFFER_TEST_DEBUG']) for (const [n, p] of [['a', a], ['b', b], ['c', c]] as const) if (p && fs.existsSync(path.join(p.dir, 'logs', 'coffer.log'))) fs.copyFileSync(path.join(p.dir, 'logs', 'coffer.log'), `/tmp/anchors-${n}.log`);
  await node?.close();
});

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

const { channels, balance, tip: tipOf } = reads;

async function allAt(height: number, ps: Party[]): Promise<void> {
  await waitFor(async () => (await Promise.all(ps.map(tipOf))).every((h) => h === height), 30_000, `wallets at ${height}`);
}

async function openChannel(to: Party, sats: number): Promise<{ channelId: string; fundingTxid: string }> {
  const d = to.daemon!;
  const opened = ok(await a.run(['channel', 'open', '--peer', `${d.nodeId}@127.0.0.1:${d.listen}`, '--amount', String(sats)]));
  await waitFor(() => node.mempool().includes(opened.fundingTxid), 20_000, 'the funding transaction in the mempool');
  await node.mine(6);
  for (const p of [a, to]) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === opened.channelId && ch.usable), 30_000, 'the channel usable');
  return opened;
}

async function rawTx(txid: string): Promise<Tx> {
  return parseTx(Uint8Array.from(Buffer.from(await node.getRawTransaction(txid), 'hex')));
}

/** What a transaction's inputs spent, from their previous transactions. */
async function inputValue(tx: Tx): Promise<number> {
  let sum = 0;
  for (const i of tx.inputs) sum += (await rawTx(Buffer.from(i.prevTxid).reverse().toString('hex'))).outputs[i.vout]!.value;
  return sum;
}

const outputValue = (tx: Tx) => tx.outputs.reduce((n, o) => n + o.value, 0);

describe('anchor channels', () => {
  let anchorId: string;

  it('A to B (who keeps a reserve) is an anchor channel, A to C (no coins) a legacy one; A keeps 10,000 sats for fee bumps', async () => {
    const opened = await openChannel(b, 300_000);
    anchorId = opened.channelId;
    expect((await channels(a)).find((ch) => ch.channelId === anchorId)).toMatchObject({ type: 'anchor', outbound: true, state: 'ready' });
    expect((await channels(b)).find((ch) => ch.channelId === anchorId)).toMatchObject({ type: 'anchor', outbound: false });
    const legacy = await openChannel(c, 100_000);
    expect((await channels(a)).find((ch) => ch.channelId === legacy.channelId)).toMatchObject({ type: 'legacy' });
    expect((await channels(c)).find((ch) => ch.channelId === legacy.channelId)).toMatchObject({ type: 'legacy' });
    // The reserve: one anchor channel on each side of it; shown by `wallet balance` and `ln info`.
    expect(ok(await a.run(['wallet', 'balance'])).anchorReserve).toBe(10_000);
    expect((await b.call<{ anchorReserve: number }>('ln.info')).anchorReserve).toBe(10_000);
    expect(ok(await c.run(['wallet', 'balance'])).anchorReserve).toBeUndefined();
  }, 180_000);

  it('a send and a channel that would spend into the reserve are refused with insufficient-funds', async () => {
    await node.mine(1);
    await allAt(node.tipHeight(), [a]);
    const to = ok(await c.run(['wallet', 'address'])).address;
    const sendAll = await a.run(['wallet', 'send', '--to', to, '--amount', 'max']);
    expect(sendAll.code).toBe(1);
    expect(sendAll.stderr).toMatch(/^error: insufficient-funds: 10,000 sats are kept for fee bumps of your anchor channels/);
    // A second anchor channel of nearly everything: 20,000 sats would have to stay.
    const confirmed = await balance(a);
    const d = b.daemon!;
    const tooBig = await a.run(['channel', 'open', '--peer', `${d.nodeId}@127.0.0.1:${d.listen}`, '--amount', String(confirmed - 15_000)]);
    expect(tooBig.code, tooBig.stdout).toBe(1);
    expect(tooBig.stderr).toMatch(/^error: insufficient-funds: 20,000 sats are kept for fee bumps/);
    // Nothing was spent; a send that leaves the reserve goes out.
    await waitFor(async () => (await a.call<{ anchorReserve: number }>('ln.info')).anchorReserve === 10_000, 20_000, 'the reserve back to one channel');
    expect(await balance(a)).toBe(confirmed);
    ok(await a.run(['wallet', 'send', '--to', to, '--amount', String(confirmed - 40_000)]));
    await node.mine(1);
    await allAt(node.tipHeight(), [a, c]);
  }, 120_000);

  it('a force close at a fee rate above the commitment\'s: A\'s child pays for both, they confirm together, both sides get their funds back', async () => {
    const inv = await b.call<{ bolt11: string }>('ln.invoice', { amountMsat: 20_000_000, description: 'anchors' });
    await a.call('ln.pay', { bolt11: inv.bolt11 });
    await waitFor(async () => (await channels(b)).find((ch) => ch.channelId === anchorId)?.localBalanceMsat === 20_000_000, 20_000, 'B paid');
    // The fee rate A's node sees for the next blocks rises to 25 sat/vB; the commitment was signed at the slow rate (2).
    ok(await a.run(['config', 'set', 'fee-rate-fast', '25']));
    await node.mine(1);
    await allAt(node.tipHeight(), [a, b]);
    const aBefore = await balance(a);
    const bBefore = await balance(b);
    const closed = ok(await a.run(['channel', 'close', anchorId, '--force']));
    expect(closed).toMatchObject({ channelId: anchorId, force: true, delay: 144 });
    await waitFor(() => node.mempool().length >= 2, 30_000, 'the commitment and its child');
    const txs = await Promise.all(node.mempool().map(rawTx));
    const fundingTxid = (await channels(a)).find((ch) => ch.channelId === anchorId)?.fundingTxid as string | undefined;
    const commitment = txs.find((t) => t.inputs.length === 1 && t.inputs[0]!.vout >= 0 && outputValue(t) < 300_000 && t.outputs.some((o) => o.value === 330))!;
    expect(commitment).toBeDefined();
    if (fundingTxid) expect(Buffer.from(commitment.inputs[0]!.prevTxid).equals(Buffer.from(hexToHash(fundingTxid)!))).toBe(true);
    const commitmentId = Buffer.from(txidOf(commitment));
    const child = txs.find((t) => t.inputs.some((i) => Buffer.from(i.prevTxid).equals(commitmentId)))!;
    expect(child).toBeDefined();
    // The commitment alone pays far less than 25 sat/vB; with its child the package pays it.
    const commitmentFee = 300_000 - outputValue(commitment);
    expect(commitmentFee / vsize(commitment)).toBeLessThan(10);
    const childFee = (await inputValue(child)) - outputValue(child);
    expect((commitmentFee + childFee) / (vsize(commitment) + vsize(child))).toBeGreaterThanOrEqual(24);
    // The child spent A's coins, as a wallet spend: A's history has it.
    await waitFor(async () => (await a.call<{ txid: string }[]>('wallet.history')).some((h) => h.txid === Buffer.from(txidOf(child)).reverse().toString('hex')), 20_000, 'the child in A\'s history');
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    // B's output waits one block and LDK's six confirmations, then B sweeps it.
    await node.mine(6);
    await allAt(node.tipHeight(), [a, b]);
    await waitFor(() => node.mempool().length > 0, 30_000, 'B\'s sweep');
    await node.mine(1);
    await allAt(node.tipHeight(), [a, b]);
    await waitFor(async () => (await balance(b)) > bBefore, 30_000, 'B\'s share swept');
    const bGot = (await balance(b)) - bBefore;
    expect(bGot).toBeGreaterThan(20_000 - 2_000);
    expect(bGot).toBeLessThan(20_000);
    // A's own output waits the 144 blocks B asked for.
    await node.mine(144);
    await allAt(node.tipHeight(), [a, b]);
    await waitFor(() => node.mempool().length > 0, 40_000, 'A\'s sweep after the delay');
    await node.mine(1);
    await allAt(node.tipHeight(), [a, b]);
    // A got its 280,000 sats back less the commitment's fee, its anchors, the child's fee and the sweep's.
    await waitFor(async () => (await balance(a)) > aBefore + 250_000, 30_000, 'A\'s share swept');
    const aGot = (await balance(a)) - aBefore;
    expect(aGot).toBeGreaterThan(280_000 - commitmentFee - 660 - childFee - 3_000);
    expect(aGot).toBeLessThan(280_000 - commitmentFee - childFee);
    expect((await a.call<{ anchorReserve: number }>('ln.info')).anchorReserve).toBe(0);
  }, 400_000);
});
