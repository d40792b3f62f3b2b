// BIP324 against btcd v0.26.0: a v2 session with a node started with --v2transport (version,
// verack, getheaders -> headers, ping), the fallback to v1 with a node started without it, and
// V2Session as the responder when btcd initiates.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex } from '@scure/base';
import { chainParams } from '../../src/chain/params.js';
import { headerHash } from '../../src/chain/sha256d.js';
import { decodeMessage, encodeMessage, NODE_NETWORK, type Message } from '../../src/p2p/messages.js';
import { Peer, PROTOCOL_VERSION } from '../../src/p2p/peer.js';
import { V2Session } from '../../src/p2p/v2-transport.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';

const params = chainParams('regtest');
const displayHex = (hash: Uint8Array): string => hex.encode(hash.slice().reverse());

async function headersFromGenesis(peer: Peer): Promise<string[]> {
  const answer = peer.wait((m) => m.type === 'headers');
  peer.send({ type: 'getheaders', version: PROTOCOL_VERSION, locator: [headerHash(params.genesis)], stop: new Uint8Array(32) });
  const m = await answer;
  return m.type === 'headers' ? m.headers.map((h) => displayHex(headerHash(h))) : [];
}

describe('BIP324 with btcd', () => {
  let v2: BtcdNode;
  let v1: BtcdNode;
  beforeAll(async () => {
    [v2, v1] = await Promise.all([startBtcd({ args: ['--v2transport'] }), startBtcd()]);
    await Promise.all([v2.mine(5), v1.mine(3)]);
  });
  afterAll(async () => {
    await Promise.all([v2?.close(), v1?.close()]);
  });

  it('speaks v2 to a node with --v2transport: handshake, version/verack, getheaders -> headers', async () => {
    const peer = await Peer.connect({ params, host: v2.host, port: v2.port, ourHeight: 0, transport: 'v2', requiredServices: NODE_NETWORK });
    try {
      expect(peer.transport).toBe('v2');
      expect(peer.sessionId).toMatch(/^[0-9a-f]{64}$/);
      expect(peer.startHeight).toBe(5);
      const expected = await Promise.all([1, 2, 3, 4, 5].map((h) => v2.getBlockHash(h)));
      expect(await headersFromGenesis(peer)).toEqual(expected);
      await peer.ping();
    } finally {
      peer.close('done');
    }
  });

  it('falls back to v1 with a node that does not speak v2, and syncs headers over it', async () => {
    const peer = await Peer.connect({ params, host: v1.host, port: v1.port, ourHeight: 0, transport: 'v2', requiredServices: NODE_NETWORK });
    try {
      expect(peer.transport).toBe('v1');
      expect(peer.sessionId).toBeUndefined();
      const expected = await Promise.all([1, 2, 3].map((h) => v1.getBlockHash(h)));
      expect(await headersFromGenesis(peer)).toEqual(expected);
    } finally {
      peer.close('done');
    }
  });

  it('answers as the v2 responder when btcd connects: handshake, version/verack, ping -> pong', async () => {
    const seen: string[] = [];
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const finished = new Promise<string>((resolve, reject) => {
      server.once('connection', (socket) => {
        const s = new V2Session({ initiating: false, magic: params.magic });
        const send = (m: Message) => {
          const f = encodeMessage(m);
          socket.write(s.encode(f.command, f.payload));
        };
        socket.on('error', reject);
        socket.on('data', (chunk: Buffer) => {
          try {
            const out = s.receive(chunk);
            if (out.v1) throw new Error('btcd spoke v1');
            if (out.send.length) socket.write(out.send);
            for (const f of out.frames) {
              const m = decodeMessage(f.command, f.payload);
              seen.push(m.type);
              if (m.type === 'version') {
                send({ ...m, nonce: m.nonce + 1n, startHeight: 0 });
                send({ type: 'verack' });
              } else if (m.type === 'verack') send({ type: 'ping', nonce: 324n });
              else if (m.type === 'pong' && m.nonce === 324n) {
                socket.destroy();
                resolve(Buffer.from(s.sessionId!).toString('hex'));
              }
            }
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
    });
    const initiator = await startBtcd({ args: ['--v2transport', `--connect=127.0.0.1:${port}`] });
    try {
      expect(await finished).toMatch(/^[0-9a-f]{64}$/);
      expect(seen[0]).toBe('version');
      expect(seen).toContain('verack');
      expect(seen.at(-1)).toBe('pong');
    } finally {
      server.close();
      await initiator.close();
    }
  });
});
