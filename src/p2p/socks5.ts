// A SOCKS5 client (RFC 1928 CONNECT, RFC 1929 username/password): TCP connections to peers through
// a proxy such as Tor, the target named to the proxy so that no DNS query leaves this machine.
//
// Every connection offers a fresh random username and password: Tor (IsolateSOCKSAuth, its
// default) then puts each peer on a circuit of its own. A proxy that needs no login (microsocks
// without -u) picks "no authentication" and the credentials are never sent.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../api/errors.js';

export interface Socks5Proxy {
  host: string;
  port: number;
}

export interface SocksCredentials {
  username: string;
  password: string;
}

const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_METHOD = 0xff;
const CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** What the proxy's reply codes mean (RFC 1928 section 6; 0xf0-0xf7 are Tor's, for onion services). */
const REPLIES: Record<number, string> = {
  0x01: 'general failure',
  0x02: 'not allowed by its rules',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
  0xf0: 'onion service descriptor not found',
  0xf1: 'onion service descriptor invalid',
  0xf2: 'onion service introduction failed',
  0xf3: 'onion service rendezvous failed',
  0xf4: 'onion service needs client authorization',
  0xf5: 'onion service client authorization wrong',
  0xf6: 'invalid onion address',
  0xf7: 'onion service introduction timed out',
};

/** A Tor onion service's name (`….onion`), which only a proxy (Tor) can reach. */
export function isOnion(host: string): boolean {
  return /\.onion\.?$/i.test(host);
}

/**
 * `socks5://HOST:PORT` as the user gives it (`--proxy`, the app's setting); a typed `usage` error
 * otherwise. `socks5h://` (curl's name for "the proxy resolves names") is the same here: names always go to the proxy.
 */
export function parseProxyUrl(text: string): Socks5Proxy {
  const bad = (why: string) => new CofferError('usage', `The proxy must be socks5://HOST:PORT (${why}), got "${text.slice(0, 100)}".`, { field: 'proxy' });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'socks5:' && url.protocol !== 'socks5h:') throw bad('only SOCKS5 is supported');
  if (url.username || url.password) throw bad('no user name or password: each connection gets its own');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw bad('no path');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port);
  if (!host) throw bad('no host');
  if (!url.port || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('a port from 1 to 65535 is needed');
  return { host, port };
}

/** The proxy as a setting keeps it: `socks5://HOST:PORT`. */
export function proxyUrl(p: Socks5Proxy): string {
  return `socks5://${net.isIPv6(p.host) ? `[${p.host}]` : p.host}:${p.port}`;
}

/** Fresh credentials for one connection: its own Tor circuit. */
export function isolationCredentials(): SocksCredentials {
  return { username: randomBytes(12).toString('hex'), password: randomBytes(12).toString('hex') };
}

function unavailable(reason: string, message: string, socksReply?: number): CofferError<'backend-unavailable'> {
  return new CofferError('backend-unavailable', message, { reason, ...(socksReply !== undefined ? { socksReply } : {}) });
}

function malformed(what: string): CofferError<'invalid-message'> {
  return new CofferError('invalid-message', `The proxy sent a malformed ${what}.`, { reason: `malformed SOCKS5 ${what}` });
}

