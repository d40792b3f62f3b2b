// The SOCKS5 client against an in-process fake proxy: the bytes of each step (methods offered,
// login, CONNECT by name or address), every failure as a typed error (refused login, reply codes,
// malformed replies, a closed or silent or absent proxy), and per-connection credentials through
// the peer pool (Tor's circuit isolation), the DNS seeds named to the proxy and never resolved here.

import dns from 'node:dns/promises';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { Peer } from '../../src/p2p/peer.js';
import { Pool } from '../../src/p2p/pool.js';
import { parseProxyUrl, proxyUrl, socks5Connect } from '../../src/p2p/socks5.js';
import { fixedSeeds } from '../../src/p2p/seeds.js';
import { closeFakeProxies, fakeProxy, type Script } from '../helpers/fake-socks.js';

afterEach(() => {
  closeFakeProxies();
  vi.restoreAllMocks();
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function firstData(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    socket.once('data', resolve);
    socket.resume();
  });
}

describe('SOCKS5 client', () => {
  it('connects by name (the proxy resolves it), offers no-auth and a fresh login, and hands over a working stream', async () => {
    const { proxy, seen } = await fakeProxy({ early: [0xaa, 0xbb] });
    const socket = await socks5Connect({ proxy, host: 'seed.example.org', port: 8333, timeoutMs: 5_000 });
    // The bytes that came with the reply are the stream's first.
    expect([...(await firstData(socket))]).toEqual([0xaa, 0xbb]);
    const echoed = new Promise<Buffer>((r) => socket.once('data', r));
    socket.write('ping');
    expect((await echoed).toString()).toBe('ping');
    socket.destroy();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ methods: [0, 2], atyp: 3, host: 'seed.example.org', port: 8333 });
    expect(seen[0]!.username).toMatch(/^[0-9a-f]{24}$/);
    expect(seen[0]!.password).toMatch(/^[0-9a-f]{24}$/);
  });

  it('sends onion names as names, and IPv4 and IPv6 addresses as addresses', async () => {
    const { proxy, seen } = await fakeProxy();
    const onion = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion';
    for (const host of [onion, '203.0.113.7', '2001:db8::1', '::ffff:192.0.2.1']) {
      (await socks5Connect({ proxy, host, port: 18444, timeoutMs: 5_000 })).destroy();
    }
    expect(seen.map((s) => [s.atyp, s.host, s.port])).toEqual([
      [3, onion, 18444],
      [1, '203.0.113.7', 18444],
      [4, '20010db8000000000000000000000001', 18444],
      [4, '00000000000000000000ffffc0000201', 18444],
    ]);
  });

  it('sends no login to a proxy that picks "no authentication"', async () => {
    const { proxy, seen } = await fakeProxy({ method: 0 });
    (await socks5Connect({ proxy, host: '127.0.0.1', port: 1, timeoutMs: 5_000 })).destroy();
    expect(seen[0]?.username).toBeUndefined();
  });

  it.each([
    ['a refused login', { auth: [1, 1] }, { code: 'backend-unavailable', details: { reason: 'proxy-auth-refused' } }],
    ['no acceptable method', { method: 0xff }, { code: 'backend-unavailable', details: { reason: 'proxy-auth-refused' } }],
    ['connection refused (reply 5)', { reply: [5, 5, 0, 1, 0, 0, 0, 0, 0, 0] }, { code: 'backend-unavailable', details: { reason: 'proxy-refused', socksReply: 5 }, message: expect.stringMatching(/connection refused/) }],
    ["Tor's bad onion address (reply 0xf6)", { reply: [5, 0xf6, 0, 1, 0, 0, 0, 0, 0, 0] }, { code: 'backend-unavailable', details: { socksReply: 0xf6 }, message: expect.stringMatching(/invalid onion address/) }],
    ['a method it was not offered', { method: 3 }, { code: 'invalid-message' }],
    ['a login answer of the wrong version', { auth: [5, 0] }, { code: 'invalid-message' }],
    ['a reply of the wrong version', { reply: [4, 0, 0, 1, 0, 0, 0, 0, 0, 0] }, { code: 'invalid-message' }],
    ['a reply with an unknown address type', { reply: [5, 0, 0, 9, 0, 0, 0, 0, 0, 0] }, { code: 'invalid-message' }],
    ['a reply with a non-zero reserved byte', { reply: [5, 0, 7, 1, 0, 0, 0, 0, 0, 0] }, { code: 'invalid-message' }],
    ['a closed connection', { closeAfterGreeting: true }, { code: 'backend-unavailable', details: { reason: 'proxy-closed' } }],
    ['silence', { silent: true }, { code: 'backend-unavailable', details: { reason: 'proxy-timeout' } }],
  ] as const)('refuses %s with a typed error', async (_, script, error) => {
    const { proxy } = await fakeProxy(script as Script);
    await expect(socks5Connect({ proxy, host: 'peer.example', port: 8333, timeoutMs: 300 })).rejects.toMatchObject(error);
  });

  it('says when the proxy cannot be reached', async () => {
    const proxy = { host: '127.0.0.1', port: await closedPort() };
    await expect(socks5Connect({ proxy, host: 'peer.example', port: 8333, timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'backend-unavailable',
      details: { reason: 'proxy-unreachable' },
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('refuses a target that is no host name, before connecting', async () => {
    const { proxy, seen } = await fakeProxy();
    for (const host of ['bad host', 'x'.repeat(256), 'ünïcode.example']) {
      await expect(socks5Connect({ proxy, host, port: 8333, timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'usage', details: { field: 'connect' } });
    }
    expect(seen).toHaveLength(0);
  });
});

describe('proxy URLs', () => {
  it('reads socks5://HOST:PORT and writes it back the same way', () => {
    expect(parseProxyUrl('socks5://127.0.0.1:9050')).toEqual({ host: '127.0.0.1', port: 9050 });
    expect(parseProxyUrl('socks5://[::1]:9050/')).toEqual({ host: '::1', port: 9050 });
    expect(parseProxyUrl('socks5://tor.lan:9150')).toEqual({ host: 'tor.lan', port: 9150 });
    expect(proxyUrl(parseProxyUrl('socks5h://127.0.0.1:9050'))).toBe('socks5://127.0.0.1:9050');
    expect(proxyUrl({ host: '::1', port: 9050 })).toBe('socks5://[::1]:9050');
    expect(proxyUrl(parseProxyUrl('socks5://127.0.0.1:9050/'))).toBe('socks5://127.0.0.1:9050');
  });

  it.each(['127.0.0.1:9050', 'http://127.0.0.1:9050', 'socks4://127.0.0.1:9050', 'socks5://127.0.0.1', 'socks5://127.0.0.1:0', 'socks5://127.0.0.1:70000', 'socks5://u:p@127.0.0.1:9050', 'socks5://127.0.0.1:9050/path', 'socks5://:9050', ''])(
    'refuses "%s" with a usage error',
    (text) => {
      expect(() => parseProxyUrl(text)).toThrow(expect.objectContaining({ code: 'usage', details: { field: 'proxy' } }));
    },
  );
});

describe('peers through the proxy', () => {
  const params = chainParams('regtest');

  it('gives every peer connection its own credentials (its own Tor circuit)', async () => {
    const { proxy, seen } = await fakeProxy({ reply: [5, 4, 0, 1, 0, 0, 0, 0, 0, 0] });
    const pool = new Pool({ params, proxy, connect: ['a.example:18444', 'b.example:18444', '203.0.113.9:18444'], ourHeight: () => 0 });
    await pool.start();
    try {
      // Every pinned address once, then the retries: each a new login.
      await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
    } finally {
      pool.stop();
    }
    expect(new Set(seen.map((s) => s.host))).toEqual(new Set(['a.example', 'b.example', '203.0.113.9']));
    expect(new Set(seen.map((s) => s.username)).size).toBe(seen.length);
    expect(new Set(seen.map((s) => s.password)).size).toBe(seen.length);
  });

  it('names the DNS seeds to the proxy, dials the fixed seeds, and resolves nothing itself', async () => {
    const resolve4 = vi.spyOn(dns, 'resolve4');
    const main = chainParams('main');
    const { proxy, seen } = await fakeProxy({ reply: [5, 4, 0, 1, 0, 0, 0, 0, 0, 0] });
    const pool = new Pool({ params: main, proxy, ourHeight: () => 0 });
    await pool.start();
    try {
      await vi.waitFor(() => expect(new Set(seen.filter((s) => s.atyp === 3).map((s) => s.host))).toEqual(new Set(main.dnsSeeds)), { timeout: 10_000 });
    } finally {
      pool.stop();
    }
    // Names go to the proxy as names; besides them only the fixed seeds' addresses are dialled.
    const fixed = new Set(fixedSeeds(main).map((a) => a.host.replace(/[:[\]]/g, '')));
    expect(seen.every((s) => s.port === main.port && (s.atyp === 3 ? main.dnsSeeds.includes(s.host) : fixed.has(s.host.replace(/[:[\]]/g, ''))))).toBe(true);
    expect(resolve4).not.toHaveBeenCalled();
  });

  it('refuses a .onion peer without a proxy (a DNS lookup would name it to the resolver)', async () => {
    await expect(Peer.connect({ params, host: 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion', port: 8333, ourHeight: 0 })).rejects.toMatchObject({
      code: 'invalid-message',
      misbehaving: false,
      message: expect.stringMatching(/only through a proxy/),
    });
  });
});
