// Lightning through the real `coffer daemon` and `coffer ln|channel` commands: two Coffer
// daemons with their own data directories and one bcoin regtest node. A opens a channel to B,
// pays B's invoices (A's daemon is killed half-way and comes back); A keeps a channel backup,
// which refuses files that are not its own, and whose failure holds A's payments until it is
// written; they close the channel together (a legacy one: B had no coins for a fee reserve); a
// second channel, an anchor one, is force-closed by B and both sides get their coins back.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hex } from '@scure/base';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup } from '../../src/channels/channel-backup.js';
import { backupKey } from '../../src/channels/channel-keys.js';
import type { RunResult } from '../helpers/cli.js';
import { party, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let node: RegtestNode;
let a: Party;
let b: Party;
/** An invoice of B's with the shortest expiry, made first and paid last, when it has run out. */
let stale: { bolt11: string; expiresAt: number };
/** A's channel backup file, once set. */
let backupFile = '';

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  a = await party(node, tmpDir(), [2_000_000, 2_000_000]);
  b = await party(node, tmpDir(), []);
  await Promise.all([startDaemon(node, a), startDaemon(node, b, { listen: true, inbound: true })]);
  stale = await b.call('ln.invoice', { amountMsat: 1_000_000, expirySecs: 60 });
});
afterAll(async () => {
  for (const p of [a, b]) if (p) await stopDaemon(p, 'SIGKILL');
  if (process.env['COFFER_TEST_DEBUG']) for (const [n, p] of [['a', a], ['b', b]] as const) if (p) fs.copyFileSync(path.join(p.dir, 'logs', 'coffer.log'), `/tmp/ln-${n}.log`);
  await node?.close();
});

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

function failed(r: RunResult, code: string) {
  expect(r.code, r.stdout).toBe(code === 'usage' ? 2 : 1);
  expect(r.stderr).toMatch(new RegExp(`^error: ${code}: `));
}

// `channel list`, `wallet balance` (what the daemon's sync stored) and the wallet's tip, read from
// the daemon's API: the methods those commands send it, without a process per look. The first
// test reads `coffer channel list` itself.
const { channels, balance, tip: tipOf } = reads;

async function bothAt(height: number): Promise<void> {
  await waitFor(async () => (await tipOf(a)) === height && (await tipOf(b)) === height, 30_000, `both wallets at ${height}`);
}

async function openChannel(sats: number): Promise<{ channelId: string; fundingTxid: string }> {
  const bd = b.daemon!;
  const opened = ok(await a.run(['channel', 'open', '--peer', `${bd.nodeId}@127.0.0.1:${bd.listen}`, '--amount', String(sats)]));
  expect(opened.channelId).toMatch(/^[0-9a-f]{64}$/);
  await waitFor(() => node.mempool().includes(opened.fundingTxid), 20_000, 'the funding transaction in the mempool');
  await node.mine(6);
  for (const p of [a, b]) await waitFor(async () => (await channels(p)).some((c) => c.channelId === opened.channelId && c.usable), 30_000, 'the channel usable');
  return opened;
}

/** B invoices, A pays: over the CLI, or straight to the daemon's API (the same core calls). */
async function payOnce(i: number, viaCli: boolean): Promise<void> {
  if (viaCli) {
    const inv = ok(await b.run(['ln', 'invoice', '--amount-msat', '1000000', '--description', `coffee ${i}`]));
    expect(inv.bolt11).toMatch(/^lnbcrt10u1/);
    const paid = ok(await a.run(['ln', 'pay', inv.bolt11]));
    expect(paid).toMatchObject({ paymentHash: inv.paymentHash, feeMsat: 0 });
    expect(paid.preimage).toMatch(/^[0-9a-f]{64}$/);
  } else {
    const inv = await b.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 1_000_000, description: `coffee ${i}` });
    const paid = await a.call<{ paymentHash: string }>('ln.pay', { bolt11: inv.bolt11 });
    expect(paid.paymentHash).toBe(inv.paymentHash);
  }
}

