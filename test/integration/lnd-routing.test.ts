// Routing over lnd's gossip, on one btcd regtest chain: Coffer (`--backend filters`) has an
// unannounced channel to lnd1; lnd1 -> lnd2 -> lnd3 and lnd1 -> lnd3 (a pricey one) are announced.
// Coffer learns them from lnd1's gossip alone and pays lnd3's invoice, which carries no route hint,
// three hops away; a payment whose first route fails at lnd2 (drained towards lnd3) is retried
// over lnd1 -> lnd3; with a second channel, to lnd2, a payment neither channel could carry is split.

import fs from 'node:fs';
import path from 'node:path';
import * as ldk from 'lightningdevkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLdk } from '../../src/channels/ldk.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { minerCoins, type MinerCoins } from '../helpers/btcd-coins.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { daemonCall, PASSWORD_ENV, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startLnd, type LndChannel, type LndNode } from '../helpers/lnd.js';
import { waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let b: BtcdNode;
let coins: MinerCoins;
let lnds: LndNode[] = [];
let a: Party | undefined;
const { channels, tip } = reads;
/** Each lnd charges this to forward: 1 sat, and 1 msat per 1,000,000 msat forwarded. */
const FEES = ['--bitcoin.basefee=1000', '--bitcoin.feerate=1'];
/**
 * lnd1's base fee on its channel to lnd3: above what LDK lets a 100,000-sat payment pay in fees
 * (1% + 50 sat = 1,050,000 msat), so the three-hop payment cannot take it; within a 150,000-sat one's.
 */
const PRICEY_MSAT = 1_100_000;

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

beforeAll(async () => {
  b = await startBtcd({ tls: true });
  await b.mine(110);
  coins = minerCoins(b);
  await loadLdk();
  const started = await Promise.allSettled([0, 1, 2].map(() => startLnd(b, { args: FEES })));
  lnds = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  // lnd1 and lnd2 fund the announced channels (lnd spends confirmed coins only: one for each).
  await coins.pay([
    { address: await lnds[0]!.newAddress(), sats: 2_000_000 },
    { address: await lnds[0]!.newAddress(), sats: 2_000_000 },
    { address: await lnds[1]!.newAddress(), sats: 2_000_000 },
  ]);
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env: PASSWORD_ENV });
  const { mnemonic } = ok(await run(['wallet', 'create']));
  await coins.pay([{ address: ok(await run(['wallet', 'address'])).address, sats: 1_500_000 }]);
  await b.mine(1);
  ok(await run(['sync', '--mempool-wait', '0']));
  a = { dir, mnemonic, run, call: daemonCall(dir) };
  await Promise.all(lnds.map((l) => l.waitSynced()));
  await startDaemon(b, a, { args: ['--backend', 'filters'] });
}, 120_000);
afterAll(async () => {
  if (a) await stopDaemon(a, 'SIGKILL');
  for (const l of lnds) await l.close();
  await b?.close();
});

/** Mine `n` blocks; wait for Coffer and every lnd to reach the new tip. */
async function mine(n: number): Promise<void> {
  await b.mine(n);
  const height = await b.tipHeight();
  await Promise.all([...lnds.map((l) => l.waitSynced()), waitFor(async () => (await tip(a!)) === height, 30_000, `Coffer at ${height}`)]);
}

const inMempool = (txid: string) => waitFor(async () => (await b.rpc<string[]>('getrawmempool')).includes(txid), 20_000, `${txid} in btcd's mempool`);

/** lnd's channel with `peer`, as `l` lists it. */
async function lndChannel(l: LndNode, peer: string): Promise<LndChannel> {
  const c = (await l.listChannels()).find((ch) => ch.remote_pubkey === peer);
  if (!c) throw new Error(`no channel to ${peer}`);
  return c;
}

/** lnd's decimal short channel id as BOLT 7 writes it, block x transaction x output. */
const scid = (chanId: string) => {
  const n = BigInt(chanId);
  return `${n >> 40n}x${(n >> 16n) & 0xffffffn}x${n & 0xffffn}`;
};

