// A hostile Bitcoin peer for tests: completes the handshake like a node, then misbehaves in one
// chosen way (bad proof of work, a broken chain, a bad merkle proof, oversized or random bytes).

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { chainParams } from '../../src/chain/params.js';
import { bitsToTarget, hashMeetsTarget, targetWords } from '../../src/chain/pow.js';
import { headerHash } from '../../src/chain/sha256d.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_NETWORK, NODE_WITNESS, type Message } from '../../src/p2p/messages.js';
import { encodeFrame, FrameDecoder } from '../../src/p2p/wire.js';
import { mineHeaders } from './headers.js';

export type HostileMode = 'bad-pow' | 'broken-chain' | 'unconnected' | 'oversized' | 'garbage' | 'bad-merkleblock' | 'wrong-block';

export interface HostilePeer {
  address: string;
  /** Connections the peer saw, and whether each was closed by the client. */
  connections: number;
  closedByClient: number;
  close(): Promise<void>;
}

const params = chainParams('regtest');

/** Headers on `parent` where the last one does not meet its target. */
function badPowHeaders(parent: Uint8Array, time: number): Uint8Array {
  const good = mineHeaders(parent, 3, { time });
  const bad = mineHeaders(good.tip, 1, { time: time + 3 * 600 }).raw;
  const words = targetWords(bitsToTarget(0x207fffff)!);
  const v = new DataView(bad.buffer);
  for (let nonce = 0; ; nonce++) {
    v.setUint32(76, nonce, true);
    if (!hashMeetsTarget(headerHash(bad), 0, words)) break;
  }
  return Uint8Array.from([...good.raw, ...bad]);
}

export async function startHostilePeer(opts: {
  mode: HostileMode;
  /** Claimed chain height, so the client prefers this peer. */
  startHeight: number;
  /** Header of a block by display-hash hex (for a merkle block that looks real). */
  headerOf?: (hash: Uint8Array) => Promise<Uint8Array>;
}): Promise<HostilePeer> {
  const state = { connections: 0, closedByClient: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    const decoder = new FrameDecoder(params.magic);
    const send = (m: Message) => {
      const f = encodeMessage(m);
      socket.write(encodeFrame(params.magic, f.command, f.payload));
    };
    let ended = false;
    socket.on('close', () => {
      if (!ended) state.closedByClient++;
    });
    socket.on('error', () => undefined);
    socket.on('data', async (chunk) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch {
        ended = true;
        socket.destroy();
        return;
      }
      for (const f of frames) {
        const m = decodeMessage(f.command, f.payload);
        if (m.type === 'version') {
          send({
            type: 'version', version: 70016, services: NODE_NETWORK | NODE_BLOOM | NODE_WITNESS, timestamp: Math.floor(Date.now() / 1000),
            receiver: { services: 0n, host: '127.0.0.1', port: 0 }, sender: { services: 0n, host: '127.0.0.1', port: 0 },
            nonce: randomBytes(8).readBigUInt64LE(), userAgent: '/hostile:0.1/', startHeight: opts.startHeight, relay: true,
          });
          send({ type: 'verack' });
        } else if (m.type === 'ping') {
          send({ type: 'pong', nonce: m.nonce });
        } else if (m.type === 'getheaders') {
          const tip = m.locator[0] ?? params.genesis;
          // An hour ahead: past the honest chain's median time, inside the two-hour limit.
          const now = Math.floor(Date.now() / 1000) + 3600;
          switch (opts.mode) {
            case 'bad-pow':
              sendHeaders(send, badPowHeaders(tip, now));
              break;
            case 'broken-chain': {
              const raw = mineHeaders(tip, 5, { time: now }).raw;
              raw.set(randomBytes(32), 2 * 80 + 4);
              sendHeaders(send, raw);
              break;
            }
            case 'unconnected':
              sendHeaders(send, mineHeaders(randomBytes(32), 3, { time: now }).raw);
              break;
            case 'oversized': {
              const header = encodeFrame(params.magic, 'headers', new Uint8Array(0)).subarray(0, 24);
              new DataView(header.buffer, header.byteOffset).setUint32(16, 33 * 1024 * 1024, true);
              socket.write(header);
              socket.write(randomBytes(1024));
              break;
            }
            case 'garbage':
              socket.write(randomBytes(4096));
              break;
            default:
              break; // nothing new: stay around to be asked for blocks
          }
        } else if (m.type === 'getdata' && (opts.mode === 'bad-merkleblock' || opts.mode === 'wrong-block')) {
          const first = m.items[0];
          if (!first) continue;
          const leaf = randomBytes(32);
          // wrong-block: a self-consistent proof, but of a block nobody asked for.
          const header = opts.mode === 'wrong-block' || !opts.headerOf ? mineHeaders(randomBytes(32), 1, { merkleRoot: leaf }).raw : await opts.headerOf(first.hash);
          send({ type: 'merkleblock', header, total: 1, hashes: [leaf], flags: Uint8Array.of(1) });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    get closedByClient() {
      return state.closedByClient;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.unref();
      }),
  };
}

function sendHeaders(send: (m: Message) => void, raw: Uint8Array): void {
  const headers: Uint8Array[] = [];
  for (let i = 0; i < raw.length; i += 80) headers.push(raw.slice(i, i + 80));
  send({ type: 'headers', headers });
}
