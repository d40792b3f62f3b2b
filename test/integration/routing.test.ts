// Routing like a real node, through Coffer daemons on one bcoin regtest node: B announces its
// channel to C (`--ln-announce`, no `--ln-forward`), A learns it by gossip from B and pays C's
// invoice, which carries no route hint, through B; a payment larger than either of A's two
// channels is split over both; a payment whose first route fails at a channel short of funds goes
// around it through a fourth node, D; the graph and the scorer are in A's database after it stops;
// `ln import-gossip` adds a Rapid Gossip Sync snapshot to that graph, and refuses files that are
// not one.

import fs from 'node:fs';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import Database from 'better-sqlite3';
import * as ldk from 'lightningdevkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLdk } from '../../src/channels/ldk.js';
import type { RunResult } from '../helpers/cli.js';
import { party, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { rgsSnapshot } from '../helpers/rgs.js';
import { tmpDir } from '../helpers/tmp.js';

let node: RegtestNode;
let a: Party;
let b: Party;
let c: Party;
let d: Party | undefined;
const { channels } = reads;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  await loadLdk();
  // One after the other: each pays from the node's wallet and mines, and bcoin's coin lookup can
  // trip over a block connecting under another party's payment.
  a = await party(node, tmpDir(), [1_000_000, 1_000_000]);
  b = await party(node, tmpDir(), [2_000_000]);
  c = await party(node, tmpDir(), []);
  await Promise.all([
    startDaemon(node, a),
    startDaemon(node, b, { listen: true, inbound: true, daemonArgs: ['--ln-announce', '--ln-max-pending', '2'] }),
    startDaemon(node, c, { listen: true, inbound: true, daemonArgs: ['--ln-announce'] }),
  ]);
}, 120_000);
afterAll(async () => {
  for (const p of [a, b, c, d]) if (p) await stopDaemon(p, 'SIGKILL');
  await node?.close();
});

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

