// The price fetch through a real SOCKS5 proxy (Debian's microsocks): the answer comes back through
// it, the proxy makes the connection, and an https source whose certificate no CA vouches for is
// refused, through the proxy as directly (TLS is checked over the proxied socket too).

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyUrl } from '../../src/p2p/socks5.js';
import { fetchText } from '../../src/service/price-fetch.js';
import { selfSignedCert } from '../helpers/electrumx.js';
import { startMicrosocks, type Microsocks } from '../helpers/microsocks.js';
import { tmpDir } from '../helpers/tmp.js';

describe('price fetch through a SOCKS5 proxy', () => {
  let socks: Microsocks;
  let plain: http.Server;
  let tlsServer: https.Server;
  const port = (s: http.Server) => (s.address() as AddressInfo).port;

  beforeAll(async () => {
    socks = await startMicrosocks();
    plain = http.createServer((_req, res) => res.end('{"USD":42000}'));
    const { cert, key } = selfSignedCert(tmpDir('coffer-price-tls-'));
    tlsServer = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (_req, res) => res.end('{"USD":1}'));
    await Promise.all([plain, tlsServer].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });

  afterAll(async () => {
    plain?.close();
    tlsServer?.close();
    await socks?.close();
  });

  it('brings the answer back through the proxy, which made the connection', async () => {
    const body = await fetchText(new URL(`http://127.0.0.1:${port(plain)}/btc`), { proxy: parseProxyUrl(socks.url) });
    expect(body).toBe('{"USD":42000}');
    expect(socks.log()).toContain(`connected to 127.0.0.1:${port(plain)}`);
  });

  it('refuses a certificate no CA vouches for, through the proxy and directly', async () => {
    const url = new URL(`https://127.0.0.1:${port(tlsServer)}/btc`);
    const refused = expect.objectContaining({ code: 'backend-unavailable', details: expect.objectContaining({ reason: expect.stringMatching(/certificate/i) }) });
    await expect(fetchText(url, { proxy: parseProxyUrl(socks.url) })).rejects.toThrow(refused);
    await expect(fetchText(url)).rejects.toThrow(refused);
    expect(socks.log()).toContain(`connected to 127.0.0.1:${port(tlsServer)}`);
  });
});
