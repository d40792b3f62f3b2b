// The playground peer in the contract: `playground.peer|invoice|pay`, a second Lightning node the
// regtest playground runs beside the wallet's (kept here: contract.ts is at its size limit).

import { z } from 'zod';

export const PLAYGROUND_METHODS = {
  /** The peer, started on first call: its node id, where it listens and its on-chain balance. */
  'playground.peer': z.object({}).strict(),
  /** The peer makes an invoice, for the wallet to pay. */
  'playground.invoice': z.object({ amountMsat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), description: z.string().max(639).default('') }).strict(),
  /** The peer pays an invoice the wallet made. */
  'playground.pay': z.object({ bolt11: z.string().min(1).max(8000) }).strict(),
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
}