/** `ln pay`'s result, trying again while there is no route (a channel_update may reach Coffer a moment after its announcement). */
async function payWhenRouted(bolt11: string): Promise<{ paymentHash: string; feeMsat: number }> {
  let paid: { paymentHash: string; feeMsat: number } | undefined;
  await waitFor(async () => {
    const r = await a!.run(['ln', 'pay', bolt11]);
    if (r.code !== 0 && /^error: no-route: /.test(r.stderr)) return false;
    paid = ok(r);
    return true;
  }, 30_000, 'a route to the payee');
  return paid!;
}

const local = async (id: string): Promise<number> => (await channels(a!)).find((c) => c.channelId === id).localBalanceMsat;

describe('Coffer routing over lnd\'s gossip', () => {
  /** Coffer's channel to lnd1. */
  let toLnd1 = '';
  it('Coffer pays an invoice of lnd3, three hops away and with no route hint, by the graph lnd1 gossiped', async () => {
    const [l1, l2, l3] = lnds as [LndNode, LndNode, LndNode];
    await l1.connect(l2.uri);
    await l2.connect(l3.uri);
    await l1.connect(l3.uri);
    const announced = [
      await l1.openChannel({ pubkey: l2.pubkey, sats: 1_000_000, private: false }),
      await l2.openChannel({ pubkey: l3.pubkey, sats: 1_000_000, private: false }),
      await l1.openChannel({ pubkey: l3.pubkey, sats: 1_000_000, private: false, baseFeeMsat: PRICEY_MSAT }),
    ];
    const opened = ok(await a!.run(['channel', 'open', '--peer', l1.uri, '--amount', '500000']));
    toLnd1 = opened.channelId;
    for (const txid of [...announced.map((c) => c.fundingTxid), opened.fundingTxid]) await inMempool(txid);
    // lnd announces a channel once it has six confirmations.
    await mine(6);
    await waitFor(async () => (await channels(a!)).some((c) => c.channelId === opened.channelId && c.usable), 30_000, 'Coffer\'s channel to lnd1 usable');
    for (const [l, point] of [[l1, announced[0]!.channelPoint], [l2, announced[1]!.channelPoint], [l1, announced[2]!.channelPoint]] as const) {
      await waitFor(async () => (await l.listChannels()).some((c) => c.channel_point === point && c.active && !c.private), 30_000, 'the announced channels active');
    }
    // The announced channels reach Coffer, whose only peer is lnd1; its own channel is not announced.
    await waitFor(async () => (await a!.call<{ graphChannels: number }>('ln.info')).graphChannels === 3, 40_000, 'lnd1-lnd2, lnd2-lnd3 and lnd1-lnd3 in Coffer\'s graph');
    expect((await channels(a!)).find((c) => c.channelId === opened.channelId)).toMatchObject({ counterparty: l1.pubkey, state: 'ready' });

    const amountMsat = 100_000_000;
    const inv = await l3.addInvoice(amountMsat, 'three hops');
    const parsed = ldk.Bolt11Invoice.constructor_from_str(inv.bolt11) as ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK;
    expect(parsed.res.route_hints()).toHaveLength(0);
    // lnd1 -> lnd3 costs more than this payment may pay in fees: the route is lnd1 -> lnd2 -> lnd3.
    const paid = await payWhenRouted(inv.bolt11);
    expect(paid.paymentHash).toBe(inv.paymentHash);
    expect(await l3.invoiceState(inv.paymentHash)).toBe('SETTLED');
    // lnd2 forwards 100,000,000 msat (1,000 + 100 msat), lnd1 100,001,100 msat (1,000 + 100 msat).
    expect(paid.feeMsat).toBe(2200);
  }, 120_000);

  it('a payment whose first route fails at lnd2, short of funds towards lnd3, is retried over lnd1 -> lnd3', async () => {
    const [l1, l2, l3] = lnds as [LndNode, LndNode, LndNode];
    // lnd2 pays lnd3 all but 40,000 sats of its side of their channel; Coffer's graph still shows the capacity.
    const [c23, l3Side] = [await lndChannel(l2, l3.pubkey), Number((await lndChannel(l3, l2.pubkey)).local_balance)];
    const drainSat = Number(c23.local_balance) - 40_000;
    const drain = await l3.addInvoice(drainSat * 1000, 'drain');
    expect((await l2.payInvoice(drain.bolt11, { outgoingChanId: c23.chan_id })).status).toBe('SUCCEEDED');
    // lnd3's side grows once both have signed the HTLC's removal, a moment after the preimage.
    await waitFor(async () => Number((await lndChannel(l3, l2.pubkey)).local_balance) === l3Side + drainSat, 20_000, 'the drain settled on lnd3\'s side');
    const [at13, at23] = [Number((await lndChannel(l3, l1.pubkey)).local_balance), l3Side + drainSat];

    // The cheapest route is lnd1 -> lnd2 -> lnd3 (2,300 msat); lnd2 cannot forward 150,000 sats and
    // fails it, and Coffer's retry leaves that channel out: lnd1 -> lnd3, lnd1's pricey fee alone.
    const amountSat = 150_000;
    const inv = await l3.addInvoice(amountSat * 1000, 'around');
    const paid = await payWhenRouted(inv.bolt11);
    expect(paid.paymentHash).toBe(inv.paymentHash);
    // lnd1's fee: its base fee, and 1 msat per 1,000,000 msat forwarded.
    expect(paid.feeMsat).toBe(PRICEY_MSAT + amountSat / 1000);
    expect(await l3.invoiceState(inv.paymentHash)).toBe('SETTLED');
    await waitFor(async () => Number((await lndChannel(l3, l1.pubkey)).local_balance) === at13 + amountSat, 20_000, 'lnd3 paid over lnd1 -> lnd3');
    expect(Number((await lndChannel(l3, l2.pubkey)).local_balance)).toBe(at23);
    // Coffer logged the first attempt's failure at lnd2 -> lnd3.
    const logs = [path.join(a!.dir, 'logs', 'coffer.log'), path.join(a!.dir, 'regtest', 'logs', 'coffer.log')].filter((f) => fs.existsSync(f));
    const failures = logs
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
      .filter((line) => line.includes('"event":"ln.path-failed"') && line.includes(inv.paymentHash));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toContain(`"channel":"${scid(c23.chan_id)}"`);
  }, 60_000);

  it('with a second channel, to lnd2, a payment neither of Coffer\'s channels could carry alone is split over both', async () => {
    const [l1, l2] = lnds as [LndNode, LndNode];
    const second = ok(await a!.run(['channel', 'open', '--peer', l2.uri, '--amount', '300000']));
    await inMempool(second.fundingTxid);
    // lnd asks for one confirmation (--bitcoin.defaultchanconfs), and LDK follows the acceptor's depth.
    await mine(1);
    await waitFor(async () => (await channels(a!)).some((c) => c.channelId === second.channelId && c.usable), 30_000, 'Coffer\'s channel to lnd2 usable');
    const before = [await local(toLnd1), await local(second.channelId)];
    const amountMsat = 400_000_000;
    expect(Math.max(...before)).toBeLessThan(amountMsat);

    // lnd2's invoice: one part straight to lnd2, one through lnd1 (lnd1 -> lnd2 has the funds).
    const inv = await l2.addInvoice(amountMsat, 'two parts');
    const at12 = Number((await lndChannel(l2, l1.pubkey)).local_balance);
    const paid = await payWhenRouted(inv.bolt11);
    expect(paid.paymentHash).toBe(inv.paymentHash);
    expect(await l2.invoiceState(inv.paymentHash)).toBe('SETTLED');
    await waitFor(async () => before[0]! + before[1]! - (await local(toLnd1)) - (await local(second.channelId)) === amountMsat + paid.feeMsat, 20_000, 'Coffer settled');
    // Each of Coffer's channels carried a part; lnd1 forwarded one and charged its base fee for it.
    expect(await local(toLnd1)).toBeLessThan(before[0]!);
    expect(await local(second.channelId)).toBeLessThan(before[1]!);
    expect(paid.feeMsat).toBeGreaterThanOrEqual(1000);
    expect(Number((await lndChannel(l2, l1.pubkey)).local_balance)).toBeGreaterThan(at12);
  }, 60_000);
});
