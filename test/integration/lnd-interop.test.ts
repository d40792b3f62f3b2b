// Coffer <-> lnd on one btcd regtest chain: Coffer's real `coffer daemon` on the compact-filters
// source (`--backend filters`) and an lnd v0.20 node on btcd's RPC. Anchor channels opened by each
// side (and a legacy one lnd asks for), invoices and keysends paid both ways, lnd offline with a
// payment in flight, cooperative closes started by each side with the balances added up, force
// closes by each side (Coffer's with a fee-bumping child) with both sides' funds swept back.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { minerCoins, type MinerCoins } from '../helpers/btcd-coins.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { daemonCall, PASSWORD_ENV, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startLnd, type LndNode } from '../helpers/lnd.js';
import { waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let b: BtcdNode;
let l: LndNode;
let a: Party;
let coins: MinerCoins;

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

/** A Coffer wallet on the compact-filters source against btcd, funded with one coin per entry. */
async function cofferParty(fundSats: number[]): Promise<Party> {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env: PASSWORD_ENV });
  const { mnemonic } = ok(await run(['wallet', 'create']));
  const outputs = [];
  for (const sats of fundSats) outputs.push({ address: ok(await run(['wallet', 'address'])).address as string, sats });
  await coins.pay(outputs);
  await b.mine(1);
  ok(await run(['sync', '--mempool-wait', '0']));
  return { dir, mnemonic, run, call: daemonCall(dir) };
}

const { channels, balance, tip } = reads;
/** An anchor output's value; an anchor commitment has two, paid by the opener. */
const ANCHOR_SAT = 330;

/** Mine `n` blocks; wait for Coffer and lnd to reach the new tip. */
async function mine(n: number): Promise<void> {
  await b.mine(n);
  const height = await b.tipHeight();
  await Promise.all([l.waitSynced(), waitFor(async () => (await tip(a)) === height, 30_000, `Coffer at ${height}`)]);
}

const inMempool = (txid: string) => waitFor(async () => (await b.rpc<string[]>('getrawmempool')).includes(txid), 20_000, `${txid} in btcd's mempool`);
const mempoolSize = async () => (await b.rpc<string[]>('getrawmempool')).length;

/** The transaction in btcd's mempool that spends an output of `txid` (a funding transaction's close, a commitment's child), once there. */
async function spenderOf(txid: string): Promise<string> {
  let found = '';
  await waitFor(
    async () => {
      for (const id of await b.rpc<string[]>('getrawmempool')) {
        const tx = await b.rpc<{ vin: { txid: string }[] }>('getrawtransaction', [id, 1]);
        if (tx.vin.some((i) => i.txid === txid)) found = id;
      }
      return found !== '';
    },
    20_000,
    `a transaction spending ${txid}`,
  );
  return found;
}

const vsizeOf = async (txid: string) => (await b.rpc<{ vsize: number }>('getrawtransaction', [txid, 1])).vsize;
const confirmations = async (txid: string) => (await b.rpc<{ confirmations?: number }>('getrawtransaction', [txid, 1])).confirmations ?? 0;

/** The fee a confirmed or pending transaction paid, sats (btcd keeps a transaction index). */
async function feeOf(txid: string): Promise<number> {
  const tx = await b.rpc<{ vin: { txid: string; vout: number }[]; vout: { value: number }[] }>('getrawtransaction', [txid, 1]);
  let inputs = 0;
  for (const i of tx.vin) inputs += Math.round((await b.rpc<{ vout: { value: number }[] }>('getrawtransaction', [i.txid, 1])).vout[i.vout]!.value * 1e8);
  return inputs - tx.vout.reduce((n, o) => n + Math.round(o.value * 1e8), 0);
}

