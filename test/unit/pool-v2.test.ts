// When the pool tries BIP324 first, against scripted fake nodes on loopback: table addresses that
// advertise NODE_P2P_V2 get v2, others (bcoin-like v1-only nodes) never see a v2 key; what a node
// says in its version replaces what the table had; pinned peers get v2 only when asked (--v2).

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { AddrMan, encodePeerFile } from '../../src/p2p/addrman.js';
import { BanList } from '../../src/p2p/ban-list.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_NETWORK, NODE_P2P_V2, NODE_WITNESS, type Message } from '../../src/p2p/messages.js';
import { Pool, type PeerStore } from '../../src/p2p/pool.js';
import { V2Session } from '../../src/p2p/v2-transport.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/p2p/wire.js';

const params = chainParams('regtest');
const FULL = NODE_NETWORK | NODE_WITNESS | NODE_BLOOM;
const servers: net.Server[] = [];
const pools: Pool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.stop();
  for (const s of servers.splice(0)) s.close();
});

interface FakeNode {
  host: string;
  port: number;
  address: string;
  /** Per connection: 'v2', 'v1', or 'refused' (a v1-only node got bytes it cannot read: bcoin scores them, then bans). */
  connections: ('v1' | 'v2' | 'refused')[];
}

/** A node answering the handshake with `services`; with `v2` it speaks BIP324 as well as v1, else v1 only (closing on anything else). */
async function fakeNode(opts: { v2: boolean; services: bigint; host: string }): Promise<FakeNode> {
  const node: FakeNode = { host: opts.host, port: 0, address: '', connections: [] };
  const server = net.createServer((socket) => {
    const index = node.connections.push(opts.v2 ? 'v2' : 'v1') - 1;
    let session = opts.v2 ? new V2Session({ initiating: false, magic: params.magic }) : undefined;
    const decoder = new FrameDecoder(params.magic);
    const send = (m: Message) => {
      const f = encodeMessage(m);
      socket.write(session ? session.encode(f.command, f.payload) : encodeFrame(params.magic, f.command, f.payload));
    };
    const handle = (f: Frame) => {
      const m = decodeMessage(f.command, f.payload);
      if (m.type === 'version') {
        send({ ...m, services: opts.services, nonce: m.nonce + 1n, startHeight: 7 });
        send({ type: 'verack' });
      } else if (m.type === 'ping') send({ type: 'pong', nonce: m.nonce });
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      try {
        if (!session) return decoder.push(chunk).forEach(handle);
        const out = session.receive(chunk);
        if (out.v1) {
          node.connections[index] = 'v1';
          session = undefined;
          return decoder.push(out.v1).forEach(handle);
        }
        if (out.send.length) socket.write(out.send);
        out.frames.forEach(handle);
      } catch {
        node.connections[index] = 'refused';
        socket.destroy();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, opts.host, r));
  node.port = (server.address() as net.AddressInfo).port;
  node.address = `${opts.host}:${node.port}`;
  return node;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A store holding a table of these addresses with these services, as addr messages would have left it. */
function storeWith(entries: { node: FakeNode; services: bigint }[]): PeerStore {
  const table = new AddrMan();
  for (const { node, services } of entries) table.add([{ host: node.host, port: node.port, services, time: Math.floor(Date.now() / 1000) }], 'ipv4:1.2');
  let data: Uint8Array | undefined = encodePeerFile(table, new BanList(), params.magic, Math.floor(Date.now() / 1000));
  return { load: () => data, save: (d) => void (data = d.slice()) };
}

function pool(opts: Partial<ConstructorParameters<typeof Pool>[0]> = {}): Pool {
  const p = new Pool({ params, ourHeight: () => 0, requiredServices: FULL, discover: async () => [], ...opts });
  pools.push(p);
  return p;
}

describe('Pool: BIP324 first where it is safe', () => {
  it('from the table, v2 only with the address that advertises NODE_P2P_V2; the v1-only node never sees a v2 key', async () => {
    const v2 = await fakeNode({ v2: true, services: FULL | NODE_P2P_V2, host: '127.1.0.1' });
    const v1 = await fakeNode({ v2: false, services: FULL, host: '127.2.0.1' });
    const logged: Record<string, unknown>[] = [];
    const p = pool({ store: storeWith([{ node: v2, services: FULL | NODE_P2P_V2 }, { node: v1, services: FULL }]), log: (e, f) => e === 'p2p.connect' && logged.push(f) });
    await p.start();
    await waitFor(() => p.peers.length === 2, 10_000, 'both peers');
    const byAddress = Object.fromEntries(p.peers.map((peer) => [peer.address, peer.transport]));
    expect(byAddress).toEqual({ [v2.address]: 'v2', [v1.address]: 'v1' });
    expect(v2.connections).toEqual(['v2']);
    expect(v1.connections).toEqual(['v1']);
    expect(logged).toContainEqual({ peer: v2.address, height: 7, transport: 'v2' });
  });

  it('an address said to offer v2 that does not: v1 after the failed attempt, and the next connection is v1 at once (its version is what counts)', async () => {
    const node = await fakeNode({ v2: false, services: FULL, host: '127.1.0.1' });
    const p = pool({ store: storeWith([{ node, services: FULL | NODE_P2P_V2 }]) });
    await p.start();
    const peer = await p.waitForPeer(10_000);
    expect(peer!.transport).toBe('v1');
    expect(node.connections).toEqual(['refused', 'v1']);
    expect(p.addresses!.get(node.address)!.services).toBe(FULL);
    peer!.close('test');
    await waitFor(() => p.peers.length === 1, 10_000, 'the reconnection');
    expect(node.connections).toEqual(['refused', 'v1', 'v1']);
  });

  it('a seed address whose version advertises NODE_P2P_V2: v1 the first time, v2 from the next connection on', async () => {
    const node = await fakeNode({ v2: true, services: FULL | NODE_P2P_V2, host: '127.1.0.1' });
    const p = pool({ discover: async () => [{ host: node.host, port: node.port }] });
    await p.start();
    const first = await p.waitForPeer(10_000);
    expect(first!.transport).toBe('v1');
    first!.close('test');
    await waitFor(() => p.peers.length === 1, 10_000, 'the reconnection');
    expect(p.peers[0]!.transport).toBe('v2');
    expect(node.connections).toEqual(['v1', 'v2']);
  });

  it('a pinned peer gets v1 unless the pool is asked for v2 (--v2); then a v1-only one falls back to v1', async () => {
    const both = await fakeNode({ v2: true, services: FULL | NODE_P2P_V2, host: '127.0.0.1' });
    const plain = pool({ connect: [both.address] });
    await plain.start();
    expect((await plain.waitForPeer(10_000))!.transport).toBe('v1');
    plain.stop();
    const asked = pool({ connect: [both.address], transport: 'v2' });
    await asked.start();
    expect((await asked.waitForPeer(10_000))!.transport).toBe('v2');
    expect(both.connections).toEqual(['v1', 'v2']);

    const v1Only = await fakeNode({ v2: false, services: FULL, host: '127.0.0.1' });
    const fallback = pool({ connect: [v1Only.address], transport: 'v2' });
    await fallback.start();
    expect((await fallback.waitForPeer(10_000))!.transport).toBe('v1');
    expect(v1Only.connections).toEqual(['refused', 'v1']);
  });
});
