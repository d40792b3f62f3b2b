// Reorgs: two partitioned bcoin nodes build competing branches; the wallet follows the most work,
// rolls confirmations back, and confirms again when the transaction is mined on the winning branch.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { startNode, waitForSameTip, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
let a: RegtestNode;
let b: RegtestNode;

beforeAll(async () => {
  [a, b] = await Promise.all([startNode(), startNode()]);
  await a.connect(b);
  await a.fund();
  await waitForSameTip([a, b]);
});
afterAll(async () => Promise.all([a?.close(), b?.close()]));

describe('reorgs', () => {
  it('the more-work branch wins; a transaction only on the losing branch stops counting as confirmed', async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
    const sync = async (...peers: RegtestNode[]) => {
      const r = await run(['sync', ...peers.flatMap((p) => ['--connect', p.address]), '--mempool-wait', '0']);
      expect(r.code, r.stderr).toBe(0);
      return r.json;
    };
    await run(['wallet', 'create']);
    const { address } = (await run(['wallet', 'address'])).json;

    await a.disconnect(b);
    const txid = await a.send(address, 200_000);
    const hex = await a.getRawTransaction(txid);
    await a.mine(1);
    const onA = await sync(a);
    expect(onA.tipHash).toBe(a.tipHash());
    expect(onA.balance).toEqual({ confirmed: 200_000, unconfirmed: 0 });
    const height = a.tipHeight();
    expect((await run(['wallet', 'history'])).json[0]).toMatchObject({ txid, confirmations: 1, blockHeight: height });

    // B builds a longer branch without the transaction; the wallet sees both and takes B's.
    await b.mine(3);
    const both = await sync(a, b);
    expect(both.tipHash).toBe(b.tipHash());
    expect(both.tipHeight).toBe(height + 2);
    expect(both.balance).toEqual({ confirmed: 0, unconfirmed: 200_000 });
    expect((await run(['wallet', 'history'])).json[0]).toMatchObject({ txid, confirmations: 0, blockHeight: null });

    // The partition heals; the transaction is mined again on the winning branch.
    await a.connect(b);
    await waitForSameTip([a, b]);
    if (!a.mempool().includes(txid)) await a.submitTransaction(hex);
    await a.mine(2);
    const healed = await sync(a);
    expect(healed.balance).toEqual({ confirmed: 200_000, unconfirmed: 0 });
    expect((await run(['wallet', 'history'])).json[0]).toMatchObject({ txid, confirmations: 2, blockHeight: height + 3 });
  });

  it('a deep reorg of 30 blocks while the wallet watches', async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
    const sync = async (...peers: RegtestNode[]) => (await run(['sync', ...peers.flatMap((p) => ['--connect', p.address]), '--mempool-wait', '0'])).json;
    await run(['wallet', 'create']);
    const { address } = (await run(['wallet', 'address'])).json;
    await a.disconnect(b);
    await a.send(address, 70_000);
    await a.mine(30);
    expect((await sync(a)).balance.confirmed).toBe(70_000);
    await b.mine(35);
    const r = await sync(b);
    expect(r.tipHash).toBe(b.tipHash());
    expect(r.balance).toEqual({ confirmed: 0, unconfirmed: 70_000 });
    await a.connect(b);
    await waitForSameTip([a, b]);
  });
});
