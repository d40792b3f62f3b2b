// Lying Electrum servers (test/helpers/electrum-proxy.ts: a relay in front of a real ElectrumX that
// changes chosen answers): a wrong Merkle branch, a position that does not match, a CVE-2012-2459
// duplicate, headers without valid work, a withheld transaction, a server on a shorter chain and
// one whose certificate changed. Each is refused with a typed error and a log line, and the
// wallet's balance never includes the unproven payment.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startElectrumProxy, type Tamper } from '../helpers/electrum-proxy.js';
import { selfSignedCert, startElectrumX, type ElectrumX } from '../helpers/electrumx.js';
import { startMicrosocks } from '../helpers/microsocks.js';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { ElectrumClient, parseServerUrl } from '../../src/node/electrum/client.js';
import { tmpDir } from '../helpers/tmp.js';
import { env, fundedNode } from './backend-suite.js';

const node = fundedNode();
let x: ElectrumX;
/** The payment to the wallet, confirmed in the node's last block. */
let paid: string;
const dir = tmpDir();

const run = (server: string, args: string[], d = dir) => coffer(['--datadir', d, '--network', 'regtest', '--backend', 'electrum', '--server', server, ...args], { env });
const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};
/** A copy of the wallet's data directory (its own pins and logs). */
const tmpCopy = () => {
  const d = tmpDir();
  fs.cpSync(dir, d, { recursive: true });
  return d;
};
const log = (d = dir) => fs.readFileSync(path.join(d, 'regtest', 'logs', 'coffer.log'), 'utf8');

beforeAll(async () => {
  x = await startElectrumX(node());
  ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env }));
  const { address } = ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'address'], { env }));
  paid = await node().send(address, 250_000);
  await node().mine(1);
  await x.caughtUp(node());
});
afterAll(async () => x?.close());

/** A sync through a relay that lies with `tamper`: its failure, and the balance the wallet kept. */
async function lied(tamper: Tamper, d = dir): Promise<{ r: RunResult; balance: { confirmed: number; unconfirmed: number }; lies: number }> {
  const proxy = await startElectrumProxy({ upstreamPort: x.tcpPort, tamper });
  try {
    const r = await run(proxy.url, ['sync', '--mempool-wait', '0'], d);
    const balance = ok(await coffer(['--datadir', d, '--network', 'regtest', 'wallet', 'balance'], { env }));
    return { r, balance, lies: proxy.lies };
  } finally {
    await proxy.close();
  }
}

const proofOf = (asked: { method: string; params: unknown[] }) => asked.method === 'blockchain.transaction.get_merkle' && asked.params[0] === paid;

