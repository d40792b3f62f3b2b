// Error codes the core can return, and the one error class that carries them.
//
// Callers branch on `code`, never on message text. `details` holds the numbers a user needs
// (a shortfall, a required fee rate, a field name); it never holds secrets.

export const ERROR_CODES = [
  'usage',
  'password-required',
  'password-too-short',
  'wrong-password',
  'keystore-corrupt',
  'wallet-exists',
  'no-wallet',
  'wallet-locked',
  'invalid-mnemonic',
  'invalid-passphrase',
  'invalid-descriptor',
  'invalid-address',
  'wrong-network',
  'invalid-uri',
  'invalid-amount',
  'invalid-setting',
  'invalid-header',
  'invalid-merkle-proof',
  'invalid-message',
  'invalid-transaction',
  'no-peers',
  'insufficient-funds',
  'amount-below-dust',
  'fee-too-low',
  'fee-too-high',
  'transaction-too-large',
  'nonstandard-output',
  'invalid-psbt',
  'invalid-labels',
  'invalid-outpoint',
  'unknown-transaction',
  'cannot-bump',
  'backend-unavailable',
  'backend-error',
  'node-not-running',
  'node-unverified',
  'file-unreadable',
  'database-too-new',
  'database-corrupt',
  'database-busy',
  'datadir-unusable',
  'port-unavailable',
  'invalid-watchtower-package',
  'unknown-vault',
  'vault-not-ready',
  'invalid-peer',
  'peer-unreachable',
  'channel-open-failed',
  'channel-close-failed',
  'unknown-channel',
  'invalid-invoice',
  'invoice-expired',
  'invoice-paid',
  'payment-failed',
  'payment-pending',
  'no-route',
  'lightning-unavailable',
  'daemon-unavailable',
  'invalid-backup',
  'file-exists',
  'backup-failing',
  'cookie-file-cli-only',
  'rpc-host-public',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export class CofferError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'CofferError';
    this.code = code;
    this.details = details;
  }
}

export function isCofferError(e: unknown, code?: ErrorCode): e is CofferError {
  return e instanceof CofferError && (code === undefined || e.code === code);
}

/** What crosses a process boundary: never a stack trace, never an Error object. */
export interface WireError {
  code: ErrorCode | 'internal';
  message: string;
  details?: ErrorDetails;
}

/** The one result type every process boundary carries (IPC, WebSocket, the daemon's HTTP). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** A result's value, or its error raised again on this side (an internal one as `onInternal`). */
export function unwrap<T>(r: Result<T>, onInternal: ErrorCode): T {
  if (r.ok) return r.value;
  throw new CofferError(r.error.code === 'internal' ? onInternal : r.error.code, r.error.message, r.error.details ?? {});
}

export function toWireError(e: unknown): WireError {
  if (e instanceof CofferError) {
    return Object.keys(e.details).length > 0
      ? { code: e.code, message: e.message, details: e.details }
      : { code: e.code, message: e.message };
  }
  return { code: 'internal', message: 'An unexpected internal error occurred.' };
}
