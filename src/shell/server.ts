// The browser shell: serves the built renderer and the core's API (a WebSocket) on 127.0.0.1,
// under a random host name of this launch (coffer-<random>.localhost, which browsers resolve to
// loopback), to the one browser that traded the single-use launch token for a session cookie.
// Anything else on the machine, any web page and any other origin is refused.

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
/** Session cookie name; the cookie is host-only, so it goes to this launch's random host alone. */
const COOKIE = 'coffer-session';
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
  /**
   * The address to open: this launch's host name and its single-use launch token; the first visit
   * trades the token for a session cookie and drops it from the URL.
   */
  url: string;
  /** The origin the UI runs at, http://coffer-<random>.localhost:<port>. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export function csp(origin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${origin.replace(/^http:/, 'ws:')}`,
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
  // Cookies are scoped by host, not by port: a cookie for 127.0.0.1 or localhost would also go to
  // every other local service the browser visits. A host name nobody else knows keeps it ours.
  const host = `coffer-${randomBytes(12).toString('hex')}.localhost`;
  /** Good for one visit: a URL seen twice (shell history, a screen share) opens nothing. */
  let launchToken: string | undefined = randomBytes(32).toString('base64url');
  const printedToken = launchToken;
  const session = randomBytes(32).toString('base64url');
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = 0;
  const origin = () => `http://${host}:${port}`;
  /** The Host header guards against DNS rebinding: a foreign name resolving to 127.0.0.1. */
  const rightHost = (req: http.IncomingMessage) => req.headers.host === `${host}:${port}`;
  const hasSession = (req: http.IncomingMessage) => sameSecret(cookieValue(req.headers.cookie, COOKIE), session);

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
    const redirectHome = (cookie?: string) => {
      res.writeHead(303, { location: '/', ...(cookie ? { 'set-cookie': cookie } : {}), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end();
    };
    const url = parseUrl(req);
    if (!url) return refuse(400, 'Bad request.');
    // Never name the host here: whoever knows it could have the browser send the cookie elsewhere.
    if (!rightHost(req)) return refuse(421, 'Coffer answers only at the address `coffer serve` printed.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    if (url.searchParams.has('token')) {
      // The launch URL: its token is traded once for the session cookie. A browser that already
      // holds the session (the URL opened again in it) goes on to the app.
      if (hasSession(req)) return redirectHome();
      if (launchToken === undefined || !sameSecret(url.searchParams.get('token') ?? undefined, launchToken)) {
        return refuse(403, 'This access token is not valid or was already used: each address `coffer serve` prints opens Coffer once. Restart `coffer serve` for a new one.');
      }
      launchToken = undefined;
      return redirectHome(`${COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`);
    }
    if (!hasSession(req)) return refuse(403, 'Open the address `coffer serve` printed: it carries the access token of this launch.');
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
      'content-security-policy': csp(origin()),
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
    // The session cookie only: the launch token opens no socket, even before it is used.
    const ok = url !== undefined && url.pathname === '/api' && rightHost(req) && req.headers.origin === origin() && hasSession(req);
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
    url: `${origin()}/?token=${printedToken}`,
    origin: origin(),
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
