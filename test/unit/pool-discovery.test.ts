// The pool without pinned peers, against scripted fake nodes on loopback (127.x.y.z stands for
// several /16s): the address table fed by seeds and addr/addrv2 and kept in a store across
// restarts, bans that outlive a restart, a damaged store, peers without the needed services
// dropped before any request, one peer per group, an offline table giving up at once.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { PEER_FILE, peerFileStore } from '../../src/node/peer-file.js';
import { AddrMan, decodePeerFile, encodePeerFile, type TableAddress } from '../../src/p2p/addrman.js';
import { BanList } from '../../src/p2p/ban-list.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_WITNESS, type Message } from '../../src/p2p/messages.js';
import { Pool, type PeerStore } from '../../src/p2p/pool.js';
import { encodeFrame, FrameDecoder } from '../../src/p2p/wire.js';
import { FILE_LIMITS } from '../../src/service/files.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const params = chainParams('regtest');
const FULL = NODE_NETWORK | NODE_WITNESS | NODE_BLOOM;
const TORV3 = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const servers: net.Server[] = [];
const pools: Pool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.stop();
  for (const s of servers.splice(0)) s.close();
});

interface FakeNode {
  host: string;
  port: number;
  /** Commands received, in order, over every connection. */
  received: string[];
  connections: number;
}