function failed(r: RunResult, code: string) {
  expect(r.code, r.stdout).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: ${code}: `));
}

async function open(from: Party, to: Party, sats: number): Promise<string> {
  const opened = ok(await from.run(['channel', 'open', '--peer', `${to.daemon!.nodeId}@127.0.0.1:${to.daemon!.listen}`, '--amount', String(sats)]));
  await waitFor(() => node.mempool().includes(opened.fundingTxid), 20_000, 'the funding transaction in the mempool');
  return opened.channelId;
}

const local = async (p: Party, id: string): Promise<number> => (await channels(p)).find((ch) => ch.channelId === id).localBalanceMsat;

describe('routing over a graph learned by gossip', () => {
  let bc = '';
  let ab1 = '';
  let ab2 = '';

  it('A learns B\'s announced channel to C by gossip and pays C\'s invoice, which has no route hint, through B', async () => {
    bc = await open(b, c, 1_000_000);
    ab1 = await open(a, b, 300_000);
    ab2 = await open(a, b, 300_000);
    await node.mine(6);
    for (const [p, id] of [[b, bc], [c, bc], [a, ab1], [a, ab2], [b, ab1]] as const) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === id && ch.usable), 40_000, 'the channels usable');
    // Announced once both ends have seen six confirmations; an invoice leaves out a public channel's hint from seven.
    await node.mine(4);
    await waitFor(async () => (await channels(c)).find((ch) => ch.channelId === bc).confirmations >= 7, 30_000, 'C seven blocks past its funding');
    await waitFor(async () => (await a.call<{ graphChannels: number }>('ln.info')).graphChannels === 1, 60_000, 'the B-C channel in A\'s graph');
    expect(await a.call('ln.info')).toMatchObject({ graphChannels: 1 });
    // B forwards into its announced channel without --ln-forward (which governs unannounced ones).
    expect(await b.call('ln.info')).toMatchObject({ forwards: false });
    // LDK routes only over channels with both ends' channel_update. C's may reach B before B knows
    // the channel, and B then drops it (as any LDK node would); C sends its announcement and update
    // to B again at each connection, and B passes them on to A. So C reconnects once.
    const port = c.daemon!.listen!;
    await stopDaemon(c);
    await startDaemon(node, c, { listen: true, port, inbound: true, daemonArgs: ['--ln-announce'] });
    for (const p of [b, c]) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === bc && ch.usable), 40_000, 'B and C reconnected');

    const inv = await c.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 100_000_000, description: 'two hops by gossip' });
    const parsed = ldk.Bolt11Invoice.constructor_from_str(inv.bolt11) as ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK;
    expect(parsed.res.route_hints()).toHaveLength(0);
    const [a0, bc0] = [await local(a, ab1), await local(b, bc)];
    // C's update reaches A a moment after C and B reconnect: until then there is no route.
    let paid: { paymentHash: string; feeMsat: number } | undefined;
    await waitFor(async () => {
      const r = await a.run(['ln', 'pay', inv.bolt11]);
      if (r.code !== 0 && /^error: no-route: /.test(r.stderr)) return false;
      paid = ok(r);
      return true;
    }, 30_000, 'a route to C');
    expect(paid!.paymentHash).toBe(inv.paymentHash);
    // B's forwarding fee (LDK's default base fee, 1 sat).
    expect(paid!.feeMsat).toBe(1000);
    await waitFor(async () => (await local(c, bc)) === 100_000_000, 20_000, 'C paid');
    expect(await local(b, bc)).toBe(bc0 - 100_000_000);
    await waitFor(async () => (await local(a, ab1)) + (await local(a, ab2)) === a0 + 300_000_000 - 100_001_000, 20_000, 'A settled');
  }, 240_000);

  it('a payment neither of A\'s channels could carry alone is split over both', async () => {
    const before = [await local(a, ab1), await local(a, ab2)];
    const amountMsat = 380_000_000;
    expect(Math.max(...before)).toBeLessThan(amountMsat);
    const inv = await c.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat, description: 'two parts' });
    const cBefore = await local(c, bc);
    const paid = await a.call<{ paymentHash: string; feeMsat: number }>('ln.pay', { bolt11: inv.bolt11 });
    expect(paid.paymentHash).toBe(inv.paymentHash);
    await waitFor(async () => (await local(c, bc)) === cBefore + amountMsat, 20_000, 'C paid in full');
    await waitFor(async () => before[0]! + before[1]! - (await local(a, ab1)) - (await local(a, ab2)) === amountMsat + paid.feeMsat, 20_000, 'A settled');
    // Each of A's channels carried a part.
    expect(await local(a, ab1)).toBeLessThan(before[0]!);
    expect(await local(a, ab2)).toBeLessThan(before[1]!);
    // B charges its base fee once per part.
    expect(paid.feeMsat).toBeGreaterThanOrEqual(2000);
  }, 120_000);

  it('a payment whose first route fails at a channel that lacks the funds is retried around that channel', async () => {
    // D joins: B opens an announced channel to D and D one to C, a second way from B to C.
    d = await party(node, tmpDir(), [2_000_000]);
    await startDaemon(node, d, { listen: true, inbound: true, daemonArgs: ['--ln-announce'] });
    const bd = await open(b, d, 500_000);
    const dc = await open(d, c, 500_000);
    await node.mine(6);
    for (const [p, id] of [[b, bd], [d, bd], [d, dc], [c, dc]] as const) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === id && ch.usable), 40_000, 'the channels usable');
    await node.mine(4);
    await waitFor(async () => (await a.call<{ graphChannels: number }>('ln.info')).graphChannels === 3, 60_000, 'three channels in A\'s graph');
    // C and D reconnect (see above) so that every channel's both updates reach A.
    for (const p of [c, d]) {
      const port = p.daemon!.listen!;
      await stopDaemon(p);
      await startDaemon(node, p, { listen: true, port, inbound: true, daemonArgs: ['--ln-announce'] });
    }
    for (const [p, id] of [[b, bc], [b, bd], [c, dc]] as const) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === id && ch.usable), 40_000, 'the channels usable again');

    // B empties its side of B-C by paying C over it: A's graph still shows the channel's capacity.
    const [cb0, drain] = [await local(c, bc), (await local(b, bc)) - 30_000_000];
    const drained = await c.call<{ bolt11: string }>('ln.invoice', { amountMsat: drain, description: 'drain' });
    await b.call('ln.pay', { bolt11: drained.bolt11 });
    // B's side drops when it offers the HTLC, and ln.pay returns on the preimage; C's side grows
    // only once both have signed the HTLC's removal, a little later.
    await waitFor(async () => (await local(c, bc)) === cb0 + drain, 20_000, 'the drain settled on C\'s side');
    expect(await local(b, bc)).toBe(30_000_000);
    const [bc0, dc0] = [await local(c, bc), await local(c, dc)];

    // A's cheapest route is A-B-C; B cannot forward 50,000 sats over B-C and fails it, and A's
    // retry leaves B-C out: A-B-D-C, a forwarding fee to B and one to D.
    const inv = await c.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 50_000_000, description: 'around' });
    let paid: { paymentHash: string; feeMsat: number } | undefined;
    await waitFor(async () => {
      const r = await a.run(['ln', 'pay', inv.bolt11]);
      if (r.code !== 0 && /^error: no-route: /.test(r.stderr)) return false;
      paid = ok(r);
      return true;
    }, 30_000, 'a route to C');
    expect(paid!.paymentHash).toBe(inv.paymentHash);
    expect(paid!.feeMsat).toBe(2000);
    await waitFor(async () => (await local(c, dc)) === dc0 + 50_000_000, 20_000, 'C paid over D-C');
    expect(await local(c, bc)).toBe(bc0);
    // B failed the first attempt's HTLC back to A (HTLCHandlingFailed, logged by B).
    const logs = [path.join(b.dir, 'logs', 'coffer.log'), path.join(b.dir, 'regtest', 'logs', 'coffer.log')].filter((f) => fs.existsSync(f));
    expect(logs.map((f) => fs.readFileSync(f, 'utf8')).join('')).toMatch(/"event":"ln\.htlc-failed"/);
  }, 240_000);

  it('A\'s graph and scorer are in its database after it stops, and a gossip snapshot adds to that graph', async () => {
    await stopDaemon(a);
    const db = new Database(path.join(a.dir, 'regtest', 'wallet.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT name, data FROM chan_graph ORDER BY name').all() as { name: string; data: Buffer }[];
    db.close();
    expect(rows.map((r) => r.name)).toEqual(['graph', 'scorer']);
    const logger = ldk.Logger.new_impl({ log() {} } as ldk.LoggerInterface);
    const stored = ldk.NetworkGraph.constructor_read(rows[0]!.data, logger) as ldk.Result_NetworkGraphDecodeErrorZ_OK;
    const text = stored.res.to_str();
    expect(text).toContain(b.daemon!.nodeId);
    expect(text).toContain(c.daemon!.nodeId);
    expect(text).toContain(d!.daemon!.nodeId);

    // Two more channels among three made-up nodes, by a snapshot file.
    const nodes = [11, 12, 13].map((i) => secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i : 5)), true)).sort((x, y) => Buffer.compare(x, y));
    const policy = { cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, htlcMaximumMsat: 100_000_000n, feeBaseMsat: 1000, feePpm: 10 };
    const chain = ldk.BestBlock.constructor_from_network(ldk.Network.LDKNetwork_Regtest).get_block_hash();
    const dir = tmpDir();
    const file = path.join(dir, 'snapshot.rgs');
    fs.writeFileSync(file, rgsSnapshot(chain, Math.floor(Date.now() / 1000), nodes, [
      { scid: (50n << 40n) | 1n, node1: 0, node2: 1, policy },
      { scid: (51n << 40n) | 1n, node1: 1, node2: 2, policy },
    ]));
    // B-C, B-D and D-C among B, C and D learned by gossip, then two more channels and three more nodes.
    expect(ok(await a.run(['ln', 'import-gossip', file]))).toMatchObject({ channels: 5, nodes: 6 });
    fs.writeFileSync(path.join(dir, 'junk.rgs'), 'not gossip');
    failed(await a.run(['ln', 'import-gossip', path.join(dir, 'junk.rgs')]), 'invalid-gossip');
    failed(await a.run(['ln', 'import-gossip', path.join(dir, 'missing.rgs')]), 'file-unreadable');
    failed(await a.run(['ln', 'import-gossip', dir]), 'file-unreadable');

    // The daemon starts with the imported graph; while it runs, an import is refused.
    await startDaemon(node, a);
    expect(await a.call('ln.info')).toMatchObject({ graphChannels: 5 });
    failed(await a.run(['ln', 'import-gossip', file]), 'lightning-unavailable');
  }, 120_000);
});
