// The playground peer in the contract: `playground.peer|invoice|pay|offer`, a second Lightning node
// the regtest playground runs beside the wallet's (kept here: contract.ts is at its size limit).

import { z } from 'zod';

/** The channels the peer offers the wallet: what the wallet's node accepts in the playground (the CLI's `--ln-accept-inbound` limits). */
export const OFFER_SAT = { min: 20_000, max: 16_777_215, default: 1_000_000 } as const;

export const PLAYGROUND_METHODS = {
  /** The peer, started on first call: its node id, where it listens and its on-chain balance. */
  'playground.peer': z.object({}).strict(),
  /** The peer makes an invoice, for the wallet to pay. */
  'playground.invoice': z.object({ amountMsat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), description: z.string().max(639).default('') }).strict(),
  /** The peer pays an invoice the wallet made. */
  'playground.pay': z.object({ bolt11: z.string().min(1).max(8000) }).strict(),
  /**
   * The peer opens a channel it funds to the wallet's node, the wallet's side empty (room to
   * receive), and the playground mines its confirmations.
   */
  'playground.offer': z.object({ amountSat: z.number().int().min(OFFER_SAT.min).max(OFFER_SAT.max).default(OFFER_SAT.default) }).strict(),
} as const;

export interface PlaygroundPeerInfo {
  nodeId: string;
  /** `nodeId@127.0.0.1:port`: what a channel opening names. */
  uri: string;
  /** Confirmed on-chain sats in the peer's wallet. */
  onChainSat: number;
  /** Channels the peer has (with anyone: only the wallet's node can reach it). */
  channels: number;
}

export interface PlaygroundResults {
  'playground.peer': PlaygroundPeerInfo;
  'playground.invoice': { bolt11: string; paymentHash: string; expiresAt: number };
  'playground.pay': { paymentHash: string; preimage: string; feeMsat: number };
  'playground.offer': { channelId: string; fundingTxid: string };
}
