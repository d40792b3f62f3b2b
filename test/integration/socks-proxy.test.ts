// The light client through a real SOCKS5 proxy (Debian's microsocks) in front of btcd: a wallet
// syncs through it with the peer named by host name, and nothing bypasses it.
//
// How the test knows nothing went direct: microsocks binds its outgoing connections to 127.0.0.2,
// so btcd sees every proxied peer come from 127.0.0.2, while a direct connection from Coffer would
// come from 127.0.0.1. btcd logs each peer that completes the version handshake (Coffer uses no
// peer before that), and every such line must name 127.0.0.2. And with a proxy that refuses
// Coffer's login, the sync finds no peer and btcd sees none: no fallback to a direct connection.
// The app's way: a core whose light client setting names the proxy syncs through it.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendView } from '../../src/api/contract.js';
import { Core } from '../../src/service/core.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startMicrosocks, type Microsocks } from '../helpers/microsocks.js';
import { value } from '../helpers/result.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'proxy integration password' };
const BLOCKS = 101;
const SUBSIDY_SAT = 5_000_000_000;

/** The peers btcd accepted (completed handshakes), as "IP:PORT". */
function btcdPeers(node: BtcdNode): string[] {
  const file = path.join(node.datadir, 'logs', 'regtest', 'btcd.log');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return [...text.matchAll(/New valid peer (\S+) \(inbound\)/g)].map((m) => m[1]!);
}

describe('the light client through a SOCKS5 proxy', () => {
  const dir = tmpDir();
  let node: BtcdNode;
  let proxy: Microsocks;
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
  const ok = (r: RunResult) => {
    expect(r.code, r.stderr).toBe(0);
    return r.json;
  };

  beforeAll(async () => {
    ok(await run(['wallet', 'create']));
    const { address } = ok(await run(['wallet', 'address'])) as { address: string };
    // One after the other: whichever started is stopped by afterAll even if the other fails.
    proxy = await startMicrosocks({ bind: '127.0.0.2' });
    node = await startBtcd({ miningAddress: address });
    await node.mine(BLOCKS);
  });
  afterAll(async () => {
    await Promise.all([node?.close(), proxy?.close()]);
  });

  it('refuses to fall back to a direct connection when the proxy refuses: no peer, and btcd saw none', async () => {
    const strict = await startMicrosocks({ user: 'someone', password: 'else' });
    try {
      const r = await run(['--connect', node.address, '--proxy', strict.url, 'sync', '--mempool-wait', '0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: no-peers: /);
      expect(btcdPeers(node)).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('syncs headers and the wallet through the proxy, the peer named to it by host name; every peer btcd saw came from the proxy', async () => {
    const r = ok(await run(['--connect', `localhost:${node.port}`, '--proxy', proxy.url, 'sync', '--mempool-wait', '0']));
    expect(r.tipHeight).toBe(BLOCKS);
    expect(r.tipHash).toBe(await node.getBlockHash(BLOCKS));
    // Every coinbase is the wallet's: one mature, the rest still immature.
    expect(r.balance.confirmed).toBe(SUBSIDY_SAT);
    expect(r.balance.confirmed + r.balance.immature).toBe(BLOCKS * SUBSIDY_SAT);
    // The host name went to the proxy (resolved there, not here).
    expect(proxy.log()).toContain(`connected to localhost:${node.port}`);
    const peers = btcdPeers(node);
    expect(peers.length).toBeGreaterThan(0);
    expect(peers.filter((p) => !p.startsWith('127.0.0.2:'))).toEqual([]);
  });

  it("syncs through the proxy the app's light client setting names", async () => {
    const through = () => proxy.log().split(`connected to localhost:${node.port}`).length - 1;
    const before = through();
    const core = new Core(tmpDir());
    await core.start();
    try {
      const backend = { kind: 'spv', connect: [`localhost:${node.port}`], proxy: proxy.url } as const;
      value(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: env.COFFER_PASSWORD, backend }));
      expect(value<{ backend: BackendView }>(await core.call('settings.get', {})).backend).toEqual(backend);
      value(await core.call('sync.now', {}));
      expect(value<{ tipHeight: number }>(await core.call('wallet.summary', {})).tipHeight).toBe(BLOCKS);
    } finally {
      await core.stop();
    }
    expect(through()).toBeGreaterThan(before);
    expect(btcdPeers(node).filter((p) => !p.startsWith('127.0.0.2:'))).toEqual([]);
  });
});
