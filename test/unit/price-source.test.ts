// The fiat price sources: their URLs, how each answer is read (and every other answer refused with
// a typed error), the custom URL's rules, and one GET: a local server's answer, its status, its
// size cap, and the host named to the SOCKS5 proxy rather than resolved here.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PriceSource } from '../../src/api/display.js';
import { fetchText, PRICE_MAX_BYTES } from '../../src/service/price-fetch.js';
import { checkPriceUrl, isLocalSource, parsePrice, priceUrl, sourceName } from '../../src/service/price-sources.js';
import { closeFakeProxies, fakeProxy } from '../helpers/fake-socks.js';

type Source = Exclude<PriceSource, { provider: 'off' }>;
const gecko: Source = { provider: 'coingecko', currency: 'EUR' };
const kraken: Source = { provider: 'kraken', currency: 'USD' };
const coinbase: Source = { provider: 'coinbase', currency: 'USD' };
const custom: Source = { provider: 'custom', currency: 'CHF', url: 'http://127.0.0.1:8080/btc' };
const code = (c: string) => expect.objectContaining({ code: c });

describe('price sources', () => {
  it('asks each provider for one bitcoin in the chosen currency', () => {
    expect(priceUrl(gecko).href).toBe('https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=eur');
    expect(priceUrl(kraken).href).toBe('https://api.kraken.com/0/public/Ticker?pair=XBTUSD');
    expect(priceUrl(coinbase).href).toBe('https://api.coinbase.com/v2/prices/BTC-USD/spot');
    expect(priceUrl(custom).href).toBe('http://127.0.0.1:8080/btc');
    expect(sourceName(gecko)).toBe('coingecko');
    expect(sourceName(custom)).toBe('127.0.0.1:8080');
    expect(isLocalSource(custom)).toBe(true);
    expect(isLocalSource({ ...custom, url: 'https://prices.example/btc' })).toBe(false);
    expect(isLocalSource(kraken)).toBe(false);
  });

  it('reads each answer', () => {
    expect(parsePrice(gecko, '{"bitcoin":{"eur":39876.5}}')).toBe(39876.5);
    expect(parsePrice(kraken, '{"error":[],"result":{"XXBTZUSD":{"a":["1"],"c":["43012.50000","0.01"]}}}')).toBe(43012.5);
    expect(parsePrice(coinbase, '{"data":{"base":"BTC","currency":"USD","amount":"43012.50"}}')).toBe(43012.5);
    expect(parsePrice(custom, '{"CHF":"38000.25"}')).toBe(38000.25);
    expect(parsePrice(custom, '{"CHF":38000}')).toBe(38000);
  });

  it('refuses every other answer with a typed error', () => {
    const bad: [Source, string][] = [
      [gecko, 'not json'],
      [gecko, '{"bitcoin":{"usd":40000}}'],
      [gecko, '{"bitcoin":{"eur":-1}}'],
      [gecko, '{"bitcoin":{"eur":1e13}}'],
      [gecko, '{"bitcoin":{"eur":"NaN"}}'],
      [gecko, '[]'],
      [kraken, '{"error":["EQuery:Unknown asset pair"]}'],
      [kraken, '{"error":[],"result":{}}'],
      [kraken, '{"error":[],"result":{"A":{"c":["1"]},"B":{"c":["2"]}}}'],
      [kraken, '{"error":[],"result":{"XXBTZUSD":{"c":"43012"}}}'],
      [coinbase, '{"data":{"currency":"EUR","amount":"40000"}}'],
      [coinbase, '{"data":{"currency":"USD","amount":"4e4"}}'],
      [custom, '{"USD":40000}'],
      [custom, '{"CHF":true}'],
      [custom, 'null'],
    ];
    for (const [s, body] of bad) expect(() => parsePrice(s, body), body).toThrow(code('backend-error'));
  });

  it('takes a custom URL only over https, or http to this computer', () => {
    for (const ok of ['https://prices.example/btc?x=1', 'http://127.0.0.1:9/p', 'http://localhost/p', 'http://[::1]:80/']) expect(() => checkPriceUrl(ok), ok).not.toThrow();
    for (const no of ['http://prices.example/btc', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'prices.example', '', 'https://user:pw@prices.example/', 'http://10.0.0.1/']) {
      expect(() => checkPriceUrl(no), no).toThrow(code('invalid-setting'));
    }
    expect(() => priceUrl({ ...custom, url: 'javascript:alert(1)' })).toThrow(code('invalid-setting'));
  });
});

describe('fetching a price', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    closeFakeProxies();
  });

  async function server(handler: http.RequestListener): Promise<string> {
    const s = http.createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  it('returns the body of a 200 answer and refuses other statuses and long answers', async () => {
    const base = await server((req, res) => {
      if (req.url === '/ok') return res.end('{"USD":1}');
      if (req.url === '/big') return res.end('x'.repeat(PRICE_MAX_BYTES + 1));
      res.statusCode = 503;
      res.end();
    });
    expect(await fetchText(new URL(`${base}/ok`))).toBe('{"USD":1}');
    await expect(fetchText(new URL(`${base}/down`))).rejects.toThrow(expect.objectContaining({ code: 'backend-error', details: expect.objectContaining({ status: 503 }) }));
    await expect(fetchText(new URL(`${base}/big`))).rejects.toThrow(expect.objectContaining({ code: 'backend-error', details: { reason: 'too large' } }));
  });

  it('says the source cannot be reached when nothing listens or nothing answers', async () => {
    const base = await server(() => undefined);
    await expect(fetchText(new URL(`${base}/slow`), { timeoutMs: 300 })).rejects.toThrow(code('backend-unavailable'));
    const port = Number(new URL(base).port);
    servers.pop()!.close();
    await expect(fetchText(new URL(`http://127.0.0.1:${port}/`))).rejects.toThrow(code('backend-unavailable'));
  });

  it('names the host to the proxy instead of resolving it', async () => {
    const { proxy, seen } = await fakeProxy();
    // The fake proxy echoes the request back, which is no HTTP answer.
    await expect(fetchText(new URL('http://prices.example:8080/btc'), { proxy, timeoutMs: 2000 })).rejects.toThrow(code('backend-unavailable'));
    expect(seen[0]).toMatchObject({ host: 'prices.example', port: 8080 });
  });
});
