// What a Lightning command can be checked against before LDK loads: the node's options and a
// channel opening's peer address and amounts (the CLI checks them up front; loading LDK takes a
// second).

import { CofferError } from '../api/errors.js';
import type { Socks5Proxy } from '../p2p/socks5.js';

/** Which channels peers may open to this node (none unless the user allows). */
export interface InboundPolicy {
  /** Smallest and largest channel accepted, sats. */
  minSat: number;
  maxSat: number;
  /** Channels one peer may have opened to us that are not ready yet. */
  maxPendingPerPeer: number;
}

export interface ChannelNodeOptions {
  /** Accept peers on this port and host (the CLI's default host is 127.0.0.1). */
  listen?: { host: string; port: number };
  /** Forward other nodes' payments through this node's channels; off unless asked. */
  forward?: boolean;
  /**
   * Announce the channels this node opens, and accept announced ones opened to it, so that other
   * nodes route through them (`coffer daemon --ln-announce`); off unless asked: see docs/ldk-advisories.md.
   */
  announce?: boolean;
  /** Accept channels that peers open to this node, within these limits; refused unless asked. */
  inbound?: InboundPolicy;
  /** Connect to peers through this SOCKS5 proxy (the light client's `--proxy` or setting), each on a Tor circuit of its own. */
  proxy?: Socks5Proxy;
}

/** A peer address `pubkey@host:port`, checked. */
export function parsePeerUri(uri: string): { nodeId: Uint8Array; host: string; port: number } {
  const m = /^([0-9a-fA-F]{66})@(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(uri.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new CofferError('invalid-peer', 'A peer is written PUBKEY@HOST:PORT (a 33-byte public key in hex).');
  const nodeId = Uint8Array.from(Buffer.from(m[1]!, 'hex'));
  if (nodeId[0] !== 2 && nodeId[0] !== 3) throw new CofferError('invalid-peer', 'The peer\'s public key must start with 02 or 03.');
  return { nodeId, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** A channel opening's peer and amounts, checked before anything starts (the CLI checks them up front too). */
export function checkOpen(peerUri: string, amountSat: number, pushSat: number): { nodeId: Uint8Array; host: string; port: number } {
  const peer = parsePeerUri(peerUri);
  if (!Number.isSafeInteger(amountSat) || amountSat <= 0) throw new CofferError('invalid-amount', 'The channel amount is a positive whole number of satoshis.');
  if (!Number.isSafeInteger(pushSat) || pushSat < 0 || pushSat >= amountSat) throw new CofferError('invalid-amount', 'The push amount must be below the channel amount.');
  return peer;
}