describe('Lightning between two Coffer daemons', () => {
  let channelId: string;

  it('A opens a channel to B; after six confirmations it is ready on both sides', async () => {
    // `--ln-listen PORT` with no host binds the loopback address only.
    expect(b.daemon!.listenHost).toBe('127.0.0.1');
    expect(ok(await b.run(['ln', 'info']))).toMatchObject({ nodeId: b.daemon!.nodeId, listen: b.daemon!.listen, listenHost: '127.0.0.1', forwards: false, acceptsChannels: { minSat: 20_000 } });
    const opened = await openChannel(500_000);
    channelId = opened.channelId;
    const [ca] = ok(await a.run(['channel', 'list']));
    // B has no coins to keep a fee reserve with: it refuses anchors, and A's LDK asks again for a legacy channel.
    expect(ca).toMatchObject({ channelId, counterparty: b.daemon!.nodeId, state: 'ready', type: 'legacy', capacitySat: 500_000, outbound: true, confirmations: 6, fundingTxid: opened.fundingTxid });
    const [cb] = ok(await b.run(['channel', 'list']));
    expect(cb).toMatchObject({ channelId, counterparty: a.daemon!.nodeId, state: 'ready', outbound: false, localBalanceMsat: 0 });
  }, 120_000);

  it('A pays B 100 invoices, with its daemon killed after 50 and restarted; balances agree on both sides', async () => {
    const before = (await channels(a))[0];
    for (let i = 0; i < 50; i++) await payOnce(i, i % 10 === 0);
    await stopDaemon(a, 'SIGKILL');
    await startDaemon(node, a);
    await waitFor(async () => (await channels(a)).some((c) => c.channelId === channelId && c.usable), 30_000, 'the channel re-established');
    expect((await channels(a))[0].localBalanceMsat).toBe(before.localBalanceMsat - 50_000_000);
    for (let i = 50; i < 100; i++) await payOnce(i, i % 10 === 0);
    // A hears of success before B's last commitment update is done.
    await waitFor(async () => (await channels(b))[0].localBalanceMsat === 100_000_000, 20_000, 'B paid');
    const ca = (await channels(a))[0];
    const cb = (await channels(b))[0];
    expect(ca.localBalanceMsat).toBe(before.localBalanceMsat - 100_000_000);
    expect(cb.localBalanceMsat).toBe(100_000_000);
    expect(cb.remoteBalanceMsat).toBe(ca.localBalanceMsat);
    expect(cb.localBalanceMsat).toBe(ca.remoteBalanceMsat);
  }, 300_000);

  it('a channel backup is written only over a missing file or this wallet\'s own backup', async () => {
    const dir = tmpDir();
    const refused = async (file: string, code: string) => failed(await a.run(['channel', 'backup', file]), code);
    const notes = path.join(dir, 'notes.backup');
    fs.writeFileSync(notes, 'my notes\n');
    await refused(notes, 'file-exists');
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes\n');
    fs.mkdirSync(path.join(dir, 'folder.backup'));
    await refused(path.join(dir, 'folder.backup'), 'file-exists');
    // B's backup is a Coffer backup, but another wallet's: not A's to replace.
    const theirs = path.join(dir, 'b-channels.backup');
    expect(ok(await b.run(['channel', 'backup', theirs]))).toEqual({ file: theirs, channels: 1 });
    // B keeps its backup current elsewhere from now on, so only A could change this file.
    ok(await b.run(['channel', 'backup', path.join(dir, 'b-current.backup')]));
    const bBytes = fs.readFileSync(theirs);
    await refused(theirs, 'file-exists');
    expect(fs.readFileSync(theirs).equals(bBytes)).toBe(true);
    // A name that is not *.backup is refused before anything is written.
    await refused(path.join(dir, '.bashrc'), 'usage');
    expect(fs.existsSync(path.join(dir, '.bashrc'))).toBe(false);
    // A new file, then the same file again (it is A's own backup now).
    const file = path.join(dir, 'a-channels.backup');
    expect(ok(await a.run(['channel', 'backup', file]))).toEqual({ file, channels: 1 });
    expect(ok(await a.run(['channel', 'backup', file]))).toEqual({ file, channels: 1 });
    backupFile = file;
  }, 60_000);

  it('a backup that cannot be written holds A\'s payment and raises the alarm; once it can, the payment completes and the backup is current', async () => {
    const file = backupFile;
    const bBefore = (await channels(b))[0].localBalanceMsat;
    // The backup's path becomes a folder: nothing can be written there.
    fs.rmSync(file);
    fs.mkdirSync(file);
    const inv = await b.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 1_000_000, description: 'held' });
    let settled = false;
    const paying = a.call<{ paymentHash: string }>('ln.pay', { bolt11: inv.bolt11 }).finally(() => (settled = true));
    paying.catch(() => {});
    await waitFor(async () => (await a.call<any>('ln.info')).backupFailing !== undefined, 20_000, 'the backup alarm');
    expect((await a.call<any>('ln.info')).backupFailing).toMatchObject({ file, code: 'file-exists' });
    expect((await a.call<any>('app.status')).channelBackupFailing).toMatchObject({ file, code: 'file-exists' });
    expect(ok(await a.run(['ln', 'info'])).backupFailing).toMatchObject({ file });
    // Meanwhile the payment does not complete, and another is refused up front.
    const another = await b.call<{ bolt11: string }>('ln.invoice', { amountMsat: 1_000_000 });
    await expect(a.call('ln.pay', { bolt11: another.bolt11 })).rejects.toMatchObject({ code: 'backup-failing' });
    expect((await channels(b))[0].localBalanceMsat).toBe(bBefore);
    expect(settled).toBe(false);

    // The path is usable again: the backup is written, the payment completes, the alarm goes.
    fs.rmSync(file, { recursive: true });
    expect((await paying).paymentHash).toBe(inv.paymentHash);
    await waitFor(async () => (await a.call<any>('ln.info')).backupFailing === undefined, 20_000, 'the alarm cleared');
    expect((await a.call<any>('app.status')).channelBackupFailing).toBeUndefined();
    await waitFor(async () => (await channels(b))[0].localBalanceMsat === bBefore + 1_000_000, 20_000, 'B paid');
    // The file holds every monitor as A's database holds it (once the channel is quiet).
    const key = backupKey(mnemonicToSeedSync(a.mnemonic), 'regtest');
    const current = () => {
      const db = new Database(path.join(a.dir, 'regtest', 'wallet.sqlite'), { readonly: true });
      try {
        const rows = db.prepare('SELECT funding_outpoint AS o, data FROM chan_monitors ORDER BY funding_outpoint').all() as { o: string; data: Buffer }[];
        const inFile = openBackup(fs.readFileSync(file), key).monitors;
        return rows.length === 1 && inFile.length === rows.length && rows.every((r, i) => inFile[i]!.fundingOutpoint === r.o && hex.encode(inFile[i]!.data) === hex.encode(r.data));
      } finally {
        db.close();
      }
    };
    await waitFor(current, 20_000, 'the backup holding the latest monitor');
  }, 120_000);

  it('a cooperative close pays each wallet its share minus fees', async () => {
    await node.mine(1);
    await bothAt(node.tipHeight());
    const aBefore = await balance(a);
    expect(await balance(b)).toBe(0);
    expect(ok(await a.run(['channel', 'close', channelId]))).toEqual({ channelId, force: false });
    await waitFor(() => node.mempool().length > 0, 20_000, 'the closing transaction');
    await node.mine(1);
    await bothAt(node.tipHeight());
    await waitFor(async () => (await balance(b)) > 0, 30_000, 'B\'s share on chain');
    // 100 payments and the one held for the backup, 1,000 sats each.
    expect(await balance(b)).toBe(101_000);
    const gained = (await balance(a)) - aBefore;
    // A funded the channel, so the closing fee (a few thousand sats at regtest's preset rates) comes out of its share.
    expect(gained).toBeGreaterThan(399_000 - 5_000);
    expect(gained).toBeLessThan(399_000);
    expect(await channels(a)).toEqual([]);
  }, 120_000);

  it('a force close by B: A gets its share at once, B after the delay, swept automatically', async () => {
    const opened = await openChannel(300_000);
    // B holds its share of the first channel now, enough for the fee reserve: an anchor channel,
    // whose commitment B's wallet pays a child for when B closes it by force.
    expect((await channels(b)).find((c) => c.channelId === opened.channelId)).toMatchObject({ type: 'anchor' });
    for (let i = 0; i < 5; i++) await payOnce(i, false);
    await node.mine(1);
    await bothAt(node.tipHeight());
    const aBefore = await balance(a);
    const bBefore = await balance(b);
    const closed = ok(await b.run(['channel', 'close', opened.channelId, '--force']));
    expect(closed).toMatchObject({ channelId: opened.channelId, force: true });
    // B's own output waits the delay A asked for (LDK's default: 144 blocks).
    expect(closed.delay).toBe(144);
    await waitFor(() => node.mempool().length > 1, 20_000, 'B\'s commitment and its child');
    await node.mine(1);
    // A's output is spendable at once; LDK reports it after 6 confirmations, then Coffer sweeps it.
    await node.mine(6);
    await bothAt(node.tipHeight());
    await waitFor(() => node.mempool().length > 0, 30_000, 'A\'s sweep');
    await node.mine(1);
    await bothAt(node.tipHeight());
    await waitFor(async () => (await balance(a)) > aBefore, 30_000, 'A\'s share swept');
    const aGot = (await balance(a)) - aBefore;
    expect(aGot).toBeGreaterThan(295_000 - 3_000);
    expect(aGot).toBeLessThan(295_000);
    // B's wallet paid the child's fee, less the 330-sat anchor it spent: a few thousand sats at the fast rate.
    const bAfterClose = await balance(b);
    expect(bBefore - bAfterClose).toBeGreaterThan(0);
    expect(bBefore - bAfterClose).toBeLessThan(12_000);
    // Meanwhile B's list shows the closed channel with its funds on the way back, and from when.
    const waiting = (await channels(b)).find((c) => c.channelId === opened.channelId);
    expect(waiting).toMatchObject({ state: 'closed', usable: false, capacitySat: 300_000, outbound: false });
    expect(waiting.localBalanceMsat).toBeGreaterThan(4_000_000);
    expect(waiting.localBalanceMsat).toBeLessThanOrEqual(5_000_000);
    expect(waiting.claimableAt).toBeGreaterThan(node.tipHeight() + 130);
    await node.mine(144);
    await bothAt(node.tipHeight());
    await waitFor(() => node.mempool().length > 0, 40_000, 'B\'s sweep after the delay');
    await node.mine(1);
    await bothAt(node.tipHeight());
    await waitFor(async () => (await balance(b)) > bAfterClose, 30_000, 'B\'s share swept');
    const bGot = (await balance(b)) - bAfterClose;
    expect(bGot).toBeGreaterThan(5_000 - 1_000);
    expect(bGot).toBeLessThan(5_000);
  }, 300_000);

  it('bad input gets typed errors and leaves nothing stuck', async () => {
    failed(await a.run(['ln', 'pay', 'lnbcrt1garbage']), 'invalid-invoice');
    failed(await a.run(['ln', 'invoice', '--amount-msat', 'ten']), 'usage');
    failed(await a.run(['channel', 'open', '--peer', 'nonsense', '--amount', '100000']), 'invalid-peer');
    failed(await a.run(['channel', 'open', '--peer', `02${'11'.repeat(32)}@127.0.0.1:1`, '--amount', '100000']), 'peer-unreachable');
    failed(await a.run(['channel', 'close', 'ab'.repeat(32)]), 'unknown-channel');
    // No channel is left: paying a good invoice finds no route and says so.
    const inv = ok(await b.run(['ln', 'invoice', '--amount-msat', '5000']));
    failed(await a.run(['ln', 'pay', inv.bolt11]), 'insufficient-funds');
    const wait = stale.expiresAt * 1000 + 1_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    failed(await a.run(['ln', 'pay', stale.bolt11]), 'invoice-expired');
    expect(ok(await a.run(['ln', 'info'])).nodeId).toBe(a.daemon!.nodeId);
  }, 60_000);
});
