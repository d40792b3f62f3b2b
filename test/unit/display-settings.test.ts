// The display handlers over a fake wallet and chain source: the defaults (BTC, no price), a saved
// choice read back, a bad URL or damaged setting refused with a typed error, one fetch shared by
// concurrent calls and kept for a minute, and a remote source asked through the chain source's proxy.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredBackend } from '../../src/service/backend-setting.js';
import { displayHandlers, PRICE_MAX_AGE_MS } from '../../src/service/handlers/display.js';
import type { SessionHost } from '../../src/service/handlers/handler.js';
import { closeFakeProxies, fakeProxy } from '../helpers/fake-socks.js';

function fakeHost(backend: StoredBackend = { kind: 'filters', connect: [] }) {
  const meta = new Map<string, string>();
  const wallet = { meta: (k: string) => meta.get(k), setMeta: (k: string, v: string) => void meta.set(k, v) };
  return { host: { wallet: () => wallet, backend: () => backend } as unknown as SessionHost, meta };
}

describe('display settings', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    closeFakeProxies();
  });

  /** A price server answering {"EUR": price}, counting the requests. */
  async function priceServer(price: number): Promise<{ url: string; requests: () => number }> {
    let n = 0;
    const s = http.createServer((_req, res) => {
      n++;
      res.end(JSON.stringify({ EUR: price }));
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/p`, requests: () => n };
  }

  it('shows BTC and no price until something is chosen, then keeps the choice', async () => {
    const { host } = fakeHost();
    const h = displayHandlers(host);
    expect(await h['display.get']({})).toEqual({ unit: 'btc', price: { provider: 'off' } });
    expect(await h['price.get']({})).toEqual({ quote: null });
    await h['display.set']({ unit: 'sats' });
    await h['display.set']({ price: { provider: 'kraken', currency: 'EUR' } });
    expect(await displayHandlers(host)['display.get']({})).toEqual({ unit: 'sats', price: { provider: 'kraken', currency: 'EUR' } });
  });

  it('refuses a custom URL that is not https (but for this computer) and changes nothing', async () => {
    const { host } = fakeHost();
    const h = displayHandlers(host);
    await expect(Promise.resolve().then(() => h['display.set']({ unit: 'sats', price: { provider: 'custom', currency: 'USD', url: 'http://prices.example/' } }))).rejects.toThrow(
      expect.objectContaining({ code: 'invalid-setting' }),
    );
    expect(await h['display.get']({})).toEqual({ unit: 'btc', price: { provider: 'off' } });
  });

  it('says a damaged saved setting is damaged, and a change replaces it', async () => {
    const { host, meta } = fakeHost();
    for (const bad of ['{', '{"unit":"mbtc","price":{"provider":"off"}}', '{"unit":"btc","price":{"provider":"bank"}}']) {
      meta.set('display', bad);
      expect(() => displayHandlers(host)['display.get']({}), bad).toThrow(expect.objectContaining({ code: 'database-corrupt' }));
    }
    // Settings can put it right: a change starts from the defaults.
    const h = displayHandlers(host);
    expect(await h['display.set']({ unit: 'sats' })).toEqual({ unit: 'sats', price: { provider: 'off' } });
    expect(await h['display.get']({})).toEqual({ unit: 'sats', price: { provider: 'off' } });
  });

  it('fetches once for concurrent calls, keeps the price a minute, then asks again', async () => {
    const server = await priceServer(40_000.5);
    const { host } = fakeHost({ kind: 'filters', connect: [], proxy: 'socks5://127.0.0.1:1' });
    let now = 1_000_000;
    const h = displayHandlers(host, () => now);
    await h['display.set']({ price: { provider: 'custom', currency: 'EUR', url: server.url } });
    // A loopback URL goes direct: the (closed) proxy port is never tried.
    const [a, b] = await Promise.all([h['price.get']({}), h['price.get']({})]);
    expect(a).toEqual({ quote: { currency: 'EUR', perBtc: 40_000.5, source: new URL(server.url).host, fetchedAt: now } });
    expect(b).toEqual(a);
    expect(server.requests()).toBe(1);
    now += PRICE_MAX_AGE_MS - 1;
    expect(await h['price.get']({})).toEqual(a);
    expect(server.requests()).toBe(1);
    now += 1;
    expect((await h['price.get']({})).quote?.fetchedAt).toBe(now);
    expect(server.requests()).toBe(2);
  });

  it('asks a remote source through the chain source\'s proxy, naming the host to it', async () => {
    const { proxy, seen } = await fakeProxy();
    const { host } = fakeHost({ kind: 'electrum', servers: ['ssl://electrum.example:50002'], proxy: `socks5://${proxy.host}:${proxy.port}` });
    const h = displayHandlers(host);
    await h['display.set']({ price: { provider: 'custom', currency: 'USD', url: 'https://prices.example:8443/btc' } });
    // The fake proxy echoes: the TLS handshake fails, after the host went to the proxy by name.
    await expect(h['price.get']({})).rejects.toThrow(expect.objectContaining({ code: 'backend-unavailable' }));
    expect(seen[0]).toMatchObject({ host: 'prices.example', port: 8443 });
  });
});
