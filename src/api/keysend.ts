// Keysend in the contract: `ln.keysend`, a spontaneous payment to a node id, whose preimage the
// payer makes (kept here: contract.ts is at its size limit).

import { z } from 'zod';

export const KEYSEND_METHODS = {
  /** Pay `amountMsat` to the node `nodeId` (33-byte key, hex) without an invoice, over a channel with it or a route to it. */
  'ln.keysend': z.object({ nodeId: z.string().regex(/^0[23][0-9a-fA-F]{64}$/), amountMsat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
} as const;

export interface KeysendResults {
  /** As `ln.pay` answers: the preimage is the one this node made and the payee revealed by claiming. */
  'ln.keysend': { paymentHash: string; preimage: string; feeMsat: number };
}
