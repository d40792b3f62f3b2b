// The daemon's control endpoint: the core's API over HTTP on 127.0.0.1, for the `coffer` command
// on the same machine. Like bitcoind's, access is by a cookie file: a random secret written
// owner-only next to the wallet at start and removed at stop, so only the user who can read the
// wallet's folder can drive the daemon. The address is in daemon.json beside it.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { PSBT_BASE64_MAX } from '../api/contract.js';
import { CofferError, unwrap, type Result } from '../api/errors.js';
import type { Network } from '../keys/networks.js';
import { networkPaths } from './datadir.js';
import { readTextFile } from './files.js';

const HOST = '127.0.0.1';
/** A call's JSON: a PSBT of the largest size the contract takes (base64), and room for the rest. */
const MAX_BODY = PSBT_BASE64_MAX + 1024 * 1024;

export interface ControlCore {
  call(method: unknown, params: unknown): Promise<unknown>;
}

export interface DaemonFiles {
  cookie: string;
  info: string;
}

export function daemonFiles(datadir: string, network: Network): DaemonFiles {
  const dir = networkPaths(datadir, network).dir;
  return { cookie: path.join(dir, 'daemon.cookie'), info: path.join(dir, 'daemon.json') };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

/** Serve `core` until closed; writes the cookie and daemon.json, removes them on close. */
export async function startControl(core: ControlCore, datadir: string, network: Network): Promise<ControlServer> {
  const files = daemonFiles(datadir, network);
  const secret = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${secret}`);
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const auth = Buffer.from(req.headers.authorization ?? '');
    // No browser may reach this: no CORS, and a page cannot set the Authorization header without one.
    if (req.headers.origin !== undefined) return reply(403, { ok: false, error: { code: 'usage', message: 'Browsers may not call the daemon.' } });
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return reply(401, { ok: false, error: { code: 'usage', message: 'Wrong or missing cookie.' } });
    if (req.method !== 'POST' || req.url !== '/call') return reply(404, { ok: false, error: { code: 'usage', message: 'POST /call only.' } });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let call: unknown;
      try {
        call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { ok: false, error: { code: 'usage', message: 'The request is not JSON.' } });
      }
      // null, an array, a number or a string is not a call (reading `.method` of null crashed the daemon).
      if (typeof call !== 'object' || call === null || Array.isArray(call)) {
        return reply(400, { ok: false, error: { code: 'usage', message: 'The request must be a JSON object {"method", "params"}.' } });
      }
      const { method, params } = call as { method?: unknown; params?: unknown };
      core.call(method, params).then(
        (r) => reply(200, r),
        () => reply(500, { ok: false, error: { code: 'internal', message: 'An unexpected internal error occurred.' } }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new CofferError('port-unavailable', `The control port cannot be opened (${e.code ?? 'error'}).`)));
    server.listen(0, HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  fs.writeFileSync(files.cookie, secret, { mode: 0o600 });
  fs.writeFileSync(files.info, JSON.stringify({ port, pid: process.pid }), { mode: 0o600 });
  return {
    port,
    close: async () => {
      for (const f of [files.cookie, files.info]) fs.rmSync(f, { force: true });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The running daemon of this wallet, if its files are there. */
export function findDaemon(datadir: string, network: Network): { port: number; cookie: string } | undefined {
  const files = daemonFiles(datadir, network);
  try {
    const info = JSON.parse(readTextFile(files.info, 'state')) as { port?: unknown };
    const cookie = readTextFile(files.cookie, 'cookie').trim();
    if (typeof info.port !== 'number' || !/^[0-9a-f]{64}$/.test(cookie)) return undefined;
    return { port: info.port, cookie };
  } catch {
    return undefined;
  }
}

/** Call the daemon; its typed errors come back as CofferErrors. */
export async function callDaemon<T>(d: { port: number; cookie: string }, method: string, params: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`http://${HOST}:${d.port}/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.cookie}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, params }),
    });
  } catch {
    throw new CofferError('daemon-unavailable', 'The Coffer daemon does not answer; start it with `coffer daemon`.');
  }
  const body = (await res.json().catch(() => undefined)) as Result<T> | undefined;
  if (!body) throw new CofferError('daemon-unavailable', 'The daemon sent an unreadable answer.');
  return unwrap(body, 'daemon-unavailable');
}
