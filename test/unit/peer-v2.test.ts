// Peer over BIP324 against scripted fake nodes: a v2 node, v1-only nodes that close, answer in v1
// or stay silent (each a reconnect over v1), and a v2 node that tampers with a packet.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_NETWORK, type Message } from '../../src/p2p/messages.js';
import { Peer } from '../../src/p2p/peer.js';
import { V2Session } from '../../src/p2p/v2-transport.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/p2p/wire.js';

const params = chainParams('regtest');
const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

type V1Answer = 'close' | 'reject' | 'silent';

interface FakeNode {
  port: number;
  /** Per connection: the transport it ended up with. */
  connections: ('v1' | 'v2' | 'refused')[];
  sessionIds: string[];
}

/**
 * A node that answers the version handshake and pings, and `getheaders` with two fake headers.
 * `v2`: it speaks BIP324 (and v1, as a responder must). Otherwise it reads only v1 and, on
 * anything else, does `v1Answer`. `tamper`: after the handshake it flips a bit of its next packet.
 */
async function fakeNode(opts: { v2: boolean; v1Answer?: V1Answer; tamper?: boolean }): Promise<FakeNode> {
  const node: FakeNode = { port: 0, connections: [], sessionIds: [] };
  const server = net.createServer((socket) => {
    const index = node.connections.push(opts.v2 ? 'v2' : 'v1') - 1;
    let session = opts.v2 ? new V2Session({ initiating: false, magic: params.magic }) : undefined;
    const decoder = new FrameDecoder(params.magic);
    let handshaken = false;
    const send = (m: Message) => {
      const f = encodeMessage(m);
      if (!session) {
        socket.write(encodeFrame(params.magic, f.command, f.payload));
        return;
      }
      const packet = session.encode(f.command, f.payload);
      if (opts.tamper && handshaken) packet[packet.length - 1]! ^= 1;
      socket.write(packet);
    };
    const handle = (f: Frame) => {
      const m = decodeMessage(f.command, f.payload);
      if (m.type === 'version') {
        send({ ...m, services: NODE_NETWORK | NODE_BLOOM, nonce: m.nonce + 1n, startHeight: 7 });
        send({ type: 'verack' });
        handshaken = true;
      } else if (m.type === 'ping') send({ type: 'pong', nonce: m.nonce });
      else if (m.type === 'getheaders') send({ type: 'headers', headers: [new Uint8Array(80).fill(1), new Uint8Array(80).fill(2)] });
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      try {
        if (session) {
          const out = session.receive(chunk);
          if (out.v1) {
            node.connections[index] = 'v1';
            session = undefined;
            decoder.push(out.v1).forEach(handle);
            return;
          }
          if (out.send.length) socket.write(out.send);
          if (session.sessionId) node.sessionIds[index] = Buffer.from(session.sessionId).toString('hex');
          out.frames.forEach(handle);
        } else decoder.push(chunk).forEach(handle);
      } catch {
        node.connections[index] = 'refused';
        if (opts.v1Answer === 'reject') send({ type: 'reject', message: 'malformed', code: 1, reason: 'error parsing message', data: new Uint8Array(32) });
        else if (opts.v1Answer !== 'silent') socket.destroy();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  node.port = (server.address() as net.AddressInfo).port;
  return node;
}

const connect = (port: number, timeouts = {}) => Peer.connect({ params, host: '127.0.0.1', port, ourHeight: 0, transport: 'v2', timeouts });

describe('Peer over BIP324', () => {
  it('speaks v2 to a v2 node: handshake, ping, getheaders -> headers, the same session id on both ends', async () => {
    const node = await fakeNode({ v2: true });
    const peer = await connect(node.port);
    expect(peer.transport).toBe('v2');
    expect(peer.startHeight).toBe(7);
    await peer.ping();
    const headers = peer.wait((m) => m.type === 'headers');
    peer.send({ type: 'getheaders', version: 70016, locator: [new Uint8Array(32)], stop: new Uint8Array(32) });
    const m = await headers;
    expect(m.type === 'headers' && m.headers.length).toBe(2);
    expect(node.connections).toEqual(['v2']);
    expect(peer.sessionId).toBe(node.sessionIds[0]);
    peer.close('done');
  });

  it('still speaks v1 when asked to (the default), to a node that speaks both', async () => {
    const node = await fakeNode({ v2: true });
    const peer = await Peer.connect({ params, host: '127.0.0.1', port: node.port, ourHeight: 0 });
    expect(peer.transport).toBe('v1');
    expect(peer.sessionId).toBeUndefined();
    await peer.ping();
    expect(node.connections).toEqual(['v1']);
    peer.close('done');
  });

  it.each<V1Answer>(['close', 'reject', 'silent'])('falls back to v1 when a v1-only node answers the v2 key with "%s"', async (v1Answer) => {
    const node = await fakeNode({ v2: false, v1Answer });
    const peer = await connect(node.port, { handshake: 1_500 });
    expect(peer.transport).toBe('v1');
    await peer.ping();
    expect(node.connections).toEqual(['refused', 'v1']);
    peer.close('done');
  });

  it('closes as misbehaving when a v2 packet fails authentication', async () => {
    const node = await fakeNode({ v2: true, tamper: true });
    const peer = await connect(node.port);
    // The node's first packet after its verack (the pong) has a flipped bit.
    await expect(peer.ping()).rejects.toMatchObject({ code: 'invalid-message', misbehaving: true });
    expect(peer.closed).toMatchObject({ misbehaving: true, reason: 'v2 packet authentication failed' });
    expect(node.connections).toEqual(['v2']);
  });

  it('does not retry over v1 when the address refuses connections', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(connect(port)).rejects.toMatchObject({ code: 'invalid-message', misbehaving: false });
  });
});
