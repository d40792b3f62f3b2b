// One GET of a price source's URL: through the SOCKS5 proxy when the chain source has one (the
// name resolved by the proxy, TLS checked against the system's CAs), the answer capped in size and
// time. Display only: a price never reaches a spend.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { CofferError } from '../api/errors.js';
import { socks5Connect, type Socks5Proxy } from '../p2p/socks5.js';

/** A price answer is a few hundred bytes; Kraken's ticker about one kilobyte. */
export const PRICE_MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 15_000;

export interface FetchOptions {
  /** Reach the host through this proxy (never for a host on this computer). */
  proxy?: Socks5Proxy;
  timeoutMs?: number;
}

function unavailable(url: URL, reason: string): CofferError<'backend-unavailable'> {
  return new CofferError('backend-unavailable', `The price source ${url.host} could not be reached: ${reason}.`, { reason, url: url.origin });
}

/** The body of a 200 answer to GET url, as text; typed errors for everything else. */
export function fetchText(url: URL, opts: FetchOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const proxy = opts.proxy;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (e: CofferError | undefined, body?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (e) reject(e);
      else resolve(body!);
    };
    const timer = setTimeout(() => done(unavailable(url, `no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const options: https.RequestOptions = {
      method: 'GET',
      host,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { accept: 'application/json', 'user-agent': 'Coffer' },
      ...(secure && !net.isIP(host) ? { servername: host } : {}),
    };
    if (proxy) {
      // The proxy connects; TLS (when https) runs over its socket, checked as https.request would.
      options.createConnection = (_o, cb) => {
        socks5Connect({ proxy, host, port, timeoutMs }).then(
          (raw) => {
            const s = secure ? tls.connect({ socket: raw, ...(net.isIP(host) ? {} : { servername: host }) }) : raw;
            raw.resume();
            cb(null, s);
          },
          (e: unknown) => cb(e as Error, undefined as never),
        );
        return undefined;
      };
    }
    const req = (secure && !proxy ? https : http).request(options, (res) => {
      if (res.statusCode !== 200) {
        const status = res.statusCode ?? 0;
        return done(new CofferError('backend-error', `The price source ${url.host} answered with HTTP status ${status}.`, { reason: 'http status', status }));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > PRICE_MAX_BYTES) return done(new CofferError('backend-error', `The price source ${url.host} answered with more than ${PRICE_MAX_BYTES} bytes.`, { reason: 'too large' }));
        chunks.push(c);
      });
      res.on('end', () => done(undefined, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (e) => done(unavailable(url, e.message)));
    });
    req.on('error', (e) => done(e instanceof CofferError ? e : unavailable(url, e.message)));
    req.end();
  });
}
