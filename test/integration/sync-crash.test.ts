// A sync killed at any moment loses nothing: after a restart the wallet matches what the chain says.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
let node: RegtestNode;
let pristine: string;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  pristine = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', pristine, '--network', 'regtest', ...args], { env });
  await run(['wallet', 'create']);
  // Twelve receives spread over ~1,500 blocks so that a sync takes long enough to interrupt.
  for (let i = 0; i < 12; i++) {
    const { address } = (await run(['wallet', 'address'])).json;
    await node.send(address, 10_000 * (i + 1));
    await node.mine(120);
  }
}, 120_000);
afterAll(async () => node?.close());

function copy(): string {
  const dir = tmpDir();
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
}

const sync = (dir: string, extra: { env?: Record<string, string>; killAfterMs?: number } = {}) =>
  coffer(['--datadir', dir, '--network', 'regtest', 'sync', '--connect', node.address, '--mempool-wait', '0'], {
    env: { ...env, ...extra.env },
    ...(extra.killAfterMs !== undefined ? { killAfterMs: extra.killAfterMs } : {}),
  });
const state = async (dir: string) => ({
  balance: (await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'balance'], { env })).json,
  history: (await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'history'], { env })).json,
});

describe('crash safety of sync', () => {
  it('killed at random moments and at a crash point, then restarted: same wallet as one clean sync', async () => {
    const reference = copy();
    const clean = await sync(reference);
    expect(clean.code, clean.stderr).toBe(0);
    const expected = await state(reference);
    expect(expected.history).toHaveLength(12);
    expect(expected.balance.confirmed).toBe(780_000);

    const dir = copy();
    const outcomes: string[] = [];
    for (const delay of [250, 400, 600, 900, 1300]) {
      const r = await sync(dir, { killAfterMs: delay });
      outcomes.push(r.signal ?? `exit ${r.code}`);
      // Whatever was committed is a consistent prefix: never more than the chain holds.
      const mid = await state(dir);
      expect(mid.balance.unconfirmed).toBe(0);
      expect(mid.balance.confirmed).toBeLessThanOrEqual(780_000);
      for (const h of mid.history) expect(expected.history).toContainEqual(expect.objectContaining({ txid: h.txid, amount: h.amount }));
    }
    const point = await sync(dir, { env: { COFFER_FAULT: 'sync:blocks-committed' } });
    outcomes.push(point.signal ?? `exit ${point.code}`);
    expect(outcomes).toContain('SIGKILL');
    const final = await sync(dir);
    expect(final.code, final.stderr).toBe(0);
    expect(await state(dir)).toEqual(expected);
  });
});
