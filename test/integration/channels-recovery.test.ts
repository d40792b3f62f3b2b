// Lightning beyond the happy path, through real daemons and one bcoin regtest node: a peer that
// broadcasts a revoked commitment loses the whole channel to a justice transaction; a wallet lost
// with its computer gets its channel funds back from the words and the channel backup file (a
// backup whose monitor LDK cannot read is refused and stores nothing); the same open/pay/close
// run works with the embedded full node as the wallet's chain source; channels opened to a node
// are refused unless it allows them, and then only within its limits; and a payment crosses two
// channels with the route hint of the payee's invoice only once the middle node opts in to
// forwarding, by the daemon and by a command run with no daemon.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from '../../src/channels/channel-backup.js';
import { backupKey } from '../../src/channels/channel-keys.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { daemonCall, party, PASSWORD_ENV, reads, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

let node: RegtestNode;
const parties: Party[] = [];

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  for (const p of parties) await stopDaemon(p, 'SIGKILL');
  await node?.close();
});

function ok(r: RunResult) {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

// `channel list`, `wallet balance` and the wallet's tip: from the daemon's API while it runs, else by the command.
const { channels, balance, tip: tipOf } = reads;

async function synced(...ps: Party[]): Promise<void> {
  const h = node.tipHeight();
  await waitFor(async () => (await Promise.all(ps.map(tipOf))).every((t) => t === h), 40_000, `wallets at ${h}`);
}

async function openChannel(a: Party, b: Party, sats: number): Promise<string> {
  const opened = ok(await a.run(['channel', 'open', '--peer', `${b.daemon!.nodeId}@127.0.0.1:${b.daemon!.listen}`, '--amount', String(sats)]));
  await waitFor(() => node.mempool().includes(opened.fundingTxid), 20_000, 'the funding transaction');
  await node.mine(6);
  for (const p of [a, b]) await waitFor(async () => (await channels(p)).some((c) => c.channelId === opened.channelId && c.usable), 40_000, 'the channel usable');
  return opened.channelId;
}

async function pay(from: Party, to: Party, msat: number): Promise<void> {
  const inv = await to.call<{ bolt11: string }>('ln.invoice', { amountMsat: msat });
  await from.call('ln.pay', { bolt11: inv.bolt11 });
}

describe('a breach', () => {
  it('B broadcasts a revoked commitment from an old copy of its state; A takes the whole channel', async () => {
    const a = await party(node, tmpDir(), [1_000_000]);
    const b = await party(node, tmpDir(), []);
    parties.push(a, b);
    await Promise.all([startDaemon(node, a), startDaemon(node, b, { listen: true, inbound: true })]);
    const channelId = await openChannel(a, b, 400_000);
    await pay(a, b, 150_000_000);
    // B saves its state while it holds 150,000 sats of the channel: once the payment has settled
    // on its side, a copy of its stopped wallet (a snapshot taken mid-update could hold a channel
    // manager LDK will not read back, which is not what this test is about)...
    await waitFor(async () => (await channels(b))[0].localBalanceMsat === 150_000_000, 20_000, 'B\'s side of the payment settled');
    const port = b.daemon!.listen!;
    await stopDaemon(b);
    const saved = path.join(tmpDir(), 'old-wallet.sqlite');
    const stopped = new Database(path.join(b.dir, 'regtest', 'wallet.sqlite'), { readonly: true });
    await stopped.backup(saved);
    stopped.close();
    // On the same port: A reconnects to the address it knows.
    await startDaemon(node, b, { listen: true, inbound: true, port });
    await waitFor(async () => (await channels(b))[0]?.usable === true, 30_000, 'B back in its channel');
    // ...then pays most of it back: that state is revoked.
    await pay(b, a, 140_000_000);
    // The payer hears of success before its last commitment update with the payee is done.
    await waitFor(async () => (await channels(b))[0].localBalanceMsat === 10_000_000, 20_000, 'B\'s channel settled');
    expect((await channels(b))[0].localBalanceMsat).toBe(10_000_000);

    // A goes offline. B comes back from the old copy and force-closes with it, before A can tell it is stale.
    await stopDaemon(a);
    await stopDaemon(b);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(b.dir, 'regtest', `wallet.sqlite${suffix}`), { force: true });
    fs.copyFileSync(saved, path.join(b.dir, 'regtest', 'wallet.sqlite'));
    await startDaemon(node, b, { listen: true, inbound: true });
    const [old] = await channels(b);
    expect(old.localBalanceMsat).toBe(150_000_000);
    ok(await b.run(['channel', 'close', channelId, '--force']));
    await waitFor(() => node.mempool().length > 0, 20_000, 'the revoked commitment');
    const revoked = node.mempool()[0]!;
    await node.mine(1);

    // A comes back, sees the revoked commitment confirmed, and claims B's output with the revocation key.
    const aBefore = await balance(a);
    await startDaemon(node, a);
    await waitFor(() => node.mempool().length > 0, 40_000, 'the justice transaction');
    const justice = node.mempool();
    expect(justice).not.toContain(revoked);
    await node.mine(1);
    // A's own output on B's commitment is swept after 6 confirmations.
    await node.mine(6);
    await synced(a);
    await waitFor(() => node.mempool().length > 0, 40_000, 'A\'s sweep of its own output');
    await node.mine(1);
    await synced(a);
    const gained = (await balance(a)) - aBefore;
    // The whole channel: A's 250,000 back plus B's 150,000 of the old state, less the fees of the
    // commitment (paid by A as funder), the justice transaction and the sweep.
    expect(gained).toBeGreaterThan(400_000 - 6_000);
    expect(gained).toBeLessThan(400_000);
  }, 300_000);
});

