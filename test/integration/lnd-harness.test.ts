// The lnd harness itself: two lnd nodes on one btcd (RPC over TLS), funded from the miner's
// coinbases; connect, a channel, an invoice and a keysend paid, a cooperative close; a restart
// on the same directory; close() removes everything.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { minerCoins } from '../helpers/btcd-coins.js';
import { startLnd, type LndNode } from '../helpers/lnd.js';
import { waitFor } from '../helpers/regtest.js';

let b: BtcdNode;
let x: LndNode;
let y: LndNode;

beforeAll(async () => {
  b = await startBtcd({ tls: true });
  await b.mine(101);
  [x, y] = await Promise.all([startLnd(b), startLnd(b)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([x?.close(), y?.close()]);
  await b?.close();
});

describe('lnd harness', () => {
  it('funds lnd from a coinbase and sees it at btcd\'s tip', async () => {
    const address = await x.newAddress();
    expect(address).toMatch(/^bcrt1q/);
    await minerCoins(b).pay([{ address, sats: 2_000_000 }]);
    await b.mine(1);
    await x.waitSynced();
    await waitFor(async () => (await x.balance()).confirmed === 2_000_000, 30_000, 'lnd\'s confirmed balance');
  }, 60_000);

  it('opens a channel, pays an invoice and a keysend over it, and closes it cooperatively', async () => {
    await x.connect(y.uri);
    const { channelPoint } = await x.openChannel({ pubkey: y.pubkey, sats: 500_000 });
    await b.mine(1);
    for (const n of [x, y]) await waitFor(async () => (await n.listChannels()).some((c) => c.channel_point === channelPoint && c.active), 30_000, 'the channel active on both sides');
    const invoice = await y.addInvoice(10_000_000, 'harness');
    const paid = await x.payInvoice(invoice.bolt11);
    expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
    expect(paid.payment_hash).toBe(invoice.paymentHash);
    expect(await y.invoiceState(invoice.paymentHash)).toBe('SETTLED');
    expect((await x.keysend(y.pubkey, 5_000_000)).status).toBe('SUCCEEDED');
    await waitFor(async () => (await y.listChannels())[0]?.local_balance === '15000', 10_000, 'y holding 15,000 sats');

    const closing = await x.closeChannel(channelPoint);
    await waitFor(async () => (await b.rpc<string[]>('getrawmempool')).includes(closing), 20_000, 'the closing transaction');
    await b.mine(1);
    await Promise.all([x.waitSynced(), y.waitSynced()]);
    await waitFor(async () => (await y.balance()).confirmed === 15_000, 30_000, 'y\'s share on chain');
    expect(await x.listChannels()).toEqual([]);
  }, 120_000);

  it('restarts on the same directory with the same identity and funds; close() removes the directory', async () => {
    const before = await x.balance();
    await x.stop();
    await x.start();
    expect((await x.rest('GET', '/v1/getinfo')).identity_pubkey).toBe(x.pubkey);
    expect(await x.balance()).toEqual(before);
    await x.close();
    await x.close();
    expect(fs.existsSync(x.dir)).toBe(false);
  }, 90_000);
});