/** The Coffer channel whose funding transaction is `txid`, once usable on Coffer's side and active on lnd's. */
async function bothReady(fundingTxid: string): Promise<any> {
  await waitFor(async () => (await channels(a)).some((c) => c.fundingTxid === fundingTxid && c.usable), 30_000, 'the channel usable in Coffer');
  await waitFor(async () => (await l.listChannels()).some((c) => c.channel_point.startsWith(fundingTxid) && c.active), 30_000, 'the channel active in lnd');
  return (await channels(a)).find((c) => c.fundingTxid === fundingTxid);
}

const lndChannel = async (fundingTxid: string) => (await l.listChannels()).find((c) => c.channel_point.startsWith(fundingTxid))!;

/** Coffer opens a channel to lnd and both see it ready; its Coffer view. */
async function cofferOpens(sats: number): Promise<any> {
  const opened = ok(await a.run(['channel', 'open', '--peer', l.uri, '--amount', String(sats)]));
  await inMempool(opened.fundingTxid);
  // lnd asks for one confirmation here (--bitcoin.defaultchanconfs), and LDK follows the acceptor's depth.
  await mine(1);
  return bothReady(opened.fundingTxid);
}

/**
 * lnd opens a channel to Coffer and both see it ready: an anchor channel (lnd's default), or the
 * commitment type named (lnd's CommitmentType, e.g. STATIC_REMOTE_KEY for a legacy channel).
 */
async function lndOpens(sats: number, pushSats = 0, commitmentType?: string): Promise<{ view: any; channelPoint: string }> {
  await l.connect(`${a.daemon!.nodeId}@127.0.0.1:${a.daemon!.listen}`);
  const { fundingTxid, channelPoint } = await l.openChannel({ pubkey: a.daemon!.nodeId, sats, pushSats, ...(commitmentType ? { commitmentType } : {}) });
  await inMempool(fundingTxid);
  // Coffer (LDK) waits six confirmations for channels opened to it.
  await mine(6);
  return { view: await bothReady(fundingTxid), channelPoint };
}

/** Coffer pays an lnd invoice of `msat`. */
async function cofferPays(msat: number): Promise<void> {
  const inv = await l.addInvoice(msat, 'from coffer');
  const paid = await a.call<{ paymentHash: string; feeMsat: number }>('ln.pay', { bolt11: inv.bolt11 });
  expect(paid).toMatchObject({ paymentHash: inv.paymentHash, feeMsat: 0 });
  expect(await l.invoiceState(inv.paymentHash)).toBe('SETTLED');
}

/** lnd pays a Coffer invoice of `msat`, over the channel whose funding transaction is `fundingTxid`. */
async function lndPays(msat: number, fundingTxid: string): Promise<void> {
  const inv = await a.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: msat, description: 'from lnd' });
  const paid = await l.payInvoice(inv.bolt11, { outgoingChanId: (await lndChannel(fundingTxid)).chan_id });
  expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
  expect(paid.payment_hash).toBe(inv.paymentHash);
}

beforeAll(async () => {
  b = await startBtcd({ tls: true });
  await b.mine(110);
  coins = minerCoins(b);
  l = await startLnd(b);
  await coins.pay([{ address: await l.newAddress(), sats: 3_000_000 }, { address: await l.newAddress(), sats: 3_000_000 }]);
  a = await cofferParty([1_000_000, 1_000_000, 1_000_000]);
  await l.waitSynced();
  await startDaemon(b, a, { args: ['--backend', 'filters'], listen: true, inbound: true });
}, 120_000);
afterAll(async () => {
  if (a) await stopDaemon(a, 'SIGKILL');
  if (process.env['COFFER_TEST_DEBUG'] && a) {
    fs.copyFileSync(path.join(a.dir, 'logs', 'coffer.log'), '/tmp/lnd-interop-coffer.log');
    fs.writeFileSync('/tmp/lnd-interop-lnd.log', l?.log() ?? '');
  }
  await l?.close();
  await b?.close();
});