/** Whether the backup file holds every channel monitor the party's database holds, as it holds it. */
function backupHoldsMonitors(p: Party, file: string): boolean {
  const db = new Database(path.join(p.dir, 'regtest', 'wallet.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT funding_outpoint AS o, data FROM chan_monitors ORDER BY funding_outpoint').all() as { o: string; data: Buffer }[];
    const inFile = openBackup(fs.readFileSync(file), backupKey(mnemonicToSeedSync(p.mnemonic), 'regtest')).monitors;
    return rows.length > 0 && inFile.length === rows.length && rows.every((r, i) => inFile[i]!.fundingOutpoint === r.o && Buffer.from(inFile[i]!.data).equals(r.data));
  } finally {
    db.close();
  }
}

describe('a channel backup', () => {
  it('the words plus the backup file bring the channel funds back after the computer is lost', async () => {
    const a = await party(node, tmpDir(), [1_000_000]);
    const b = await party(node, tmpDir(), []);
    parties.push(a, b);
    await Promise.all([startDaemon(node, a), startDaemon(node, b, { listen: true, inbound: true })]);
    const file = path.join(tmpDir(), 'channels.backup');
    expect(ok(await a.run(['channel', 'backup', file]))).toEqual({ file, channels: 0 });
    await openChannel(a, b, 300_000);
    await pay(a, b, 50_000_000);
    // The payment settles on both sides, and A's backup file then holds A's channel state as stored.
    await waitFor(async () => (await channels(a))[0].localBalanceMsat === 250_000_000 && (await channels(b))[0].localBalanceMsat === 50_000_000, 20_000, 'the payment settled');
    await waitFor(() => backupHoldsMonitors(a, file), 20_000, 'A\'s backup current');
    const bBefore = await balance(b);
    // The computer is gone: no clean shutdown, the data directory never seen again.
    await stopDaemon(a, 'SIGKILL');

    const dir = tmpDir();
    const words = path.join(dir, 'words.txt');
    fs.writeFileSync(words, a.mnemonic);
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', node.address, ...args], { env: PASSWORD_ENV });
    ok(await run(['wallet', 'restore', '--mnemonic-file', words]));
    ok(await run(['sync', '--mempool-wait', '0']));
    const onChain = ok(await run(['wallet', 'balance'])).confirmed as number;
    // A wrong file and a damaged one are refused and change nothing.
    const junk = path.join(dir, 'junk.backup');
    fs.writeFileSync(junk, 'not a backup');
    expect((await run(['channel', 'restore', junk])).stderr).toMatch(/^error: invalid-backup: /);
    const damaged = path.join(dir, 'damaged.backup');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1]! ^= 1;
    fs.writeFileSync(damaged, bytes);
    expect((await run(['channel', 'restore', damaged])).stderr).toMatch(/^error: invalid-backup: /);
    // Sealed with the right key, for the right node, but its monitor is not one LDK can read:
    // refused, and the wallet's channel tables stay empty (Lightning would otherwise never start).
    const key = backupKey(mnemonicToSeedSync(a.mnemonic), 'regtest');
    const real = openBackup(fs.readFileSync(file), key);
    expect(real.monitors).toHaveLength(1);
    const bogus = path.join(dir, 'bogus.backup');
    const cut = { ...real.monitors[0]!, data: real.monitors[0]!.data.subarray(0, 200) };
    fs.writeFileSync(bogus, sealBackup({ ...real, monitors: [cut] }, key));
    expect((await run(['channel', 'restore', bogus])).stderr).toMatch(/^error: invalid-backup: /);
    const renamed = path.join(dir, 'renamed.backup');
    fs.writeFileSync(renamed, sealBackup({ ...real, monitors: [{ ...real.monitors[0]!, fundingOutpoint: `${'00'.repeat(32)}:0` }] }, key));
    expect((await run(['channel', 'restore', renamed])).stderr).toMatch(/^error: invalid-backup: /);
    const db = new Database(path.join(dir, 'regtest', 'wallet.sqlite'), { readonly: true });
    try {
      for (const table of ['chan_manager', 'chan_monitors', 'chan_peers']) expect((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n, table).toBe(0);
      expect(db.prepare("SELECT value FROM wallet_meta WHERE key = 'channel_restore'").get()).toBeUndefined();
    } finally {
      db.close();
    }
    expect(ok(await run(['channel', 'restore', file]))).toMatchObject({ channels: 1, nodeId: a.daemon!.nodeId });
    expect((await run(['channel', 'restore', file])).stderr).toMatch(/^error: invalid-backup: .*channel state of its own/);

    const restored: Party = { ...a, dir, run, call: daemonCall(dir) };
    parties.push(restored);
    await startDaemon(node, restored);
    await waitFor(() => node.mempool().length > 0, 40_000, 'the commitment from the backup');
    await node.mine(1);
    // B's share comes back to B (its output on our commitment is not delayed)...
    await node.mine(6);
    await synced(b);
    await waitFor(() => node.mempool().length > 0, 40_000, 'B\'s sweep');
    await node.mine(1);
    await synced(b);
    expect((await balance(b)) - bBefore).toBeGreaterThan(50_000 - 1_000);
    // ...and ours after the delay B asked of us, swept by the restored wallet.
    await node.mine(144);
    await synced(restored);
    await waitFor(() => node.mempool().length > 0, 40_000, 'the restored wallet\'s sweep');
    await node.mine(1);
    await synced(restored);
    const got = (await balance(restored)) - onChain;
    expect(got).toBeGreaterThan(250_000 - 6_000);
    expect(got).toBeLessThan(250_000);
  }, 300_000);
});

