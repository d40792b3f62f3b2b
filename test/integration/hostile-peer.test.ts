// Hostile peers next to an honest bcoin node: the client bans each, stays on the honest chain,
// finishes the sync, and never crashes.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { startHostilePeer, type HostileMode } from '../helpers/hostile-peer.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
let node: RegtestNode;
let funded: { dir: string; address: string };

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => node?.close());

async function wallet(): Promise<{ dir: string; address: string }> {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
  await run(['wallet', 'create']);
  return { dir, address: (await run(['wallet', 'address'])).json.address };
}

const MODES: [HostileMode, RegExp][] = [
  ['bad-pow', /proof of work/],
  ['broken-chain', /previous hash/],
  ['unconnected', /do not connect/],
  ['oversized', /length|payload|large/i],
  ['garbage', /magic/],
  ['bad-merkleblock', /merkle root mismatch/],
  ['wrong-block', /did not ask for/],
];

describe('hostile peers', () => {
  beforeAll(async () => {
    funded = await wallet();
    await node.send(funded.address, 123_456);
    await node.mine(1);
  });

  for (const [mode, reason] of MODES) {
    it(`${mode}: banned, and the sync completes on the honest chain`, async () => {
      const hostile = await startHostilePeer({
        mode,
        startHeight: node.tipHeight() + 100,
        headerOf: async (hash) => {
          const hex = Buffer.from(hash).reverse().toString('hex');
          return Uint8Array.from(Buffer.from((await node.getBlock(hex)).slice(0, 160), 'hex'));
        },
      });
      try {
        // A copy of a funded wallet that has never synced: every run scans from its birthday.
        const target = tmpDir();
        fs.cpSync(funded.dir, target, { recursive: true });
        const r = await coffer(
          ['--datadir', target, '--network', 'regtest', 'sync', '--connect', hostile.address, '--connect', node.address, '--mempool-wait', '0'],
          { env },
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.json.tipHash).toBe(node.tipHash());
        expect(r.json.tipHeight).toBe(node.tipHeight());
        expect(r.json.balance).toEqual({ confirmed: 123_456, unconfirmed: 0 });
        const log = fs.readFileSync(path.join(target, 'regtest', 'logs', 'coffer.log'), 'utf8');
        const bans = log.split('\n').filter((l) => l.includes('"p2p.ban"') && l.includes(hostile.address));
        expect(bans.length, `no ban for ${mode} in log`).toBeGreaterThan(0);
        expect(bans.join("\n"), bans.join("\n")).toMatch(reason);
        expect(hostile.connections).toBeGreaterThan(0);
        expect(hostile.closedByClient).toBe(hostile.connections);
        expect(node.isBanned()).toBe(false);
      } finally {
        await hostile.close();
      }
    });
  }

  it('a peer that announces a longer chain and sends no headers does not end the sync before the honest peer answers', async () => {
    // The honest node is reached through a relay that holds the connection for 1.5 s, so the
    // liar (wrong-block mode: it claims 100 blocks more and answers getheaders with nothing) is
    // always asked first, and its "nothing new" comes before the honest peer has connected.
    const hostile = await startHostilePeer({ mode: 'wrong-block', startHeight: node.tipHeight() + 100 });
    const [host, port] = node.address.split(':');
    const relay = net.createServer((client) => {
      client.pause();
      setTimeout(() => {
        const upstream = net.connect(Number(port), host, () => {
          client.pipe(upstream).pipe(client);
          client.resume();
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      }, 1_500);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    try {
      const target = tmpDir();
      fs.cpSync(funded.dir, target, { recursive: true });
      const relayAddress = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
      const r = await coffer(['--datadir', target, '--network', 'regtest', 'sync', '--connect', hostile.address, '--connect', relayAddress, '--mempool-wait', '0'], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.tipHash).toBe(node.tipHash());
      expect(r.json.balance).toEqual({ confirmed: 123_456, unconfirmed: 0 });
      const log = fs.readFileSync(path.join(target, 'regtest', 'logs', 'coffer.log'), 'utf8');
      expect(log).toMatch(new RegExp(`"chain.short-answer".*${hostile.address}`));
    } finally {
      relay.close();
      await hostile.close();
    }
  });
});
