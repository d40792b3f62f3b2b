// The browser shell: serves the built renderer and the core's API (a WebSocket) on 127.0.0.1,
// to a browser holding this launch's random token. Anything else on the machine, any web page
// and any other origin is refused.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseCallMessage, type CofferEvent, type CoreMessage } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { openRegularFile } from '../service/files.js';

const HOST = '127.0.0.1';
/** labels.import takes up to 10 MiB of text; nothing else comes close. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** What the shell needs from the core: calls and events (the Core class, or a fake in tests). */
export interface CoreLike {
  call(method: unknown, params: unknown): Promise<unknown>;
  on(event: 'event', listener: (e: CofferEvent) => void): unknown;
  off(event: 'event', listener: (e: CofferEvent) => void): unknown;
}

export interface ShellOptions {
  core: CoreLike;
  /** The built renderer (index.html and assets/). */
  staticDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface Shell {
  /** The address to open: carries the token; the page trades it for a cookie and drops it from the URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export function csp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ws://${HOST}:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** A static file to serve: a regular file of bounded size, opened once (no check-then-open), or undefined. */
function openStatic(file: string): { fd: number; size: number } | undefined {
  try {
    return openRegularFile(file, 'static');
  } catch {
    return undefined;
  }
}

export async function startShell(opts: ShellOptions): Promise<Shell> {
  const staticDir = path.resolve(opts.staticDir);
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new CofferError('file-unreadable', `The Coffer UI is not built (${staticDir} has no index.html); run \`npm run build\`.`);
  }
  const token = randomBytes(32).toString('base64url');
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = 0;
  // Cookies are per host, not per port: the name carries the port so two shells do not clash.
  const cookie = () => `coffer-${port}`;
  const origin = () => `http://${HOST}:${port}`;
  /** The Host header guards against DNS rebinding: a foreign name resolving to 127.0.0.1. */
  const rightHost = (req: http.IncomingMessage) => req.headers.host === `${HOST}:${port}`;
  const authorised = (req: http.IncomingMessage, url: URL) =>
    sameSecret(url.searchParams.get('token') ?? undefined, token) || sameSecret(cookieValue(req.headers.cookie, cookie()), token);

  const parseUrl = (req: http.IncomingMessage): URL | undefined => {
    try {
      return new URL(req.url ?? '/', origin());
    } catch {
      return undefined;
    }
  };

  server.on('request', (req, res) => {
    const refuse = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${text}\n`);
    };
    const url = parseUrl(req);
    if (!url) return refuse(400, 'Bad request.');
    if (!rightHost(req)) return refuse(421, `Coffer answers only at ${origin()}.`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    if (!authorised(req, url)) return refuse(403, 'Open the address `coffer serve` printed: it carries the access token of this launch.');
    if (url.searchParams.has('token')) {
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${cookie()}=${token}; Path=/; HttpOnly; SameSite=Strict`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      return res.end();
    }
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      return refuse(400, 'Bad path.');
    }
    const file = path.resolve(staticDir, rel);
    const opened = file.startsWith(staticDir + path.sep) ? openStatic(file) : undefined;
    if (!opened) return refuse(404, 'Not found.');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp(port),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': rel === 'index.html' ? 'no-store' : 'private, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') return void (fs.closeSync(opened.fd), res.end());
    fs.createReadStream('', { fd: opened.fd, end: Math.max(0, opened.size - 1) }).pipe(res);
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = parseUrl(req);
    const ok = url !== undefined && url.pathname === '/api' && rightHost(req) && req.headers.origin === origin() && authorised(req, url);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, opts.core));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CofferError('port-unavailable', `Port ${opts.port ?? 0} on ${HOST} cannot be used (${e.code ?? 'error'}); pick another with --port.`)),
    );
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `${origin()}/?token=${token}`,
    port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serveClient(ws: WebSocket, core: CoreLike): void {
  const send = (m: CoreMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const onEvent = (event: CofferEvent) => send({ event });
  core.on('event', onEvent);
  ws.on('close', () => core.off('event', onEvent));
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => {
    let call;
    try {
      call = isBinary ? undefined : parseCallMessage(JSON.parse(data.toString()));
    } catch {
      call = undefined;
    }
    if (!call) {
      ws.close(1008, 'malformed message');
      return;
    }
    const id = call.id;
    void core.call(call.method, call.params).then((reply) => send({ id, reply: reply as Extract<CoreMessage, { id: number }>['reply'] }));
  });
}
