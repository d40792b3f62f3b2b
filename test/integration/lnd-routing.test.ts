// Routing over lnd's gossip, on one btcd regtest chain: Coffer (`--backend filters`) has one
// unannounced channel, to lnd1; lnd1 -> lnd2 -> lnd3 are announced channels. Coffer learns them
// from lnd1's gossip alone and pays lnd3's invoice, which carries no route hint, three hops away.

import * as ldk from 'lightningdevkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLdk } from '../../src/channels/ldk.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { minerCoins, type MinerCoins } from '../helpers/btcd-coins.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { daemonCall, PASSWORD_ENV, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startLnd, type LndNode } from '../helpers/lnd.js';
import { waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let b: BtcdNode;
let coins: MinerCoins;
let lnds: LndNode[] = [];
let a: Party | undefined;
const { channels, tip } = reads;
/** Each lnd charges this to forward: 1 sat, and 1 msat per 1,000,000 msat forwarded. */
const FEES = ['--bitcoin.basefee=1000', '--bitcoin.feerate=1'];

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
  // lnd1 and lnd2 fund the announced channels.
  await coins.pay([{ address: await lnds[0]!.newAddress(), sats: 2_000_000 }, { address: await lnds[1]!.newAddress(), sats: 2_000_000 }]);
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env: PASSWORD_ENV });
  const { mnemonic } = ok(await run(['wallet', 'create']));
  await coins.pay([{ address: ok(await run(['wallet', 'address'])).address, sats: 1_000_000 }]);
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

describe('Coffer routing over lnd\'s gossip', () => {
  it('Coffer pays an invoice of lnd3, three hops away and with no route hint, by the graph lnd1 gossiped', async () => {
    const [l1, l2, l3] = lnds as [LndNode, LndNode, LndNode];
    await l1.connect(l2.uri);
    await l2.connect(l3.uri);
    const announced = [await l1.openChannel({ pubkey: l2.pubkey, sats: 1_000_000, private: false }), await l2.openChannel({ pubkey: l3.pubkey, sats: 1_000_000, private: false })];
    const opened = ok(await a!.run(['channel', 'open', '--peer', l1.uri, '--amount', '500000']));
    for (const txid of [...announced.map((c) => c.fundingTxid), opened.fundingTxid]) await inMempool(txid);
    // lnd announces a channel once it has six confirmations.
    await mine(6);
    await waitFor(async () => (await channels(a!)).some((c) => c.channelId === opened.channelId && c.usable), 30_000, 'Coffer\'s channel to lnd1 usable');
    for (const [l, point] of [[l1, announced[0]!.channelPoint], [l2, announced[1]!.channelPoint]] as const) {
      await waitFor(async () => (await l.listChannels()).some((c) => c.channel_point === point && c.active && !c.private), 30_000, 'the announced channels active');
    }
    // Both announced channels reach Coffer, whose only peer is lnd1; its own channel is not announced.
    await waitFor(async () => (await a!.call<{ graphChannels: number }>('ln.info')).graphChannels === 2, 40_000, 'lnd1-lnd2 and lnd2-lnd3 in Coffer\'s graph');
    expect((await channels(a!)).find((c) => c.channelId === opened.channelId)).toMatchObject({ counterparty: l1.pubkey, state: 'ready' });

    const amountMsat = 100_000_000;
    const inv = await l3.addInvoice(amountMsat, 'three hops');
    const parsed = ldk.Bolt11Invoice.constructor_from_str(inv.bolt11) as ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK;
    expect(parsed.res.route_hints()).toHaveLength(0);
    // A channel_update may reach Coffer a moment after its announcement: until then there is no route.
    let paid: { paymentHash: string; feeMsat: number } | undefined;
    await waitFor(async () => {
      const r = await a!.run(['ln', 'pay', inv.bolt11]);
      if (r.code !== 0 && /^error: no-route: /.test(r.stderr)) return false;
      paid = ok(r);
      return true;
    }, 30_000, 'a route to lnd3');
    expect(paid!.paymentHash).toBe(inv.paymentHash);
    expect(await l3.invoiceState(inv.paymentHash)).toBe('SETTLED');
    // lnd2 forwards 100,000,000 msat (1,000 + 100 msat), lnd1 100,001,100 msat (1,000 + 100 msat).
    expect(paid!.feeMsat).toBe(2200);
  }, 120_000);
});
