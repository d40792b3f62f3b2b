// Test helper: a lying BIP157 peer. It stands in front of a real node (btcd), passes every message
// through both ways, and changes only what it is told to lie about: the filter of chosen blocks
// (an empty one), and, in 'headers' mode, the filter hashes in cfheaders to match (and the
// checkpoints, when given), so its lie is consistent with itself and only the block can show it.

import net from 'node:net';
import { sha256d } from '../../src/chain/tx.js';
import { equalBytes } from '../../src/chain/bytes.js';
import { decodeMessage, encodeMessage } from '../../src/p2p/messages.js';
import { encodeFrame, FrameDecoder } from '../../src/p2p/wire.js';

/** An empty filter (no elements): it matches nothing, so it hides whatever the block pays. */
export const EMPTY_FILTER = Uint8Array.of(0);

export interface LieTarget {
  /** The block's hash, internal byte order. */
  blockHash: Uint8Array;
  /** The hash of its true filter (dsha256), to find it among cfheaders' filter hashes. */
  filterHash: Uint8Array;
  /** The filter to send instead (default: an empty one). */
  filter?: Uint8Array;
  /** Send it as another block's (a block of a chain the client does not follow). */
  staleHash?: Uint8Array;
}

export interface FilterProxy {
  address: string;
  /** Filters it replaced so far. */
  lies: number;
  close(): Promise<void>;
}

/**
 * `mode`: 'filter' sends an empty filter for the targets but true filter headers (the filter does
 * not hash to the agreed header); 'headers' also changes the filter hashes in cfheaders (two
 * peers' filter headers disagree, and the block shows which one lies); 'withhold' sends no
 * filters and no filter headers at all.
 */
export async function startFilterProxy(opts: {
  magic: number;
  upstream: { host: string; port: number };
  targets: LieTarget[];
  mode: 'filter' | 'headers' | 'withhold';
  /** Checkpoints (filter headers at 1000, 2000, ...) to send instead of the node's. */
  checkpoints?: Uint8Array[];
  /** Wait this long before passing a new connection on (an honest but slower peer). */
  delayMs?: number;
}): Promise<FilterProxy> {
  const sockets = new Set<net.Socket>();
  const state = { lies: 0 };
  const server = net.createServer((client) => {
    client.pause();
    setTimeout(() => pass(client), opts.delayMs ?? 0);
  });
  const pass = (client: net.Socket) => {
    const node = net.connect(opts.upstream);
    sockets.add(client).add(node);
    const d = new FrameDecoder(opts.magic);
    const end = () => {
      client.destroy();
      node.destroy();
    };
    client.on('error', end).on('close', end);
    node.on('error', end).on('close', end);
    client.on('data', (c) => node.write(c));
    node.on('data', (chunk) => {
      for (const f of d.push(chunk)) {
        let payload = f.payload;
        if (opts.mode === 'withhold' && (f.command === 'cfilter' || f.command === 'cfheaders' || f.command === 'cfcheckpt')) {
          state.lies++;
          continue;
        }
        if (f.command === 'cfcheckpt' && opts.checkpoints) {
          const m = decodeMessage(f.command, f.payload);
          if (m.type === 'cfcheckpt') payload = encodeMessage({ ...m, headers: opts.checkpoints.slice(0, m.headers.length) }).payload;
        } else if (f.command === 'cfilter' || f.command === 'cfheaders') {
          const m = decodeMessage(f.command, f.payload);
          const target = m.type === 'cfilter' ? opts.targets.find((t) => equalBytes(t.blockHash, m.blockHash)) : undefined;
          if (m.type === 'cfilter' && target) {
            state.lies++;
            payload = encodeMessage({ ...m, blockHash: target.staleHash ?? m.blockHash, filter: target.filter ?? EMPTY_FILTER }).payload;
          } else if (m.type === 'cfheaders' && opts.mode === 'headers') {
            const lie = (h: Uint8Array) => opts.targets.find((t) => equalBytes(t.filterHash, h));
            const filterHashes = m.filterHashes.map((h) => {
              const t = lie(h);
              return t ? sha256d(t.filter ?? EMPTY_FILTER) : h;
            });
            payload = encodeMessage({ ...m, filterHashes }).payload;
          }
        }
        client.write(encodeFrame(opts.magic, f.command, payload));
      }
    });
    client.resume();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    get lies() {
      return state.lies;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
