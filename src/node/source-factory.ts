// The one way from a chosen backend to a chain source, for the core (the app's saved setting), the
// CLI and the daemon (their --backend flags): each resolves its own settings and credentials into
// a BackendChoice, and this makes the source a sync session asks for.

import type { ChainParams } from '../chain/params.js';
import type { HeaderStore } from '../db/header-store.js';
import type { PeerTimeouts } from '../p2p/peer.js';
import type { Socks5Proxy } from '../p2p/socks5.js';
import type { RpcClient } from './rpc-client.js';
import { RpcSource } from './rpc-source.js';
import type { ChainSource } from './source.js';
import { SpvClient } from './spv.js';

/** Makes the chain source for a sync, given the header store it must feed. */
export type SourceFactory = (params: ChainParams, store: HeaderStore) => ChainSource;

export type BackendChoice =
  /** P2P peers: `connect` pins them, otherwise DNS seeds; all through `proxy` when set. */
  | { kind: 'spv'; connect: string[]; timeouts?: Partial<PeerTimeouts>; proxy?: Socks5Proxy }
  /** The embedded node (`node`) or the user's Bitcoin Core (`rpc`), over JSON-RPC. */
  | { kind: 'node' | 'rpc'; rpc: RpcClient };

type EventLog = { info(event: string, fields: Record<string, string | number | boolean>): void };

export function sourceFactory(choice: BackendChoice, log: EventLog): SourceFactory {
  if (choice.kind === 'spv') {
    const { connect, timeouts, proxy } = choice;
    return (params, store) =>
      new SpvClient({
        params,
        store,
        ...(connect.length > 0 ? { connect } : {}),
        ...(timeouts ? { timeouts } : {}),
        ...(proxy ? { proxy } : {}),
        log: (event, fields) => log.info(event, fields),
      });
  }
  const { kind, rpc } = choice;
  return (params, store) => new RpcSource({ kind, params, store, rpc });
}
