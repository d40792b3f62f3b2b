// The light client's live peers in the contract: `sync.peers`, read-only, for the app's peers view
// (kept here: contract.ts is at its size limit).

import { z } from 'zod';

export const PEER_METHODS = {
  /** The peers the running chain source is connected to; none for a node or Bitcoin Core RPC, or before the first sync. */
  'sync.peers': z.object({}).strict(),
} as const;

/** A service a peer offers, by its name (the version message's service bits). */
export type PeerService = 'network' | 'network limited' | 'witness' | 'bloom' | 'compact filters' | 'p2p v2';

export interface PeerInfo {
  /** host:port, [IPv6]:port, or NAME.onion:port. */
  address: string;
  services: PeerService[];
  /** 'v2': BIP324 encrypted; 'v1': plain text. */
  transport: 'v1' | 'v2';
  /** The connection goes through the SOCKS5 proxy (Tor). */
  viaProxy: boolean;
  /** Coffer accepts no connections: always false, said for the reader. */
  inbound: false;
  /** The peer's software, as it says (its version message's user agent). */
  userAgent: string;
  /** The best height it told of when it connected. */
  startHeight: number;
}

export interface PeerResults {
  'sync.peers': { peers: PeerInfo[] };
}
