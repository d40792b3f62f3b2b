// Test harness: a real ElectrumX server (PyPI e-x 1.18.0, installed by scripts/electrumx.sh into
// .tools/electrumx/) in front of a bcoin regtest node, on 127.0.0.1 with TCP and TLS (a throwaway
// self-signed certificate made with openssl); temp dirs, always torn down.
//
//   const x = await startElectrumX(node);        // node: a RegtestNode (bcoin, txindex on)
//   x.tcpUrl / x.sslUrl                          // tcp://127.0.0.1:P, ssl://127.0.0.1:Q
//   await x.synced(node.tipHeight());            // ElectrumX has indexed up to that height
//   await x.close();
//
// Facts about ElectrumX 1.18.0 here: it polls its daemon (DAEMON_POLL_INTERVAL_BLOCKS, set to 100
// ms here); it refuses to run as root unless ALLOW_ROOT is set; peer discovery is off; the session
// cost limits are off (its throttling would make a test's many requests slow, not wrong). It holds
// a small answer up to a second (PaddedRSTransport.WAIT_FOR_BUFFER_GROWTH_SECONDS) to pad it with
// others against traffic analysis: the tests set that to 50 ms before starting the server, since a
// sync round's dependent requests each paid the second (the client pipelines what it can; the
// bench runs the server as shipped, `{ asShipped: true }`).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseTx } from '../../src/chain/tx.js';
import { scriptHash } from '../../src/node/electrum/source.js';
import { freePort, type RegtestNode } from './regtest.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TOOLS = path.join(path.basename(ROOT) === 'dist' ? path.dirname(ROOT) : ROOT, '.tools');
export const ELECTRUMX_BIN = process.env['COFFER_TEST_ELECTRUMX'] ?? path.join(TOOLS, 'electrumx', 'bin', 'electrumx_server');
const START_TIMEOUT_MS = 60_000;

export interface ElectrumX {
  readonly tcpPort: number;
  readonly sslPort: number;
  readonly tcpUrl: string;
  readonly sslUrl: string;
  /** SHA-256 of the TLS certificate (DER), hex. */
  readonly certFingerprint: string;
  /** Wait until the server's tip is at least `height`. */
  synced(height: number): Promise<void>;
  /** Wait until the server has the node's tip and every transaction of its mempool. */
  caughtUp(node: RegtestNode): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** A self-signed certificate for 127.0.0.1 and localhost (P-256), as PEM files in `dir`. */
export function selfSignedCert(dir: string, name = 'server'): { cert: string; key: string; fingerprint: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const fingerprint = new crypto.X509Certificate(fs.readFileSync(cert)).fingerprint256.replace(/:/g, '').toLowerCase();
  return { cert, key, fingerprint };
}

/** One JSON-RPC request over a fresh TCP connection (for the harness's own checks). */
async function ask<T>(port: number, method: string, params: unknown[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.setTimeout(5_000, () => s.destroy(new Error(`electrumx ${method}: timeout`)));
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      s.end();
      const msg = JSON.parse(buf.slice(0, nl)) as { result?: T; error?: { message: string } };
      if (msg.error) reject(new Error(`electrumx ${method}: ${msg.error.message}`));
      else resolve(msg.result as T);
    });
    s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) + '\n');
  });
}

/** Starts the server with its padding wait set to `padSeconds` (a knob of the shipped code, not a patch). */
const PADDED_START = [
  'import sys',
  'from electrumx.server.transport import PaddedRSTransport',
  'PaddedRSTransport.WAIT_FOR_BUFFER_GROWTH_SECONDS = float(sys.argv[1])',
  'from electrumx.cli.electrumx_server import main',
  'sys.exit(main())',
].join('\n');
const TEST_PAD_SECONDS = '0.05';

export async function startElectrumX(node: RegtestNode, opts: { asShipped?: boolean } = {}): Promise<ElectrumX> {
  if (!fs.existsSync(ELECTRUMX_BIN)) throw new Error(`ElectrumX is not installed (${ELECTRUMX_BIN}): run scripts/electrumx.sh (npm test runs it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-electrumx-'));
  const db = path.join(dir, 'db');
  fs.mkdirSync(db);
  const tls = selfSignedCert(dir);
  const [tcpPort, sslPort] = [await freePort(), await freePort()];
  const env = {
    PATH: process.env['PATH'] ?? '',
    ALLOW_ROOT: '1',
    COIN: 'Bitcoin',
    NET: 'regtest',
    DB_ENGINE: 'leveldb',
    DB_DIRECTORY: db,
    DAEMON_URL: `http://coffer:${node.apiKey}@127.0.0.1:${node.httpPort}/`,
    SERVICES: `tcp://127.0.0.1:${tcpPort},ssl://127.0.0.1:${sslPort}`,
    SSL_CERTFILE: tls.cert,
    SSL_KEYFILE: tls.key,
    PEER_DISCOVERY: 'off',
    PEER_ANNOUNCE: '',
    DAEMON_POLL_INTERVAL_BLOCKS: '100',
    DAEMON_POLL_INTERVAL_MEMPOOL: '100',
    COST_SOFT_LIMIT: '100000',
    COST_HARD_LIMIT: '1000000',
    REQUEST_SLEEP: '0',
    CACHE_MB: '100',
  };
  const [cmd, args] = opts.asShipped ? [ELECTRUMX_BIN, []] : [path.join(path.dirname(ELECTRUMX_BIN), 'python3'), ['-c', PADDED_START, TEST_PAD_SECONDS]];
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-16_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const tip = async () => (await ask<{ height: number }>(tcpPort, 'blockchain.headers.subscribe')).height;
  const synced = async (height: number, timeoutMs = START_TIMEOUT_MS) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`electrumx exited with ${child.exitCode}:\n${output}`);
      const h = await tip().catch(() => -1);
      if (h >= height) return;
      if (Date.now() > until) throw new Error(`electrumx did not reach height ${height} (at ${h}):\n${output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const inMempool = async (txid: string, script: Uint8Array) => {
    const list = await ask<{ tx_hash: string }[]>(tcpPort, 'blockchain.scripthash.get_mempool', [scriptHash(script)]);
    return list.some((e) => e.tx_hash === txid);
  };
  const caughtUp = async (n: RegtestNode) => {
    await synced(n.tipHeight());
    const until = Date.now() + START_TIMEOUT_MS;
    for (const txid of n.mempool()) {
      const tx = parseTx(Buffer.from(await n.getRawTransaction(txid), 'hex'));
      const script = tx.outputs[0]!.script;
      while (!(await inMempool(txid, script).catch(() => false))) {
        if (Date.now() > until) throw new Error(`electrumx does not show ${txid} in its mempool:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  try {
    await synced(node.tipHeight());
  } catch (e) {
    await close();
    throw e;
  }
  return {
    tcpPort,
    sslPort,
    tcpUrl: `tcp://127.0.0.1:${tcpPort}`,
    sslUrl: `ssl://127.0.0.1:${sslPort}`,
    certFingerprint: tls.fingerprint,
    synced,
    caughtUp,
    log: () => output,
    close,
  };
}