/** A fake node answering the handshake with `services`, then `after` for every later message. */
async function fakeNode(services: bigint, after: (m: Message, send: (m: Message) => void) => void = () => undefined, host = '127.0.0.1'): Promise<FakeNode> {
  const node: FakeNode = { host, port: 0, received: [], connections: 0 };
  const server = net.createServer((socket) => {
    node.connections++;
    const d = new FrameDecoder(params.magic);
    const send = (m: Message) => {
      const f = encodeMessage(m);
      socket.write(encodeFrame(params.magic, f.command, f.payload));
    };
    socket.on('error', () => undefined);
    socket.on('data', (c) => {
      for (const f of d.push(c)) {
        const m = decodeMessage(f.command, f.payload);
        node.received.push(m.type);
        if (m.type === 'version') {
          send({ ...m, services, nonce: m.nonce + 1n, startHeight: 7 });
          send({ type: 'verack' });
        } else after(m, send);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  node.port = (server.address() as net.AddressInfo).port;
  return node;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Seconds since 1970: a time peers would send for an address heard of just now. */
const now = () => Math.floor(Date.now() / 1000);

/** A peer file holding an empty table whose key puts each group of addresses, from its source, in slots of their own. */
function emptyTableApart(groups: [TableAddress[], string][]): Uint8Array {
  for (;;) {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const scratch = new AddrMan({ key });
    const wanted = groups.reduce((n, [addrs]) => n + addrs.length, 0);
    if (groups.reduce((n, [addrs, source]) => n + scratch.add(addrs, source), 0) === wanted) return encodePeerFile(new AddrMan({ key }), new BanList(), params.magic, now());
  }
}

function memoryStore(initial?: Uint8Array): PeerStore & { data: Uint8Array | undefined; saves: number } {
  const s = {
    data: initial,
    saves: 0,
    load: () => s.data,
    save: (d: Uint8Array) => {
      s.data = d.slice();
      s.saves++;
    },
  };
  return s;
}

function pool(opts: Partial<ConstructorParameters<typeof Pool>[0]> = {}): Pool {
  const p = new Pool({ params, ourHeight: () => 0, requiredServices: FULL, ...opts });
  pools.push(p);
  return p;
}

describe('Pool: finding peers', () => {
  it('keeps the seeds, the addresses peers send (addr and addrv2) and the peers reached in its store; a restart needs no seed', async () => {
    const other = await fakeNode(FULL);
    const first = await fakeNode(FULL, (m, send) => {
      if (m.type !== 'getaddr') return;
      send({ type: 'addr', addrs: [{ time: now(), services: FULL, host: '127.0.0.1', port: other.port }, { time: now(), services: NODE_NETWORK, host: '127.0.0.2', port: 8333 }] });
      send({
        type: 'addrv2',
        addrs: [
          { time: now(), services: FULL, network: 'torv3', host: TORV3, port: 8333 },
          { time: now(), services: FULL, network: 'i2p', host: 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p', port: 0 },
          { time: now(), services: FULL, network: 'cjdns', host: 'fc00:1:2:3:4:5:6:7', port: 8333 },
        ],
      });
    });
    // The table's key is random, so two of these addresses could share a slot (about 1 run in
    // 500) and one of them be dropped; the store starts with an empty table whose key places the
    // three apart.
    const store = memoryStore(emptyTableApart([
      [[{ time: now(), services: FULL, host: '127.0.0.1', port: first.port }], 'dns:seed.example'],
      [[{ time: now(), services: FULL, host: '127.0.0.1', port: other.port }, { time: now(), services: FULL, host: TORV3, port: 8333 }], 'ipv4:127.0'],
    ]));
    let seeded = 0;
    const discover = async () => {
      seeded++;
      return [{ host: '127.0.0.1', port: first.port, source: 'dns:seed.example' }];
    };
    const a = pool({ maxPeers: 1, discover, store });
    await a.start();
    await waitFor(() => a.addresses?.get(`${TORV3}:8333`) !== undefined, 10_000, 'the addrv2 addresses');
    a.stop();
    expect(seeded).toBe(1);
    const saved = decodePeerFile(store.data!, params.magic);
    const entries = saved.table.all().map((e) => [e.address, e.tried, e.source]);
    expect(entries).toContainEqual([`127.0.0.1:${first.port}`, true, 'dns:seed.example']);
    expect(entries).toContainEqual([`127.0.0.1:${other.port}`, false, 'ipv4:127.0']);
    expect(entries).toContainEqual([`${TORV3}:8333`, false, 'ipv4:127.0']);
    // Not offering what we need, I2P and CJDNS: not kept.
    expect(saved.table.size).toBe(3);

    // A second run starts from the store: no seed asked, a peer from the table.
    const b = pool({ maxPeers: 1, discover, store });
    await b.start();
    expect(await b.waitForPeer(5_000)).toBeDefined();
    expect(seeded).toBe(1);
  });

  it('a ban outlives a restart and ends after a day', async () => {
    const node = await fakeNode(FULL);
    const store = memoryStore();
    let now = 1_800_000_000;
    const opts = { maxPeers: 1, store, now: () => now, discover: async () => [{ host: '127.0.0.1', port: node.port }] };
    const a = pool(opts);
    await a.start();
    const peer = await a.waitForPeer(5_000);
    a.ban(peer!, 'test');
    a.stop();
    const b = pool(opts);
    await b.start();
    expect(b.isBanned(`127.0.0.1:${node.port}`)).toBe(true);
    // The only address is banned: no peer, at once.
    expect(await b.waitForPeer(5_000)).toBeUndefined();
    b.stop();
    now += 24 * 3600 + 1;
    const c = pool(opts);
    await c.start();
    expect(c.isBanned(`127.0.0.1:${node.port}`)).toBe(false);
    expect(await c.waitForPeer(5_000)).toBeDefined();
  });

  it('a damaged store is logged and the pool starts from the seeds', async () => {
    const node = await fakeNode(FULL);
    const store = memoryStore(new TextEncoder().encode('CFPT\u0001 this is not a table'));
    const logged: [string, Record<string, unknown>][] = [];
    const p = pool({ maxPeers: 1, store, discover: async () => [{ host: '127.0.0.1', port: node.port }], log: (event, fields) => logged.push([event, fields]) });
    await p.start();
    expect(await p.waitForPeer(5_000)).toBeDefined();
    expect(logged).toContainEqual(['p2p.peers-unreadable', { reason: 'checksum mismatch' }]);
    // A store that throws (an unreadable file) is the same.
    const throwing: PeerStore = {
      load: () => {
        throw new Error('EACCES');
      },
      save: () => undefined,
    };
    const q = pool({ maxPeers: 1, store: throwing, discover: async () => [{ host: '127.0.0.1', port: node.port }] });
    await q.start();
    expect(await q.waitForPeer(5_000)).toBeDefined();
  });

  it('a peer without the services asked for is dropped right after its version, before any request', async () => {
    const filters = NODE_NETWORK | NODE_WITNESS | NODE_COMPACT_FILTERS;
    const plain = await fakeNode(NODE_NETWORK | NODE_WITNESS);
    const p = pool({ maxPeers: 1, requiredServices: filters, discover: async () => [{ host: '127.0.0.1', port: plain.port }] });
    await p.start();
    expect(await p.waitForPeer(5_000)).toBeUndefined();
    expect(plain.connections).toBeGreaterThan(0);
    expect(new Set(plain.received)).toEqual(new Set(['version']));
    expect(p.addresses!.get(`127.0.0.1:${plain.port}`)!.attempts).toBe(1);
  });

  it('one outbound peer per network group: of 127.1.0.1, 127.1.0.2 and 127.2.0.1, two are connected, one per /16', async () => {
    // Linux answers on all of 127.0.0.0/8, so loopback addresses can stand for several /16s.
    const nodes = await Promise.all(['127.1.0.1', '127.1.0.2', '127.2.0.1'].map((h) => fakeNode(FULL, undefined, h)));
    const p = pool({ maxPeers: 8, discover: async () => nodes.map((n) => ({ host: n.host, port: n.port })) });
    await p.start();
    await waitFor(() => p.peers.length === 2, 5_000, 'two peers');
    // Two rounds of the pool's 1 s tick: the third node, in a group already served, is never dialled.
    await new Promise((r) => setTimeout(r, 2_100));
    expect(p.peers.map((peer) => peer.host.split('.').slice(0, 2).join('.')).sort()).toEqual(['127.1', '127.2']);
    expect(nodes[0]!.connections + nodes[1]!.connections).toBe(1);
    expect(nodes[2]!.connections).toBe(1);
  });

  it('offline with a table of 20 unreachable addresses in 20 groups: no peer, without waiting out the timeout', { timeout: 15_000 }, async () => {
    const closed: { host: string; port: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, `127.${10 + i}.0.1`, r));
      closed.push({ host: `127.${10 + i}.0.1`, port: (s.address() as net.AddressInfo).port });
      await new Promise((r) => s.close(r));
    }
    const p = pool({ discover: async () => closed });
    await p.start();
    expect(await p.waitForPeer(60_000)).toBeUndefined();
  });

  it('peers.dat: nothing yet is no table; a folder or an oversized file in its place is file-unreadable; a save replaces it whole', () => {
    const dir = tmpDir();
    const store = peerFileStore(dir);
    expect(store.load()).toBeUndefined();
    store.save(new Uint8Array([1, 2, 3]));
    store.save(new Uint8Array([4, 5]));
    expect([...store.load()!]).toEqual([4, 5]);
    expect(fs.readdirSync(dir)).toEqual([PEER_FILE]);
    fs.truncateSync(path.join(dir, PEER_FILE), FILE_LIMITS.peers + 1);
    expect(expectCode(() => store.load(), 'file-unreadable').details['reason']).toBe('too-large');
    const other = tmpDir();
    fs.mkdirSync(path.join(other, PEER_FILE));
    expect(expectCode(() => peerFileStore(other).load(), 'file-unreadable').details['reason']).toBe('not-a-regular-file');
  });

  it('a peer may send 1,000 addresses for our getaddr; what it sends right after is ignored', async () => {
    const late = Array.from({ length: 10 }, (_, i) => ({ time: 1_700_000_000, services: FULL, host: `${20 + i}.1.1.1`, port: 8333 }));
    const node = await fakeNode(FULL, (m, send) => {
      if (m.type === 'ping') send({ type: 'pong', nonce: m.nonce });
      if (m.type !== 'getaddr') return;
      send({ type: 'addr', addrs: Array.from({ length: 1000 }, (_, i) => ({ time: 1_700_000_000, services: FULL, host: `1.2.${i >> 8}.${i & 255}`, port: 8333 })) });
      send({ type: 'addr', addrs: late });
    });
    const p = pool({ maxPeers: 1, discover: async () => [{ host: '127.0.0.1', port: node.port }] });
    await p.start();
    const peer = await p.waitForPeer(5_000);
    // The pong comes after both addr messages: both have been handled.
    await peer!.ping();
    const hosts = p.addresses!.all().map((e) => e.host);
    expect(hosts.some((h) => h.startsWith('1.2.'))).toBe(true);
    expect(hosts.filter((h) => late.some((a) => a.host === h))).toEqual([]);
  });

  it('--connect means only those peers: no table, no store, no seed, no getaddr', async () => {
    const node = await fakeNode(FULL);
    let loads = 0;
    const store: PeerStore = {
      load: () => {
        loads++;
        return undefined;
      },
      save: () => {
        throw new Error('a pinned pool saved peers');
      },
    };
    const p = pool({ connect: [`127.0.0.1:${node.port}`], store, discover: async () => { throw new Error('a pinned pool asked the seeds'); } });
    await p.start();
    const peer = await p.waitForPeer(5_000);
    await waitFor(() => node.received.includes('sendheaders'), 5_000, 'the end of the handshake');
    p.ban(peer!, 'test');
    p.stop();
    expect(loads).toBe(0);
    expect(p.addresses).toBeUndefined();
    expect(node.received).not.toContain('getaddr');
    // BIP155: sendaddrv2 goes before our verack.
    expect(node.received.slice(0, 3)).toEqual(['version', 'sendaddrv2', 'verack']);
  });
});
