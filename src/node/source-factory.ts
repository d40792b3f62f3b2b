// The one way from a chosen backend to a chain source, for the core (the app's saved setting), the
// CLI and the daemon (their --backend flags): each resolves its own settings and credentials into
// a BackendChoice, and this makes the source a sync session asks for.

import type { ChainParams } from '../chain/params.js';
import type { HeaderStore } from '../db/header-store.js';
import type { Network } from '../keys/networks.js';
import type { PeerTimeouts, Transport } from '../p2p/peer.js';
import type { Socks5Proxy } from '../p2p/socks5.js';
import type { RpcClient } from './rpc-client.js';
import { RpcSource } from './rpc-source.js';
import type { ChainSource } from './source.js';
import type { CertPins, ElectrumServer } from './electrum/client.js';
import { ElectrumSource } from './electrum/source.js';
import { FiltersSource } from './filters.js';
import { SpvClient } from './spv.js';

/** Makes the chain source for a sync, given the header store it must feed. */
export type SourceFactory = (params: ChainParams, store: HeaderStore) => ChainSource;

export type BackendChoice =
  /**
   * P2P peers (BIP37 bloom filters, or BIP157 compact filters): `connect` pins them, otherwise DNS
   * seeds; all through `proxy` when set; `transport: 'v2'` tries BIP324 first with every peer.
   */
  | { kind: 'spv'; connect: string[]; timeouts?: Partial<PeerTimeouts>; proxy?: Socks5Proxy; transport?: Transport }
  /** `relay: false`: fetch no relayed transactions (unconfirmed payments wait for a block). */
  | { kind: 'filters'; connect: string[]; relay?: boolean; timeouts?: Partial<PeerTimeouts>; proxy?: Socks5Proxy; transport?: Transport }
  /** The embedded node (`node`) or the user's Bitcoin Core (`rpc`), over JSON-RPC. */
  | { kind: 'node' | 'rpc'; rpc: RpcClient }
  /** The user's Electrum servers (every answer proven here); TLS certificates pinned in `pins`. */
  | { kind: 'electrum'; servers: ElectrumServer[]; pins: CertPins; proxy?: Socks5Proxy };

/**
 * The chain source when none is chosen: compact filters (BIP157/158) on main, test and signet;
 * BIP37 on regtest, where the test nodes (bcoin 1.0.2) serve no compact filters.
 */
export function defaultBackendKind(network: Network): 'spv' | 'filters' {
  return network === 'regtest' ? 'spv' : 'filters';
}

/** Said on stderr whenever a command uses BIP37 off regtest (the app shows it beside that choice). */
export const BLOOM_WARNING = 'warning: bloom filters (BIP37) tell every peer which addresses are yours; --backend filters does not';

type EventLog = { info(event: string, fields: Record<string, string | number | boolean>): void };

export function sourceFactory(choice: BackendChoice, log: EventLog): SourceFactory {
  if (choice.kind === 'spv' || choice.kind === 'filters') {
    const { connect, timeouts, proxy, transport } = choice;
    return (params, store) => {
      const opts = {
        params,
        store,
        ...(connect.length > 0 ? { connect } : {}),
        ...(timeouts ? { timeouts } : {}),
        ...(proxy ? { proxy } : {}),
        ...(transport ? { transport } : {}),
        log: (event: string, fields: Record<string, string | number | boolean>) => log.info(event, fields),
      };
      return choice.kind === 'spv' ? new SpvClient(opts) : new FiltersSource({ ...opts, relay: choice.relay ?? true });
    };
  }
  if (choice.kind === 'electrum') {
    const { servers, pins, proxy } = choice;
    return (params, store) => new ElectrumSource({ params, store, servers, pins, ...(proxy ? { proxy } : {}), log: (event, fields) => log.info(event, fields) });
  }
  const { kind, rpc } = choice;
  return (params, store) => new RpcSource({ kind, params, store, rpc });
}