describe('the embedded full node as chain source', () => {
  it('opens, pays and closes with A on its own bcoin node', async () => {
    const dir = tmpDir();
    const a = await party(node, dir, [1_000_000]);
    const b = await party(node, tmpDir(), []);
    parties.push(a, b);
    ok(await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'start', '--connect', node.address]));
    try {
      await waitFor(async () => (await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'status'])).json?.height === node.tipHeight(), 30_000, 'embedded node caught up');
      await Promise.all([startDaemon(node, a, { args: ['--backend', 'node'] }), startDaemon(node, b, { listen: true, inbound: true })]);
      const channelId = await openChannel(a, b, 300_000);
      for (let i = 0; i < 10; i++) await pay(a, b, 2_000_000);
      // A hears of success before B's last commitment update is done.
      await waitFor(async () => (await channels(b))[0].localBalanceMsat === 20_000_000, 20_000, 'B paid');
      expect((await channels(b))[0].localBalanceMsat).toBe(20_000_000);
      const aBefore = await balance(a);
      ok(await a.run(['channel', 'close', channelId]));
      await waitFor(() => node.mempool().length > 0, 20_000, 'the closing transaction');
      await node.mine(1);
      await synced(b);
      await waitFor(async () => (await balance(b)) === 20_000 && (await balance(a)) > aBefore, 40_000, 'both shares on chain');
      expect((await balance(a)) - aBefore).toBeGreaterThan(280_000 - 5_000);
    } finally {
      await stopDaemon(a);
      await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'stop']);
    }
  }, 300_000);
});

