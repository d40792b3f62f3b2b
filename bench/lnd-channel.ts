// Issue 18's figure beside bench/channels.ts: payments per second over one channel from a Coffer
// daemon (compact filters on btcd, each monitor update written durably) to an lnd node, paying
// lnd's invoices (REST addinvoice) one at a time and 20 in flight.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBtcd, type BtcdNode } from '../test/helpers/btcd.js';
import { minerCoins } from '../test/helpers/btcd-coins.js';
import { coffer, type RunResult } from '../test/helpers/cli.js';
import { daemonCall, PASSWORD_ENV, startDaemon, stopDaemon, type Party } from '../test/helpers/daemon.js';
import { startLnd, type LndNode } from '../test/helpers/lnd.js';
import { waitFor } from '../test/helpers/regtest.js';
import { paymentRates } from './channels.js';
import { report, type Figure } from './measure.js';

function must(r: RunResult): any {
  if (r.code !== 0) throw new Error(`coffer failed: ${r.stderr}`);
  return r.json;
}

/** A Coffer wallet on compact filters against btcd, with one coin of `sats` from a coinbase. */
async function cofferParty(b: BtcdNode, sats: number): Promise<Party> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-lnd-'));
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env: PASSWORD_ENV });
  const { mnemonic } = must(await run(['wallet', 'create']));
  await minerCoins(b).pay([{ address: must(await run(['wallet', 'address'])).address, sats }]);
  await b.mine(1);
  must(await run(['sync', '--mempool-wait', '0']));
  return { dir, mnemonic, run, call: daemonCall(dir) };
}

export async function benchLndChannel(payments = 300): Promise<Figure[]> {
  const b = await startBtcd({ tls: true });
  let l: LndNode | undefined;
  let a: Party | undefined;
  try {
    await b.mine(110);
    l = await startLnd(b);
    a = await cofferParty(b, 1_000_000);
    await l.waitSynced();
    await startDaemon(b, a, { args: ['--backend', 'filters'] });
    const { fundingTxid } = await a.call<{ fundingTxid: string }>('channel.open', { peer: l.uri, amountSat: 900_000 });
    await waitFor(async () => (await b.rpc<string[]>('getrawmempool')).includes(fundingTxid), 20_000, 'funding');
    // lnd asks for one confirmation (--bitcoin.defaultchanconfs); a few more do no harm.
    await b.mine(6);
    await waitFor(async () => (await a!.call<{ fundingTxid: string; usable: boolean }[]>('channel.list')).some((c) => c.fundingTxid === fundingTxid && c.usable), 60_000, 'the channel usable in Coffer');
    await waitFor(async () => (await l!.listChannels()).some((c) => c.channel_point.startsWith(fundingTxid) && c.active), 60_000, 'the channel active in lnd');

    const [seq, par] = await paymentRates(a, async (i) => (await l!.addInvoice(10_000, `bench ${i}`)).bolt11, payments);
    const figures: Figure[] = [
      { name: 'ln: Coffer -> lnd payments/s, one at a time', value: seq, unit: 'pay/s', note: `${payments} payments` },
      { name: 'ln: Coffer -> lnd payments/s, 20 in flight', value: par, unit: 'pay/s' },
    ];
    report(figures);
    // Every payment reached lnd: its side of the channel holds them all once the last update is signed.
    const held = async () => Number((await l!.listChannels()).find((c) => c.channel_point.startsWith(fundingTxid))!.local_balance);
    await waitFor(async () => (await held()) === (2 * payments * 10_000) / 1000, 30_000, `lnd holding all ${2 * payments} payments`);
    fs.rmSync(a.dir, { recursive: true, force: true });
    return figures;
  } catch (e) {
    console.log(`lnd channel bench failed; Coffer data directory kept: ${a?.dir ?? '-'}; lnd's last lines:\n${l?.log().slice(-3000) ?? ''}`);
    throw e;
  } finally {
    if (a) await stopDaemon(a, 'SIGKILL');
    await l?.close();
    await b.close();
  }
}
