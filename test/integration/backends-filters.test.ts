// The backend suite (backend-suite.ts) through the compact-filters client against btcd, over BIP324
// (btcd --v2transport, Coffer --v2) and through a real SOCKS5 proxy (Debian's microsocks, whose
// outgoing connections come from 127.0.0.2): every connection Coffer's log shows is v2, and every
// peer btcd accepted came through the proxy. Without --v2 the pinned btcd gets v1.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { startMicrosocks, type Microsocks } from '../helpers/microsocks.js';
import { tmpDir } from '../helpers/tmp.js';
import { backendSuite, env, fundedBtcd } from './backend-suite.js';

let proxy: Microsocks;
beforeAll(async () => {
  proxy = await startMicrosocks({ bind: '127.0.0.2' });
});
afterAll(async () => proxy?.close());

const node = fundedBtcd(['--v2transport']);
const dir = tmpDir();
backendSuite('filters', node, { on: 'btcd', dir, flags: () => ['--v2', '--proxy', proxy.url] });

/** The transports of the `p2p.connect` lines the log gained since `from` (its length then). */
function connections(from: number): { transports: string[]; end: number } {
  const text = fs.readFileSync(path.join(dir, 'regtest', 'logs', 'coffer.log'), 'utf8');
  const transports = text
    .slice(from)
    .split('\n')
    .filter((l) => l.includes('"p2p.connect"'))
    .map((l) => JSON.parse(l).transport as string);
  return { transports, end: text.length };
}

describe('the transport and the path of those connections', () => {
  it('every connection was v2, and every peer btcd accepted came from the proxy', () => {
    const { transports } = connections(0);
    expect(transports.length).toBeGreaterThanOrEqual(10);
    expect(new Set(transports)).toEqual(new Set(['v2']));
    const log = fs.readFileSync(path.join(node().btcd.datadir, 'logs', 'regtest', 'btcd.log'), 'utf8');
    const peers = [...log.matchAll(/New valid peer (\S+) \(inbound\)/g)].map((m) => m[1]!);
    expect(peers.length).toBeGreaterThanOrEqual(transports.length);
    expect(peers.filter((p) => !p.startsWith('127.0.0.2:'))).toEqual([]);
  });

  it('without --v2 the pinned node gets v1; --v2 is refused for the RPC backends and in the app\'s setting', async () => {
    const before = connections(0).end;
    const base = ['--datadir', dir, '--network', 'regtest'];
    const r = await coffer([...base, '--backend', 'filters', '--connect', node().address, 'sync', '--mempool-wait', '0'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(connections(before).transports).toEqual(['v1']);
    const rpc = await coffer([...base, '--backend', 'node', '--v2', 'sync'], { env });
    expect(rpc.code).not.toBe(0);
    expect(rpc.stderr).toMatch(/^error: usage: --v2 is for the light client's peers/);
    const setting = await coffer([...base, '--backend', 'filters', '--v2', '--connect', node().address, 'config', 'backend'], { env });
    expect(setting.code).not.toBe(0);
    expect(setting.stderr).toMatch(/^error: usage: the app's setting does not keep --v2/);
  });
});