/** The CONNECT request's address: IPv4, IPv6, or a name the proxy resolves (ATYP 3). */
function encodeTarget(host: string, port: number): Buffer {
  let addr: Buffer;
  if (net.isIPv4(host)) addr = Buffer.from([ATYP_IPV4, ...ipv4Bytes(host)]);
  else if (net.isIPv6(host)) addr = Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(host)]);
  else {
    const name = Buffer.from(host, 'ascii');
    if (name.length === 0 || name.length > 255 || !/^[A-Za-z0-9.-]+$/.test(host)) {
      throw new CofferError('usage', `"${host.slice(0, 100)}" is not a host name a proxy can connect to.`, { field: 'connect' });
    }
    addr = Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
  }
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([VERSION, CONNECT, 0x00]), addr, p]);
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** An IPv6 address's 16 bytes (`::` and an IPv4 tail expanded); `address` passed net.isIPv6. */
function ipv6Bytes(address: string): Buffer {
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(v4);
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const groups = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** How many bytes the CONNECT reply has, once its first 5 are in; undefined if its address type is unknown. */
function replyLength(head: Buffer): number | undefined {
  const atyp = head[3];
  if (atyp === ATYP_IPV4) return 4 + 4 + 2;
  if (atyp === ATYP_IPV6) return 4 + 16 + 2;
  if (atyp === ATYP_DOMAIN) return 4 + 1 + head[4]! + 2;
  return undefined;
}

export interface Socks5ConnectOptions {
  proxy: Socks5Proxy;
  host: string;
  port: number;
  /** Offered besides "no authentication" (default: fresh isolation credentials). */
  credentials?: SocksCredentials;
  /** The whole negotiation: reaching the proxy and the proxy reaching the target. */
  timeoutMs: number;
}

/**
 * A socket connected to host:port through the proxy, paused: resume it once its `data` listener is
 * on (bytes the peer sent right after the proxy's reply are kept for it). Rejects with
 * `backend-unavailable` (proxy unreachable, closed, timed out, login refused, or its reply code in
 * `socksReply`) or `invalid-message` (a reply that is not SOCKS5).
 */
export function socks5Connect(opts: Socks5ConnectOptions): Promise<net.Socket> {
  const { proxy, host, port } = opts;
  const where = `the proxy ${net.isIPv6(proxy.host) ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;
  return new Promise((resolve, reject) => {
    // (A throw here rejects the promise.)
    const creds = opts.credentials ?? isolationCredentials();
    const request = encodeTarget(host, port);
    const user = Buffer.from(creds.username, 'utf8');
    const pass = Buffer.from(creds.password, 'utf8');
    if (user.length === 0 || user.length > 255 || pass.length === 0 || pass.length > 255) {
      throw new CofferError('usage', 'SOCKS5 user names and passwords are 1 to 255 bytes.', { field: 'proxy' });
    }
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let step: 'method' | 'auth' | 'reply' = 'method';
    let buf = Buffer.alloc(0);
    let connected = false;
    const fail = (e: CofferError) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(unavailable('proxy-timeout', `No answer through ${where} within ${opts.timeoutMs} ms.`)), opts.timeoutMs);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (step === 'method') {
        if (buf.length < 2) return;
        if (buf[0] !== VERSION) return fail(malformed('method choice'));
        const method = buf[1];
        buf = buf.subarray(2);
        if (method === NO_METHOD) return fail(unavailable('proxy-auth-refused', `${where} accepts neither no login nor a user name and password.`));
        if (method === USER_PASS) {
          step = 'auth';
          socket.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]));
          return;
        }
        if (method !== NO_AUTH) return fail(malformed('method choice'));
        step = 'reply';
        socket.write(request);
      }
      if (step === 'auth') {
        if (buf.length < 2) return;
        if (buf[0] !== 0x01) return fail(malformed('login answer'));
        if (buf[1] !== 0x00) return fail(unavailable('proxy-auth-refused', `${where} refused the login.`));
        buf = buf.subarray(2);
        step = 'reply';
        socket.write(request);
      }
      if (buf.length < 2) return;
      if (buf[0] !== VERSION) return fail(malformed('connect reply'));
      const rep = buf[1]!;
      if (rep !== 0x00) return fail(unavailable('proxy-refused', `${where} could not connect to ${host}:${port}: ${REPLIES[rep] ?? `reply ${rep}`}.`, rep));
      if (buf.length < 5) return;
      if (buf[2] !== 0x00) return fail(malformed('connect reply'));
      const length = replyLength(buf);
      if (length === undefined) return fail(malformed('connect reply'));
      if (buf.length < length) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.pause();
      // Whatever came after the reply is the peer's first bytes: give them back to the stream.
      if (buf.length > length) socket.unshift(buf.subarray(length));
      resolve(socket);
    };
    const onError = (e: NodeJS.ErrnoException) => {
      if (!connected) fail(unavailable('proxy-unreachable', `Cannot reach ${where} (${e.code ?? 'error'}).`));
      else fail(unavailable('proxy-closed', `${where} dropped the connection (${e.code ?? 'error'}).`));
    };
    const onClose = () => fail(unavailable('proxy-closed', `${where} closed the connection before ${host}:${port} was reached.`));
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.once('connect', () => {
      connected = true;
      socket.write(Buffer.from([VERSION, 2, NO_AUTH, USER_PASS]));
    });
  });
}
