// Lightning figures: payments per second over one channel between two local `coffer daemon`s
// (each monitor update written to SQLite with synchronous=FULL before LDK goes on), the time to
// load LDK and to start a daemon that restores its channels, and a daemon's memory with 10 channels.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLdk } from '../src/channels/ldk.js';
import { party, startDaemon, stopDaemon, type Party } from '../test/helpers/daemon.js';
import { startNode, waitFor, type RegtestNode } from '../test/helpers/regtest.js';
import { report, type Figure } from './measure.js';

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function open(node: RegtestNode, a: Party, b: Party, sats: number): Promise<string> {
  const r = await a.call<{ channelId: string; fundingTxid: string }>('channel.open', { peer: `${b.daemon!.nodeId}@127.0.0.1:${b.daemon!.listen}`, amountSat: sats });
  await waitFor(() => node.mempool().includes(r.fundingTxid), 20_000, 'funding');
  return r.channelId;
}

async function usable(p: Party, n: number): Promise<void> {
  await waitFor(async () => (await p.call<{ usable: boolean }[]>('channel.list')).filter((c) => c.usable).length >= n, 60_000, `${n} usable channels`);
}

/**
 * `payer` pays `n` invoices one at a time, then `n` more with 20 in flight (invoices made
 * before each clock starts); payments per second of each.
 */
export async function paymentRates(payer: Party, invoice: (i: number) => Promise<string>, n: number): Promise<[number, number]> {
  const rates: number[] = [];
  for (const inFlight of [1, 20]) {
    const invoices: string[] = [];
    for (let i = 0; i < n; i++) invoices.push(await invoice(rates.length * n + i));
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < invoices.length) await payer.call('ln.pay', { bolt11: invoices[next++]! });
      }),
    );
    rates.push(n / ((performance.now() - t) / 1000));
  }
  return [rates[0]!, rates[1]!];
}

export async function benchChannels(payments = 300): Promise<Figure[]> {
  const figures: Figure[] = [];
  // Printed as they come: the whole run takes a minute or two.
  const push = (f: Figure) => {
    figures.push(f);
    report([f]);
  };
  const t0 = performance.now();
  await loadLdk();
  push({ name: 'ln: load LDK (WASM) in-process', value: performance.now() - t0, unit: 'ms' });

  const node = await startNode();
  let a: Party | undefined;
  let b: Party | undefined;
  try {
    await node.fund();
    a = await party(node, fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-')), Array.from({ length: 11 }, () => 1_000_000));
    // Anchor channels: the acceptor keeps confirmed coins for fee bumps (10,000 sats a channel, at most 100,000).
    b = await party(node, fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-')), [150_000]);
    let t = performance.now();
    await startDaemon(node, a);
    push({ name: 'ln: daemon start, no channels (spawn to ready)', value: performance.now() - t, unit: 'ms' });
    // It takes the nine channels below four at a time (the default is one not yet ready per peer).
    await startDaemon(node, b, { listen: true, inbound: true, daemonArgs: ['--ln-max-pending', '4'] });
    await open(node, a, b, 900_000);
    await node.mine(6);
    await usable(a, 1);
    await usable(b, 1);

    const invoice = async (i: number) => (await b!.call<{ bolt11: string }>('ln.invoice', { amountMsat: 10_000, description: `bench ${i}` })).bolt11;
    const [seq, par] = await paymentRates(a, invoice, payments);
    push({ name: 'ln: payments/s, one at a time, one channel', value: seq, unit: 'pay/s', note: `${payments} payments; Core Lightning ~61/s` });
    push({ name: 'ln: payments/s, 20 in flight, one channel', value: par, unit: 'pay/s' });

    // LDK accepts at most 4 unconfirmed inbound channels from one peer: open them in fours.
    for (let i = 0; i < 9; i++) {
      await open(node, a, b, 200_000);
      if (i % 4 === 3 || i === 8) {
        await node.mine(6);
        await usable(b, i + 2);
      }
    }
    await usable(a, 10);
    push({ name: 'ln: daemon memory (RSS) with 10 channels', value: rssOf(a.daemon!.child.pid!), unit: 'MiB' });

    await stopDaemon(a);
    t = performance.now();
    await startDaemon(node, a);
    push({ name: 'ln: daemon restart restoring 10 channels (to ready)', value: performance.now() - t, unit: 'ms' });
    t = performance.now();
    await usable(a, 10);
    push({ name: 'ln: ... then all 10 re-established with the peer', value: performance.now() - t, unit: 'ms' });
    for (const p of [a, b]) fs.rmSync(p.dir, { recursive: true, force: true });
  } catch (e) {
    console.log(`channels bench failed; data directories kept: ${a?.dir ?? '-'} ${b?.dir ?? '-'}`);
    throw e;
  } finally {
    for (const p of [a, b]) if (p) await stopDaemon(p, 'SIGKILL');
    await node.close();
  }
  return figures;
}
