// One peer connection against a scripted fake node (unit level): handshake rules, stalls,
// misbehaviour, and the pool's bans and reconnections.

import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, type Message } from '../../src/p2p/messages.js';
import { Peer, PeerError } from '../../src/p2p/peer.js';
import { parseHostPort, Pool, routable } from '../../src/p2p/pool.js';
import { encodeFrame, FrameDecoder } from '../../src/p2p/wire.js';

const params = chainParams('regtest');
const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A fake node: answers the handshake with `services`, then runs `after` for every later message. */
async function fakeNode(services: bigint, after: (m: Message, send: (m: Message) => void, socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    const d = new FrameDecoder(params.magic);
    const send = (m: Message) => {
      const f = encodeMessage(m);
      socket.write(encodeFrame(params.magic, f.command, f.payload));
    };
    socket.on('error', () => undefined);
    socket.on('data', (c) => {
      for (const f of d.push(c)) {
        const m = decodeMessage(f.command, f.payload);
        if (m.type === 'version') {
          send({ ...m, services, nonce: m.nonce + 1n, startHeight: 7 });
          send({ type: 'verack' });
        } else after(m, send, socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const connect = (port: number, timeouts = {}) => Peer.connect({ params, host: '127.0.0.1', port, ourHeight: 0, timeouts });

describe('Peer', () => {
  it('completes the handshake and answers pings; a ping round trip works', async () => {
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, (m, send) => {
      if (m.type === 'ping') send({ type: 'pong', nonce: m.nonce });
    });
    const peer = await connect(port);
    expect(peer.startHeight).toBe(7);
    await peer.ping();
    peer.close('done');
    expect(peer.closed).toEqual({ reason: 'done', misbehaving: false });
  });

  it('refuses a node without bloom filters (not a ban)', async () => {
    const port = await fakeNode(NODE_NETWORK, () => undefined);
    const e = await connect(port).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PeerError);
    expect((e as PeerError).misbehaving).toBe(false);
    expect((e as PeerError).message).toMatch(/bloom/);
  });

  it('a BIP157 client drops a node without compact filters before any request, and asks others to relay', async () => {
    const seen: Message[] = [];
    const bloomOnly = await fakeNode(NODE_NETWORK | NODE_BLOOM, (m) => seen.push(m));
    const e = await Peer.connect({ params, host: '127.0.0.1', port: bloomOnly, ourHeight: 0, requiredServices: NODE_COMPACT_FILTERS, relay: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PeerError);
    expect((e as PeerError).misbehaving).toBe(false);
    expect((e as PeerError).message).toMatch(/compact block filters/);
    let relay: boolean | undefined;
    const filters = await fakeNode(NODE_NETWORK | NODE_COMPACT_FILTERS, (m, send) => {
      if (m.type === 'ping') send({ type: 'pong', nonce: m.nonce });
    });
    const server = servers.at(-1)!;
    server.on('connection', (socket) => {
      const d = new FrameDecoder(params.magic);
      socket.on('data', (c) => {
        for (const f of d.push(c)) if (f.command === 'version') relay = (decodeMessage(f.command, f.payload) as { relay: boolean }).relay;
      });
    });
    const peer = await Peer.connect({ params, host: '127.0.0.1', port: filters, ourHeight: 0, requiredServices: NODE_COMPACT_FILTERS, relay: true });
    await peer.ping();
    peer.close('done');
    expect(relay).toBe(true);
    expect(seen).toEqual([]);
  });

  it('a silent peer is closed as stalled', async () => {
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, () => undefined);
    const peer = await connect(port, { request: 200 });
    await expect(peer.ping()).rejects.toThrow(/stalled/);
    expect(peer.closed?.reason).toBe('stalled');
  });

  it('garbage after the handshake closes the connection as misbehaving', async () => {
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, (m, _send, socket) => {
      if (m.type === 'sendheaders') socket.write(Buffer.alloc(100, 0x41));
    });
    const peer = await connect(port);
    await new Promise((r) => peer.once('close', r));
    expect(peer.closed?.misbehaving).toBe(true);
  });

  it('a connection refused is a typed error', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    await expect(connect(port)).rejects.toThrow(/cannot connect/);
  });
});

describe('Pool', () => {
  it('bans a misbehaving peer for a day, then lets it back', async () => {
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, () => undefined);
    let now = 1_000_000;
    const pool = new Pool({ params, connect: [`127.0.0.1:${port}`], ourHeight: () => 0, now: () => now });
    await pool.start();
    const peer = await pool.waitForPeer(5_000);
    expect(peer).toBeDefined();
    pool.ban(peer!, 'test');
    expect(pool.isBanned(peer!.address)).toBe(true);
    now += 24 * 3600 + 1;
    expect(pool.isBanned(peer!.address)).toBe(false);
    pool.stop();
  });

  it('connects again to a pinned peer that dropped the connection', async () => {
    let connections = 0;
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, (m, _send, socket) => {
      // The first connection is cut as soon as it is up.
      if (m.type === 'sendheaders' && ++connections === 1) socket.destroy();
    });
    const pool = new Pool({ params, connect: [`127.0.0.1:${port}`], ourHeight: () => 0 });
    const seen: Peer[] = [];
    pool.on('peer', (p) => seen.push(p));
    await pool.start();
    await waitFor(() => seen.length === 2 && pool.peers.length === 1, 10_000, 'a second connection');
    expect(seen[0]!.closed).toBeDefined();
    expect(pool.peers).toEqual([seen[1]]);
    pool.stop();
  });

  it('without pinned peers, falls back on an address a peer sent when that peer goes away', async () => {
    const other = await fakeNode(NODE_NETWORK | NODE_BLOOM, () => undefined);
    const first = await fakeNode(NODE_NETWORK | NODE_BLOOM, (m, send, socket) => {
      if (m.type !== 'getaddr') return;
      send({
        type: 'addr',
        addrs: [
          { time: 1, services: NODE_NETWORK, host: '127.0.0.1', port: 9 }, // no bloom filters: not kept
          { time: 1, services: NODE_NETWORK | NODE_BLOOM, host: '127.0.0.1', port: other },
        ],
      });
      setTimeout(() => socket.destroy(), 100);
    });
    const pool = new Pool({ params, maxPeers: 1, ourHeight: () => 0, discover: async () => [{ host: '127.0.0.1', port: first }] });
    const seen: string[] = [];
    pool.on('peer', (p) => seen.push(p.address));
    await pool.start();
    await waitFor(() => pool.peers.some((p) => p.address === `127.0.0.1:${other}`), 10_000, 'a connection to the address the first peer sent');
    expect(seen).toEqual([`127.0.0.1:${first}`, `127.0.0.1:${other}`]);
    pool.stop();
  });

  it('dials only public addresses a peer sends (but on regtest): never this machine or the LAN', () => {
    for (const host of ['1.2.3.4', '8.8.8.8', '2001:4860:4860::8888']) expect(routable(host), host).toBe(true);
    for (const host of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', '2001:db8::1', 'example.com']) {
      expect(routable(host), host).toBe(false);
    }
  });

  it('gives up at once, without waiting out the timeout, when every peer refuses; a later wait tries again', { timeout: 15_000 }, async () => {
    const closed: number[] = [];
    for (let i = 0; i < 2; i++) {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      closed.push((s.address() as net.AddressInfo).port);
      await new Promise((r) => s.close(r));
    }
    // With the clock stopped, only a refusal can end the wait.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const pool = new Pool({ params, connect: closed.map((p) => `127.0.0.1:${p}`), ourHeight: () => 0 });
    try {
      await pool.start();
      expect(await pool.waitForPeer(60_000)).toBeUndefined();
      expect(await pool.waitForPeer(60_000)).toBeUndefined();
    } finally {
      pool.stop();
      vi.useRealTimers();
    }
  });

  it('a wait after a refusal finds the peer once it listens again', async () => {
    const port = await fakeNode(NODE_NETWORK | NODE_BLOOM, () => undefined);
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const pool = new Pool({ params, connect: [`127.0.0.1:${port}`], ourHeight: () => 0 });
    try {
      await pool.start();
      expect(await pool.waitForPeer(5_000)).toBeUndefined();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      servers.push(server);
      expect(await pool.waitForPeer(5_000)).toBeDefined();
    } finally {
      pool.stop();
    }
  });

  it('parses host:port forms', () => {
    expect(parseHostPort('127.0.0.1:18444', 1)).toEqual({ host: '127.0.0.1', port: 18444 });
    expect(parseHostPort('[::1]:8333', 1)).toEqual({ host: '::1', port: 8333 });
    expect(parseHostPort('node.example', 8333)).toEqual({ host: 'node.example', port: 8333 });
    expect(parseHostPort('1.2.3.4:99999', 1)).toBeUndefined();
    expect(parseHostPort('a:b:c', 1)).toBeUndefined();
  });
});
