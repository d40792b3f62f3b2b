// Payments with many outputs to the wallet, through the app's core over BIP37 (a long-lived peer
// connection, as in the app): 1,700 outputs to one address and 600 spread over 600 handed-out
// addresses in one transaction each are all seen unconfirmed, then confirmed, none lost.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Result } from '../../src/api/errors.js';
import { Core } from '../../src/service/core.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const SATS = 10_000;
let node: RegtestNode;
let core: Core;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  core = new Core(tmpDir());
  await core.start();
});
afterAll(async () => {
  await core?.stop();
  await node?.close();
});

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = (await core.call(method as never, params as never)) as Result<T>;
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

it('every output of two wide payments reaches the wallet, unconfirmed and then confirmed', async () => {
  await call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: 'correct horse battery', backend: { kind: 'spv', connect: [node.address] } });
  const addresses: string[] = [];
  for (let i = 0; i < 600; i++) addresses.push((await call<{ address: string }>('wallet.address', {})).address);
  await node.sendMany(Array.from({ length: 1_700 }, () => ({ address: addresses[0]!, sats: SATS })));
  await node.sendMany(addresses.map((address) => ({ address, sats: SATS })));
  const total = 2_300 * SATS;
  const summary = () => call<{ confirmed: number; unconfirmed: number }>('wallet.summary', {});
  await waitFor(async () => (await summary()).unconfirmed === total, 30_000, 'both payments unconfirmed');
  await node.mine(1);
  await waitFor(async () => (await summary()).confirmed === total, 30_000, 'both payments confirmed');
  expect(await call<unknown[]>('wallet.utxos', {})).toHaveLength(2_300);
  expect(await call<unknown[]>('wallet.history', {})).toHaveLength(2);
});