describe('a payment over two channels', () => {
  it('channels opened to a node are refused unless it allows them, then kept within its limits; A pays C through B only once B forwards; too large an amount is refused', async () => {
    const a = await party(node, tmpDir(), [1_000_000]);
    const b = await party(node, tmpDir(), [1_000_000]);
    const c = await party(node, tmpDir(), []);
    parties.push(a, b, c);
    // B accepts channels but forwards nothing yet; C accepts channels of 100,000 to 350,000 sats.
    await Promise.all([
      startDaemon(node, a),
      startDaemon(node, b, { listen: true, inbound: true }),
      startDaemon(node, c, { listen: true, inbound: true, daemonArgs: ['--ln-min-channel', '100000', '--ln-max-channel', '350000'] }),
    ]);
    await openChannel(a, b, 400_000);
    const refused = (from: Party, to: Party, amountSat: number) =>
      expect(from.call('channel.open', { peer: `${to.daemon!.nodeId}@127.0.0.1:${to.daemon!.listen ?? 1}`, amountSat })).rejects.toMatchObject({ code: 'channel-open-failed' });
    // A allows no channels to be opened to it: B's request, over A's own connection to B, is refused.
    await refused(b, a, 100_000);
    // C refuses channels outside its limits, accepts one inside, and a second one from the same
    // peer while the first is not ready.
    await refused(b, c, 50_000);
    await refused(b, c, 400_000);
    const opened = ok(await b.run(['channel', 'open', '--peer', `${c.daemon!.nodeId}@127.0.0.1:${c.daemon!.listen}`, '--amount', '300000']));
    await refused(b, c, 200_000);
    expect((await channels(a)).map((ch) => ch.capacitySat)).toEqual([400_000]);
    expect((await channels(c)).map((ch) => ch.capacitySat)).toEqual([300_000]);
    await waitFor(() => node.mempool().includes(opened.fundingTxid), 20_000, 'the funding transaction');
    await node.mine(6);
    for (const p of [b, c]) await waitFor(async () => (await channels(p)).some((ch) => ch.channelId === opened.channelId && ch.usable), 40_000, 'the channel usable');
    const local = async (p: Party, peer: Party): Promise<number> => (await channels(p)).find((ch) => ch.counterparty === peer.daemon!.nodeId).localBalanceMsat;
    const balances = async () => [await local(a, b), await local(b, a), await local(b, c), await local(c, b)];

    // B has not opted in to forwarding: A's payment to C fails, and no funds move.
    expect(await b.call('ln.info')).toMatchObject({ forwards: false });
    const before = await balances();
    const refusedInvoice = await c.call<{ bolt11: string }>('ln.invoice', { amountMsat: 60_000_000, description: 'not forwarded' });
    await expect(a.call('ln.pay', { bolt11: refusedInvoice.bolt11 })).rejects.toMatchObject({ code: 'payment-failed' });
    await waitFor(async () => JSON.stringify(await balances()) === JSON.stringify(before), 20_000, 'the HTLC failed back');
    expect(before[3]).toBe(0);

    // B restarts with --ln-forward on the same port (A reconnects to the address it knows).
    const port = b.daemon!.listen!;
    await stopDaemon(b);
    await startDaemon(node, b, { listen: true, port, inbound: true, daemonArgs: ['--ln-forward'] });
    expect(await b.call('ln.info')).toMatchObject({ forwards: true });
    for (const [p, peer] of [[a, b], [b, a], [b, c], [c, b]] as const) {
      await waitFor(async () => (await channels(p)).some((ch) => ch.counterparty === peer.daemon!.nodeId && ch.usable), 40_000, 'the channels usable again');
    }
    const [a0, ba0, bc0] = [await local(a, b), await local(b, a), await local(b, c)];

    const inv = await c.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 50_000_000, description: 'two hops' });
    const paid = await a.call<{ paymentHash: string; feeMsat: number }>('ln.pay', { bolt11: inv.bolt11 });
    expect(paid.paymentHash).toBe(inv.paymentHash);
    // B's forwarding fee, paid by A and kept by B.
    expect(paid.feeMsat).toBeGreaterThan(0);
    await waitFor(async () => (await local(c, b)) === 50_000_000, 20_000, 'C paid');
    // B settles with A after C settled with B.
    await waitFor(async () => (await local(b, a)) === ba0 + 50_000_000 + paid.feeMsat, 20_000, 'B paid by A');
    expect(await local(a, b)).toBe(a0 - 50_000_000 - paid.feeMsat);
    expect(await local(b, a)).toBe(ba0 + 50_000_000 + paid.feeMsat);
    expect(await local(b, c)).toBe(bc0 - 50_000_000);

    // More than A's channel holds: refused before anything is sent, and the next payment goes through.
    const big = await c.call<{ bolt11: string }>('ln.invoice', { amountMsat: 450_000_000 });
    await expect(a.call('ln.pay', { bolt11: big.bolt11 })).rejects.toMatchObject({ code: 'insufficient-funds' });
    const small = await c.call<{ bolt11: string }>('ln.invoice', { amountMsat: 2_000_000 });
    await a.call('ln.pay', { bolt11: small.bolt11 });
    await waitFor(async () => (await local(c, b)) === 52_000_000, 20_000, 'C paid again');

    await expect(c.call('ln.pay', { bolt11: 'lnbcrt1' + 'q'.repeat(40) })).rejects.toMatchObject({ code: 'invalid-invoice' });

    // Without its daemon, A's commands start A's node themselves: the channel comes back and pays.
    await stopDaemon(a);
    const later = await c.call<{ bolt11: string }>('ln.invoice', { amountMsat: 3_000_000 });
    expect(ok(await a.run(['ln', 'pay', later.bolt11])).feeMsat).toBeGreaterThan(0);
    await waitFor(async () => (await local(c, b)) === 55_000_000, 20_000, 'C paid by the standalone command');
    const [alone] = await channels(a);
    expect(alone).toMatchObject({ counterparty: b.daemon!.nodeId, state: 'ready' });
  }, 300_000);
});
