// An Electrum protocol client: newline-delimited JSON-RPC 2.0 over TCP or TLS, optionally through
// a SOCKS5 proxy (Tor). TLS takes a certificate the system's CAs vouch for (and that names the
// host); any other certificate is pinned on first use, by its SHA-256, and refused if it changes,
// as Electrum does. Lines are capped; every failure is a typed error naming the server.

import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { CofferError } from '../../api/errors.js';
import { socks5Connect, type Socks5Proxy } from '../../p2p/socks5.js';

/** A server as `--server` names it: tcp://HOST:PORT or ssl://HOST:PORT. */
export interface ElectrumServer {
  host: string;
  port: number;
  tls: boolean;
}

/** The certificates pinned on first use, by server (`host:port`), SHA-256 of the DER, hex. */
export interface CertPins {
  get(server: string): string | undefined;
  set(server: string, fingerprint: string): void;
}

export interface ElectrumClientOptions {
  proxy?: Socks5Proxy;
  pins?: CertPins;
  /** Connecting (and the TLS handshake), and each request. */
  timeoutMs?: number;
}

/** The longest line taken from a server: a whole block's worth of transaction hex and some. */
const MAX_LINE = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export function serverName(s: ElectrumServer): string {
  return `${s.tls ? 'ssl' : 'tcp'}://${net.isIPv6(s.host) ? `[${s.host}]` : s.host}:${s.port}`;
}

export function parseServerUrl(text: string): ElectrumServer {
  const m = /^(tcp|ssl):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new CofferError('usage', `An Electrum server is written tcp://HOST:PORT or ssl://HOST:PORT, not "${text.slice(0, 100)}".`, { field: 'server' });
  return { tls: m[1] === 'ssl', host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout>; method: string };

export class ElectrumClient {
  readonly server: ElectrumServer;
  private readonly socket: net.Socket;
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((method: string, params: unknown[]) => void)[] = [];
  private nextId = 1;
  private buf = '';
  private closedWith: CofferError | undefined;

  private constructor(server: ElectrumServer, socket: net.Socket, timeoutMs: number) {
    this.server = server;
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(this.unavailable(`the connection failed (${e.message})`)));
    socket.on('close', () => this.fail(this.unavailable('the server closed the connection')));
    socket.resume();
  }

  static async connect(server: ElectrumServer, opts: ElectrumClientOptions = {}): Promise<ElectrumClient> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const name = serverName(server);
    let raw: net.Socket;
    if (opts.proxy) raw = await socks5Connect({ proxy: opts.proxy, host: server.host, port: server.port, timeoutMs });
    else raw = await plainConnect(server, timeoutMs, name);
    const socket = server.tls ? await tlsConnect(raw, server, opts.pins, timeoutMs) : raw;
    return new ElectrumClient(server, socket, timeoutMs);
  }

  /** Called with every notification (a subscription's news). */
  onNotification(listener: (method: string, params: unknown[]) => void): void {
    this.listeners.push(listener);
  }

  request<T>(method: string, params: unknown[] = []): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.unavailable(`no answer to ${method} within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, method });
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  close(): void {
    this.fail(this.unavailable('closed'));
    this.socket.destroy();
  }

  private unavailable(reason: string): CofferError {
    return new CofferError('backend-unavailable', `The Electrum server ${serverName(this.server)}: ${reason}.`, { reason, url: serverName(this.server) });
  }

  /** A server that breaks the protocol: the connection is dropped. */
  private broken(reason: string): void {
    this.fail(new CofferError('backend-error', `The Electrum server ${serverName(this.server)} broke the protocol: ${reason}.`, { reason }));
    this.socket.destroy();
  }

  private fail(e: CofferError): void {
    if (this.closedWith) return;
    this.closedWith = e;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl < 0) break;
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.buf.length > MAX_LINE) this.broken(`a line longer than ${MAX_LINE} bytes`);
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.broken('a line that is not JSON');
    }
    if (typeof msg !== 'object' || msg === null) return this.broken('a message that is not an object');
    const m = msg as { id?: unknown; result?: unknown; error?: { message?: unknown; code?: unknown } | null; method?: unknown; params?: unknown };
    if (typeof m.method === 'string' && m.id === undefined) {
      const params = Array.isArray(m.params) ? m.params : [];
      for (const l of this.listeners) l(m.method, params);
      return;
    }
    const p = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!p) return this.broken('an answer to no request');
    this.pending.delete(m.id as number);
    clearTimeout(p.timer);
    if (m.error) {
      const text = typeof m.error.message === 'string' ? m.error.message.slice(0, 300) : 'an error';
      p.reject(new CofferError('backend-error', `The Electrum server answered ${p.method} with: ${text}`, { reason: text, method: p.method }));
    } else p.resolve(m.result);
  }
}

function plainConnect(server: ElectrumServer, timeoutMs: number, name: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CofferError('backend-unavailable', `Cannot reach the Electrum server ${name} (timed out).`, { reason: 'timeout', url: name }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.pause();
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CofferError('backend-unavailable', `Cannot reach the Electrum server ${name} (${e.code ?? e.message}).`, { reason: e.code ?? e.message, url: name }));
    });
  });
}

function tlsConnect(raw: net.Socket, server: ElectrumServer, pins: CertPins | undefined, timeoutMs: number): Promise<tls.TLSSocket> {
  const name = serverName(server);
  const key = `${server.host}:${server.port}`;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: raw, ...(net.isIP(server.host) ? {} : { servername: server.host }), rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CofferError('backend-unavailable', `The TLS handshake with ${name} timed out.`, { reason: 'timeout', url: name }));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new CofferError('backend-unavailable', `The TLS handshake with ${name} failed (${e.message}).`, { reason: 'tls', url: name }));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      const cert = socket.getPeerCertificate();
      const fingerprint = cert.raw ? crypto.createHash('sha256').update(cert.raw).digest('hex') : '';
      // A certificate the system trusts, for this very host name, needs no pin.
      const vouched = socket.authorized && tls.checkServerIdentity(server.host, cert) === undefined;
      if (!vouched) {
        const pinned = pins?.get(key);
        if (!fingerprint || (pinned !== undefined && pinned !== fingerprint)) {
          socket.destroy();
          return reject(
            new CofferError('backend-error', `The Electrum server ${name} shows another TLS certificate (SHA-256 ${fingerprint.slice(0, 16)}…) than the one pinned on first use (${(pinned ?? '').slice(0, 16)}…); if its operator replaced it, remove the pin.`, {
              reason: 'certificate-changed',
            }),
          );
        }
        if (pinned === undefined) pins?.set(key, fingerprint);
      }
      socket.pause();
      resolve(socket);
    });
  });
}