describe('lying Electrum servers', () => {
  it('a wrong Merkle branch: refused, the server dropped, the payment not counted', async () => {
    const { r, balance, lies } = await lied((asked, result) => {
      if (!proofOf(asked)) return undefined;
      const p = result as { merkle: string[] };
      return { ...p, merkle: p.merkle.map((m, i) => (i === 0 ? `${m[0] === '0' ? '1' : '0'}${m.slice(1)}` : m)) };
    });
    expect(lies).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: backend-error: The Electrum server tcp://127\\.0\\.0\\.1:\\d+'s proof of ${paid} at height \\d+ is refused: The merkle proof is invalid: the branch does not lead to the expected merkle root\\.`));
    expect(balance).toMatchObject({ confirmed: 0, unconfirmed: 0 });
    expect(log()).toContain('"electrum.server-dropped"');
  });

  it('a position that does not match the branch, and a node paired with a copy of itself (CVE-2012-2459): refused', async () => {
    const moved = await lied((asked, result) => (proofOf(asked) ? { ...(result as object), pos: (result as { pos: number }).pos ^ 1 } : undefined));
    expect(moved.r.stderr).toMatch(/^error: backend-error: .* is refused: The merkle proof is invalid/);
    expect(moved.balance).toMatchObject({ confirmed: 0 });
    const doubled = await lied((asked, result) => (proofOf(asked) ? { ...(result as object), pos: 1, merkle: [paid, ...(result as { merkle: string[] }).merkle.slice(1)] } : undefined));
    expect(doubled.r.stderr).toMatch(/^error: backend-error: .* is refused: The merkle proof is invalid: a node is paired with a copy of itself on its left \(CVE-2012-2459\)\./);
    expect(doubled.balance).toMatchObject({ confirmed: 0 });
  });

  it('the branch of another transaction of the same block: refused, nothing counted', async () => {
    const block = parseBlock(Buffer.from(await node().getBlock(node().tipHash()), 'hex'));
    const coinbase = hashToHex(block.txs[0]!.txid);
    const c = await ElectrumClient.connect(parseServerUrl(x.tcpUrl));
    const theirs = await c.request('blockchain.transaction.get_merkle', [coinbase, node().tipHeight()]).finally(() => c.close());
    const { r, balance, lies } = await lied((asked) => (proofOf(asked) ? theirs : undefined));
    expect(lies).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^error: backend-error: .* is refused: The merkle proof is invalid/);
    expect(balance).toMatchObject({ confirmed: 0 });
  });

  it('a withheld transaction: refused with the server\'s answer, nothing counted', async () => {
    const { r, balance } = await lied((asked) => (asked.method === 'blockchain.transaction.get' && asked.params[0] === paid ? { error: { code: 2, message: 'no such transaction' } } : undefined));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backend-error: The Electrum server answered blockchain\.transaction\.get with: no such transaction/);
    expect(balance).toMatchObject({ confirmed: 0 });
  });

  it('headers without valid work: the chain refused at that height, the server dropped', async () => {
    const fresh = tmpDir();
    ok(await coffer(['--datadir', fresh, '--network', 'regtest', 'wallet', 'create'], { env }));
    const { r } = await lied((asked, result) => {
      if (asked.method !== 'blockchain.block.headers') return undefined;
      const hex = (result as { hex: string }).hex;
      // The last header's nBits (bytes 72..76) made a harder target than regtest's: its hash misses it.
      const at = hex.length - 160 + 144;
      return { ...(result as object), hex: hex.slice(0, at) + '0000001d' + hex.slice(at + 8) };
    }, fresh);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backend-error: The Electrum server tcp:\/\/127\.0\.0\.1:\d+'s chain breaks Coffer's rules at height \d+: /);
    expect(log(fresh)).toContain('"electrum.server-dropped"');
  });

  it('a server on a shorter chain is dropped; the sync goes on with the one on the best chain', async () => {
    const tip = node().tipHeight();
    const short = await startElectrumProxy({
      upstreamPort: x.tcpPort,
      tamper: (asked, result) => (asked.method === 'blockchain.headers.subscribe' ? { ...(result as object), height: tip - 3 } : undefined),
    });
    try {
      const s = ok(await run(short.url, ['--server', x.tcpUrl, 'sync', '--mempool-wait', '0']));
      expect(s.tipHeight).toBe(tip);
      expect(s.balance).toEqual({ confirmed: 250_000, unconfirmed: 0 });
      expect(log()).toMatch(new RegExp(`"electrum.server-dropped".*tcp://127\\.0\\.0\\.1:${short.port}.*shorter chain`));
    } finally {
      await short.close();
    }
  });

  it('through a SOCKS5 proxy (Debian\'s microsocks): the server named to the proxy, the payment proven', async () => {
    const proxy = await startMicrosocks();
    try {
      const s = ok(await run(x.sslUrl, ['--proxy', proxy.url, 'sync', '--mempool-wait', '0'], tmpCopy()));
      expect(s.balance).toEqual({ confirmed: 250_000, unconfirmed: 0 });
      expect(proxy.log()).toContain(`connected to 127.0.0.1:${x.sslPort}`);
    } finally {
      await proxy.close();
    }
  });

  it('a server whose certificate changed since it was pinned is refused', async () => {
    const certs = tmpDir();
    const first = selfSignedCert(certs, 'first');
    const second = selfSignedCert(certs, 'second');
    const a = await startElectrumProxy({ upstreamPort: x.tcpPort, tamper: () => undefined, tls: first });
    ok(await run(a.url, ['sync', '--mempool-wait', '0']));
    const port = a.port;
    await a.close();
    const b = await startElectrumProxy({ upstreamPort: x.tcpPort, tamper: () => undefined, tls: second, port });
    try {
      const r = await run(b.url, ['sync', '--mempool-wait', '0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error: backend-error: The Electrum server ssl://127\\.0\\.0\\.1:${port} shows another TLS certificate \\(SHA-256 ${second.fingerprint.slice(0, 16)}…\\) than the one pinned on first use \\(${first.fingerprint.slice(0, 16)}…\\)`));
    } finally {
      await b.close();
    }
  });
});
