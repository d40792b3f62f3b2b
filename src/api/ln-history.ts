// What the contract says of Lightning invoices and payments: `ln.decode`'s reading of an invoice,
// `ln.payments` (sent and received) and `ln.invoices` (open, paid, expired). Kept here: contract.ts
// is at its size limit.

/** One hop of an invoice's route hint: the channel into the payee's side of the graph. */
export interface RouteHintHop {
  /** The node at the channel's start. */
  nodeId: string;
  /** BLOCKxTXxOUTPUT. */
  shortChannelId: string;
  baseFeeMsat: number;
  proportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface InvoiceInfo {
  network: string;
  paymentHash: string;
  /** The payee's node id (recovered from the signature). */
  payee: string;
  /** Absent for an invoice of any amount. */
  amountMsat?: number;
  description?: string;
  /** Seconds since the epoch. */
  createdAt: number;
  expiresAt: number;
  expired: boolean;
  minFinalCltvExpiry: number;
  /** Private routes to the payee, each a list of hops ending at it. */
  routeHints: RouteHintHop[][];
}

/** A Lightning payment sent or received, as recorded. */
export interface LnPayment {
  paymentHash: string;
  direction: 'sent' | 'received';
  amountMsat?: number;
  /** Routing fee paid (sent payments). */
  feeMsat?: number;
  /** The proof of payment, once paid. */
  preimage?: string;
  status: 'pending' | 'succeeded' | 'failed';
  bolt11?: string;
  /** ms since the epoch */
  createdAt: number;
  settledAt?: number;
}

/** An invoice this node made. */
export interface LnInvoice {
  paymentHash: string;
  bolt11: string;
  /** Absent for an invoice of any amount. */
  amountMsat?: number;
  /** What was received, once paid (at least the amount asked). */
  receivedMsat?: number;
  description?: string;
  /** `open` until paid or past its expiry. */
  status: 'open' | 'paid' | 'expired';
  /** ms since the epoch */
  createdAt: number;
  /** Seconds since the epoch, as the invoice says. */
  expiresAt: number;
  settledAt?: number;
}