describe('Coffer and lnd', () => {
  /** The channel Coffer opened to lnd: payments both ways, lnd offline mid-payment, then Coffer closes it. */
  let ours: any;
  /** The anchor channel lnd opened to Coffer, which Coffer force-closes. */
  let theirs: { view: any; channelPoint: string };
  /** The legacy channel lnd opened to Coffer, which lnd closes. */
  let legacy: { view: any; channelPoint: string };

  /**
   * Coffer's side of the channel reaches `cofferMsat`, and lnd agrees on both balances (lnd leaves
   * the commitment's fee and anchors out of the opener's balance; Coffer shows balances before them).
   */
  async function agree(channel: any, cofferMsat: number): Promise<void> {
    await waitFor(async () => (await channels(a)).find((c) => c.channelId === channel.channelId).localBalanceMsat === cofferMsat, 10_000, 'Coffer\'s balance');
    const view = (await channels(a)).find((c) => c.channelId === channel.channelId);
    await waitFor(async () => {
      const lnd = await lndChannel(channel.fundingTxid);
      // lnd's commit_fee leaves out the two anchor outputs, which the opener pays too.
      const fee = Number(lnd.commit_fee) + (lnd.commitment_type === 'ANCHORS' ? 2 * ANCHOR_SAT : 0);
      return Number(lnd.remote_balance) + (lnd.initiator ? 0 : fee) === Math.floor(view.localBalanceMsat / 1000) && Number(lnd.local_balance) + (lnd.initiator ? fee : 0) === Math.floor(view.remoteBalanceMsat / 1000);
    }, 10_000, 'lnd agreeing on the balances');
  }

  it('Coffer opens a channel to lnd (pubkey@host:port); it is ready on both sides', async () => {
    ours = await cofferOpens(400_000);
    expect(ours).toMatchObject({ counterparty: l.pubkey, state: 'ready', type: 'anchor', capacitySat: 400_000, outbound: true, remoteBalanceMsat: 0 });
    const c = await lndChannel(ours.fundingTxid);
    expect(c).toMatchObject({ remote_pubkey: a.daemon!.nodeId, capacity: '400000', local_balance: '0', private: true, initiator: false });
    // Coffer proposes anchors (option_anchors_zero_fee_htlc_tx), and lnd takes them.
    expect(c.commitment_type).toBe('ANCHORS');
  }, 60_000);

  it('Coffer pays an lnd invoice; lnd pays a Coffer invoice and sends a keysend to Coffer', async () => {
    const start = ours.localBalanceMsat;
    await cofferPays(50_000_000);
    await lndPays(10_000_000, ours.fundingTxid);
    const ks = await l.keysend(a.daemon!.nodeId, 2_000_000);
    expect(ks.status, ks.failure_reason).toBe('SUCCEEDED');
    // Coffer recorded both payments it received, the keysend with the preimage lnd chose (once it
    // handled LDK's claim event, which may come after lnd saw the payment succeed).
    const received = async () => (await a.call<any[]>('ln.payments')).filter((p) => p.direction === 'received');
    await waitFor(async () => (await received()).length === 2, 10_000, 'both payments recorded');
    expect((await received()).map((p) => p.amountMsat).sort((x, y) => x - y)).toEqual([2_000_000, 10_000_000]);
    expect((await received()).find((p) => p.paymentHash === ks.payment_hash)).toMatchObject({ status: 'succeeded', preimage: ks.payment_preimage });
    await agree(ours, start - 50_000_000 + 12_000_000);
  }, 60_000);

  it('Coffer sends a keysend to lnd (`coffer ln keysend`); bad ones get typed errors', async () => {
    const start = (await channels(a)).find((c) => c.channelId === ours.channelId).localBalanceMsat;
    const sent = ok(await a.run(['ln', 'keysend', l.pubkey, '--amount-msat', '3000000']));
    expect(sent.feeMsat).toBe(0);
    expect(createHash('sha256').update(Buffer.from(sent.preimage, 'hex')).digest('hex')).toBe(sent.paymentHash);
    // lnd books a keysend as an invoice of its own, settled with the preimage Coffer chose.
    expect(await l.rest('GET', `/v1/invoice/${sent.paymentHash}`)).toMatchObject({ state: 'SETTLED', is_keysend: true, amt_paid_msat: '3000000' });
    expect((await a.call<any[]>('ln.payments')).find((p) => p.paymentHash === sent.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 3_000_000, preimage: sent.preimage });
    await agree(ours, start - 3_000_000);
    const refused = async (args: string[], code: string) => {
      const r = await a.run(['ln', 'keysend', ...args]);
      expect(r.code, r.stdout).toBe(code === 'usage' ? 2 : 1);
      expect(r.stderr).toMatch(new RegExp(`^error: ${code}: `));
    };
    await refused(['04' + '11'.repeat(32), '--amount-msat', '1000'], 'usage');
    await refused([l.pubkey], 'usage');
    await refused([a.daemon!.nodeId, '--amount-msat', '1000'], 'invalid-peer');
    await refused([l.pubkey, '--amount-msat', String(10_000_000_000)], 'insufficient-funds');
    await agree(ours, start - 3_000_000);
  }, 60_000);

  it('lnd goes offline with Coffer\'s payment held in flight and comes back: the payment completes, nothing lost, the channel works', async () => {
    const before = (await channels(a)).find((c) => c.channelId === ours.channelId).localBalanceMsat;
    const preimage = randomBytes(32);
    const hash = createHash('sha256').update(preimage).digest('hex');
    const held = await l.addHoldInvoice(hash, 30_000_000);
    let settled = false;
    const paying = a.call<{ paymentHash: string; preimage: string }>('ln.pay', { bolt11: held.bolt11 }).finally(() => (settled = true));
    paying.catch(() => {});
    await waitFor(async () => (await l.invoiceState(hash)) === 'ACCEPTED', 20_000, 'the HTLC held by lnd');
    await l.stop('SIGKILL');
    await waitFor(async () => !(await channels(a)).find((c) => c.channelId === ours.channelId).usable, 20_000, 'Coffer seeing lnd gone');
    expect(settled).toBe(false);
    await l.start();
    await bothReady(ours.fundingTxid);
    expect(await l.invoiceState(hash)).toBe('ACCEPTED');
    await l.settleInvoice(preimage.toString('hex'));
    expect(await paying).toEqual({ paymentHash: hash, preimage: preimage.toString('hex'), feeMsat: 0 });
    expect(await l.invoiceState(hash)).toBe('SETTLED');
    await agree(ours, before - 30_000_000);
    // The channel carries payments both ways again.
    await cofferPays(1_000_000);
    await lndPays(1_000_000, ours.fundingTxid);
    await agree(ours, before - 30_000_000);
  }, 120_000);

  it('lnd opens a channel to Coffer (anchors, lnd\'s default; unannounced) and pays over it', async () => {
    theirs = await lndOpens(300_000, 20_000);
    expect(theirs.view).toMatchObject({ counterparty: l.pubkey, state: 'ready', type: 'anchor', capacitySat: 300_000, outbound: false, localBalanceMsat: 20_000_000 });
    expect(await lndChannel(theirs.view.fundingTxid)).toMatchObject({ initiator: true, private: true, commitment_type: 'ANCHORS' });
    await lndPays(150_000_000, theirs.view.fundingTxid);
    await agree(theirs.view, 170_000_000);
    // Coffer keeps 10,000 sats of its confirmed coins for each anchor channel's fee bumps.
    expect((await a.call<{ anchorReserve: number }>('ln.info')).anchorReserve).toBe(20_000);
  }, 90_000);

  it('lnd opens a legacy channel (static remote key) when it asks for one, and pays over it', async () => {
    legacy = await lndOpens(200_000, 0, 'STATIC_REMOTE_KEY');
    expect(legacy.view).toMatchObject({ state: 'ready', type: 'legacy', capacitySat: 200_000, outbound: false, localBalanceMsat: 0 });
    expect(await lndChannel(legacy.view.fundingTxid)).toMatchObject({ initiator: true, commitment_type: 'STATIC_REMOTE_KEY' });
    await lndPays(50_000_000, legacy.view.fundingTxid);
    await agree(legacy.view, 50_000_000);
    // A legacy channel needs no coins kept for fee bumps.
    expect((await a.call<{ anchorReserve: number }>('ln.info')).anchorReserve).toBe(20_000);
  }, 90_000);

  it('a cooperative close started by Coffer: each side gets its balance, Coffer (the opener) pays the fee', async () => {
    const view = (await channels(a)).find((c) => c.channelId === ours.channelId);
    const lndShare = Math.floor(view.remoteBalanceMsat / 1000);
    const [aBefore, lBefore] = [await balance(a), (await l.balance()).confirmed];
    expect(ok(await a.run(['channel', 'close', ours.channelId]))).toEqual({ channelId: ours.channelId, force: false });
    const fee = await feeOf(await spenderOf(ours.fundingTxid));
    await mine(1);
    await waitFor(async () => (await balance(a)) > aBefore && (await l.balance()).confirmed > lBefore, 30_000, 'both shares on chain');
    const [aGot, lGot] = [(await balance(a)) - aBefore, (await l.balance()).confirmed - lBefore];
    expect(lGot).toBe(lndShare);
    expect(aGot + lGot + fee).toBe(400_000);
    expect(fee).toBeGreaterThan(0);
    expect(fee).toBeLessThan(5_000);
    await waitFor(async () => (await lndChannel(ours.fundingTxid)) === undefined, 20_000, 'the channel gone from lnd');
  }, 90_000);

  it('a cooperative close started by lnd: each side gets its balance, lnd (the opener) pays the fee', async () => {
    const view = (await channels(a)).find((c) => c.channelId === legacy.view.channelId);
    const cofferShare = Math.floor(view.localBalanceMsat / 1000);
    const [aBefore, lBefore] = [await balance(a), (await l.balance()).confirmed];
    const closing = await l.closeChannel(legacy.channelPoint);
    await inMempool(closing);
    const fee = await feeOf(closing);
    await mine(1);
    await waitFor(async () => (await balance(a)) > aBefore && (await l.balance()).confirmed > lBefore, 30_000, 'both shares on chain');
    const [aGot, lGot] = [(await balance(a)) - aBefore, (await l.balance()).confirmed - lBefore];
    expect(aGot).toBe(cofferShare);
    expect(aGot + lGot + fee).toBe(200_000);
    expect(fee).toBeGreaterThan(0);
    await waitFor(async () => !(await channels(a)).some((c) => c.channelId === legacy.view.channelId && c.state !== 'closed'), 20_000, 'the channel closed in Coffer');
  }, 90_000);

  /** Mine one block at a time until `cond` holds (a sweeper broadcasts when it sees the block its output matures in). */
  async function mineUntil(cond: () => Promise<boolean>, what: string, most = 10): Promise<void> {
    for (let i = 0; i < most; i++) {
      if (await cond()) return;
      await waitFor(async () => (await cond()) || (await mempoolSize()) > 0, 10_000, what).catch(() => {});
      await mine(1);
    }
    await waitFor(cond, 30_000, what);
  }

  it('a force close by Coffer of an anchor channel: its child pays for the commitment from the wallet; lnd gets its share, Coffer its own after the delay lnd asked for', async () => {
    const { view, channelPoint } = theirs;
    const [aBefore, lBefore] = [await balance(a), (await l.balance()).confirmed];
    const closed = ok(await a.run(['channel', 'close', view.channelId, '--force']));
    // Coffer's own output waits the delay lnd asked of it (--bitcoin.defaultremotedelay).
    expect(closed).toEqual({ channelId: view.channelId, force: true, delay: 20 });
    const commitment = await spenderOf(view.fundingTxid);
    // lnd signed the commitment at its low rate; a force close wants Coffer's fast rate (no
    // estimates on this source: the preset), so Coffer adds a child spending its anchor and a
    // wallet coin, and the two pay that rate together.
    const child = await spenderOf(commitment);
    const [commitFee, childFee] = [await feeOf(commitment), await feeOf(child)];
    const { fast } = await a.call<{ fast: number }>('fees.get');
    expect(commitFee / (await vsizeOf(commitment))).toBeLessThan(fast);
    expect((commitFee + childFee) / ((await vsizeOf(commitment)) + (await vsizeOf(child)))).toBeGreaterThanOrEqual(fast - 1);
    await mine(1);
    for (const txid of [commitment, child]) expect(await confirmations(txid)).toBe(1);
    await waitFor(async () => (await l.listChannels()).every((c) => c.channel_point !== channelPoint), 20_000, 'lnd seeing the close');
    // Coffer's wallet paid the child's fee, less its anchor's 330 sats the child took in.
    await waitFor(async () => (await balance(a)) === aBefore + ANCHOR_SAT - childFee, 20_000, 'the child in Coffer\'s balance');
    const afterChild = await balance(a);
    // lnd (the opener) paid the commitment's fee and both anchors out of its share.
    await mineUntil(async () => (await l.balance()).confirmed > lBefore, 'lnd\'s share back');
    const lGot = (await l.balance()).confirmed - lBefore;
    // lnd sweeps its output into its wallet at its own fee rate.
    expect(lGot).toBeGreaterThan(130_000 - commitFee - 2 * ANCHOR_SAT - 5_000);
    expect(lGot).toBeLessThanOrEqual(130_000 - commitFee - 2 * ANCHOR_SAT);
    expect(await balance(a)).toBe(afterChild);
    await mine(20);
    await mineUntil(async () => (await balance(a)) > afterChild, 'Coffer\'s share swept');
    const aGot = (await balance(a)) - afterChild;
    expect(aGot).toBeGreaterThan(170_000 - 2_000);
    expect(aGot).toBeLessThan(170_000);
    expect((await a.call<{ anchorReserve: number }>('ln.info')).anchorReserve).toBe(0);
  }, 180_000);

  it('a force close by lnd: Coffer sweeps its share, lnd its own after the 144 blocks Coffer asked for', async () => {
    const view = await cofferOpens(250_000);
    await cofferPays(100_000_000);
    // lnd settles the invoice before the HTLC leaves its commitment: closed earlier, lnd would
    // claim the HTLC on chain, paying that transaction's fee from its wallet (anchor channels).
    await agree(view, 150_000_000);
    const channelPoint = (await lndChannel(view.fundingTxid)).channel_point;
    const [aBefore, lBefore] = [await balance(a), (await l.balance()).confirmed];
    const commitment = await l.closeChannel(channelPoint, { force: true });
    await inMempool(commitment);
    const commitFee = await feeOf(commitment);
    // Coffer's output waits one block on an anchor commitment; LDK reports it after 6
    // confirmations, then Coffer sweeps it with LDK's keys (it pays a script of the channel's).
    await mine(6);
    await mineUntil(async () => (await balance(a)) > aBefore, 'Coffer\'s share swept');
    const aGot = (await balance(a)) - aBefore;
    // Coffer opened the channel, so the commitment's fee and both anchors came out of its share.
    expect(aGot).toBeGreaterThan(150_000 - commitFee - 2 * ANCHOR_SAT - 2_000);
    expect(aGot).toBeLessThan(150_000 - commitFee - 2 * ANCHOR_SAT);
    expect((await l.balance()).confirmed).toBe(lBefore);
    await mine(144);
    await mineUntil(async () => (await l.balance()).confirmed > lBefore, 'lnd\'s share swept');
    const lGot = (await l.balance()).confirmed - lBefore;
    expect(lGot).toBeGreaterThan(100_000 - 5_000);
    expect(lGot).toBeLessThan(100_000);
  }, 180_000);
});
