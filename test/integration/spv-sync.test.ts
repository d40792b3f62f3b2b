// SPV sync against a real bcoin regtest node: receive unconfirmed, confirm with a proof,
// balance and history, restart without re-downloading, restore from a birthday past the gap.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { coffer } from '../helpers/cli.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
let node: RegtestNode;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => node?.close());

function cli(dir: string) {
  return (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
}

async function sync(run: ReturnType<typeof cli>, mempoolWait = '2') {
  const r = await run(['sync', '--connect', node.address, '--mempool-wait', mempoolWait]);
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

describe('SPV sync', () => {
  it('syncs past segwit activation; a receive is unconfirmed, then confirmed with depth', async () => {
    const dir = tmpDir();
    const run = cli(dir);
    expect((await run(['wallet', 'create'])).code).toBe(0);
    const { address } = (await run(['wallet', 'address'])).json;
    const txid = await node.send(address, 150_000);

    const first = await sync(run);
    expect(first.tipHeight).toBe(node.tipHeight());
    expect(first.tipHeight).toBeGreaterThan(432);
    expect(first.tipHash).toBe(node.tipHash());
    expect(first.balance).toEqual({ confirmed: 0, unconfirmed: 150_000 });
    expect((await run(['wallet', 'history'])).json).toEqual([{ txid, amount: 150_000, confirmations: 0, blockHeight: null }]);

    await node.mine(3);
    const second = await sync(run, '0');
    expect(second.balance).toEqual({ confirmed: 150_000, unconfirmed: 0 });
    const history = (await run(['wallet', 'history'])).json;
    expect(history).toEqual([{ txid, amount: 150_000, confirmations: 3, blockHeight: node.tipHeight() - 2 }]);
    expect((await run(['wallet', 'balance'])).json).toEqual({ confirmed: 150_000, unconfirmed: 0 });

    // A restart resumes from the stored headers: nothing new, nothing rewritten.
    const headers = path.join(dir, 'regtest', 'headers.bin');
    const before = fs.statSync(headers);
    const third = await sync(run, '0');
    expect(third.tipHash).toBe(second.tipHash);
    expect(fs.statSync(headers).mtimeMs).toBe(before.mtimeMs);
    expect(fs.statSync(headers).size).toBe(node.tipHeight() * 80);
  });

  it('restore with a birthday finds funds far beyond the first 20 addresses and on other scripts', async () => {
    const dir = tmpDir();
    const run = cli(dir);
    const created = await run(['wallet', 'create']);
    const mnemonic: string = created.json.mnemonic;
    const receive = created.json.descriptors.find((d: { internal: boolean }) => !d.internal).desc;
    const deriver = new ScriptDeriver(parseDescriptor(receive, 'regtest'), 'regtest');
    const at = (i: number) => scriptToAddress(deriver.scriptAt(i), 'regtest')!;
    const birthday = node.tipHeight();
    // Each used address is within 20 of the previous one: 0, 15, 30, 45, 60 (one block),
    // then 75 in a later block.
    await node.sendMany([0, 15, 30, 45, 60].map((i) => ({ address: at(i), sats: 10_000 + i })));
    await node.mine(1);
    await node.send(at(75), 20_000);
    await node.mine(2);

    const restored = tmpDir();
    fs.writeFileSync(path.join(restored, 'words'), mnemonic);
    const r2 = cli(restored);
    const r = await r2(['wallet', 'restore', '--mnemonic-file', path.join(restored, 'words'), '--birthday', String(birthday)]);
    expect(r.code, r.stderr).toBe(0);
    const s = await sync(r2, '0');
    const expected = [0, 15, 30, 45, 60].reduce((n, i) => n + 10_000 + i, 0) + 20_000;
    expect(s.balance).toEqual({ confirmed: expected, unconfirmed: 0 });
    expect((await r2(['wallet', 'history'])).json).toHaveLength(2);
    // Only the used script type is kept after the first full scan.
    expect((await r2(['wallet', 'descriptors'])).json).toHaveLength(2);
    const next = (await r2(['wallet', 'address'])).json;
    expect(next.index).toBe(76);
  });
});
