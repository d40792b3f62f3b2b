// Error codes the core can return, the details each code carries, and the one error class for both.
//
// Callers branch on `code`, never on message text. `details` holds the numbers a user needs, typed
// per code (ErrorDetailsByCode: a shortfall, a required fee rate, a field name); never secrets.

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
  'invalid-gossip',
  'file-exists',
  'backup-failing',
  'cookie-file-cli-only',
  'rpc-host-public',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Any code's details as a reader sees them without knowing the code: plain values only. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

/** A code that carries no details. */
type None = Record<string, never>;
/** Which of the password fields was wrong or missing. */
type PasswordField = { field?: 'password' | 'currentPassword' };

/**
 * Each code's details: what its throw sites give and its readers (the renderer, the CLI's
 * `--accept-high-fee` hint) may rely on. Amounts carry their unit in the name: `…Sat`, `…Msat`,
 * `…SatPerVb`, `…Wu` (weight units), `…Bytes`. Checked both ways: a code missing here, or a
 * code here that is not in ERROR_CODES, does not compile.
 */
export type ErrorDetailsByCode = Exhaustive<{
  usage: { field?: string };
  'password-required': PasswordField;
  'password-too-short': { minLength: number };
  'wrong-password': PasswordField;
  'keystore-corrupt': { reason?: string };
  'wallet-exists': None;
  'no-wallet': None;
  'wallet-locked': { reason?: 'rpc-password' };
  'invalid-mnemonic': { words?: number; position?: number };
  'invalid-passphrase': None;
  'invalid-descriptor': { reason?: string };
  'invalid-address': { reason?: string };
  /** `network` is the one expected; the other names what the address, key, node, package or data directory is for. */
  'wrong-network': { network: string; addressNetwork?: string; keyNetwork?: string; nodeNetwork?: string; packageNetwork?: string; walletNetwork?: string };
  'invalid-uri': { reason: string; param?: string };
  /** `index`: which recipient of a send. */
  'invalid-amount': { reason?: 'format' | 'precision' | 'too-large'; index?: number };
  /** `min`/`max` are in the unit the setting's key names (`auto-lock-minutes`). */
  'invalid-setting': { key?: string; min?: number; max?: number; feeRateSatPerVb?: number };
  'invalid-header': { height: number; reason: string };
  'invalid-merkle-proof': { reason: string };
  'invalid-message': { reason: string; command?: string; misbehaving?: boolean };
  'invalid-transaction': { reason: string };
  'no-peers': None;
  /** On chain in satoshis; over Lightning channels in millisatoshis. */
  'insufficient-funds': { neededSat: number; availableSat?: number; shortfallSat?: number; anchorReserveSat?: number } | { neededMsat: number; availableMsat: number };
  /** `index`: which recipient of a send; a vault whose cheapest cancel leaves dust names no single value. */
  'amount-below-dust': { valueSat?: number; dustThresholdSat?: number; index?: number };
  /** Below the relay floor or the replaced transaction's rate; or a replacement's absolute fee below BIP125's. */
  'fee-too-low': { feeRateSatPerVb: number; requiredSatPerVb: number } | { feeSat: number; requiredFeeSat: number };
  /** Over the rate limit (never sent), or a large share of the amount (sent once confirmed). */
  'fee-too-high':
    | { feeRateSatPerVb: number; maxSatPerVb: number; requiresConfirmation: false }
    | { feeSat: number; amountSentSat: number; percent: number; requiresConfirmation: true };
  'transaction-too-large': { inputs: number; maxInputs: number } | { weightWu: number; maxWeightWu: number };
  'nonstandard-output': { index: number };
  'invalid-psbt': { reason?: string; input?: number; against?: string; claimedSat?: number; actualSat?: number; feeSat?: number };
  'invalid-labels': { reason: string; line?: number; record?: number; maxBytes?: number; maxRecords?: number };
  'invalid-outpoint': { outpoint?: string };
  'unknown-transaction': None;
  'cannot-bump': { txid?: string; child?: string };
  /** `socksReply`: the SOCKS5 proxy's reply code when it could not reach the peer (RFC 1928; Tor's 0xf0-0xf7). */
  'backend-unavailable': { reason?: string; url?: string; network?: string; txid?: string; socksReply?: number };
  'backend-error': { reason?: string; status?: number; method?: string; rpcCode?: number; height?: number };
  'node-not-running': None;
  'node-unverified': { pid: number; rpcPort: number };
  'file-unreadable': { file?: string; kind?: string; reason?: string; limitBytes?: number };
  'database-too-new': { databaseVersion: number; supportedVersion: number };
  'database-corrupt': { sqlite?: string; reason?: string; file?: string; traces?: string; setting?: string };
  'database-busy': { sqlite?: string };
  'datadir-unusable': { file?: string; reason?: string; sqlite?: string };
  'port-unavailable': None;
  'invalid-watchtower-package': { reason: string };
  'unknown-vault': { id?: string };
  'vault-not-ready': { status: string; withdrawableAtHeight?: number; tipHeight?: number };
  'invalid-peer': None;
  'peer-unreachable': None;
  'channel-open-failed': None;
  'channel-close-failed': None;
  'unknown-channel': None;
  'invalid-invoice': None;
  'invoice-expired': None;
  'invoice-paid': { paymentHash: string };
  'payment-failed': { paymentHash?: string };
  'payment-pending': { paymentHash: string };
  'no-route': { paymentHash?: string };
  'lightning-unavailable': None;
  'daemon-unavailable': None;
  'invalid-backup': None;
  /** A Rapid Gossip Sync snapshot that cannot be read or applied: LDK's decode error, `other-network`, `stale` or `refused`. */
  'invalid-gossip': { reason: string };
  'file-exists': { file?: string };
  'backup-failing': { file: string };
  'cookie-file-cli-only': { reason: 'url-changed' | 'path' };
  'rpc-host-public': { host: string };
}>;

/** T with exactly one entry per error code. */
type Exhaustive<T extends Record<ErrorCode, object> & Record<Exclude<keyof T, ErrorCode>, never>> = T;

/** The details of code C (of each code, for a union). */
export type DetailsOf<C extends ErrorCode> = C extends ErrorCode ? Readonly<ErrorDetailsByCode[C]> : never;

/** The constructor's details argument: required when the code has a required field. */
type DetailsArg<C extends ErrorCode> = {} extends DetailsOf<C> ? [details?: DetailsOf<C>] : [details: DetailsOf<C>];

export class CofferError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  /** Typed by the code; readable by any key too, for a reader that does not know the code. */
  readonly details: DetailsOf<C> & ErrorDetails;

  constructor(code: C, message: string, ...[details]: DetailsArg<C>) {
    super(message);
    this.name = 'CofferError';
    this.code = code;
    this.details = (details ?? {}) as DetailsOf<C> & ErrorDetails;
  }

  /** So that `instanceof` narrows to CofferError<ErrorCode> or the subclass (TypeScript would say CofferError<any>). */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, v: unknown): v is T & CofferError {
    return Function.prototype[Symbol.hasInstance].call(this, v);
  }
}

/** Raise a wire error (or a worker's) again on this side: its code and details as they came. */
export function fromWire(code: ErrorCode, message: string, details: ErrorDetails = {}): CofferError {
  return new CofferError(code, message, details as DetailsOf<ErrorCode>);
}

export function isCofferError<C extends ErrorCode = ErrorCode>(e: unknown, code?: C): e is CofferError<C> {
  return e instanceof CofferError && (code === undefined || e.code === code);
}

/**
 * What crosses a process boundary: never a stack trace, never an Error object. A union by code,
 * so a reader that checked `code` reads that code's details with their types.
 */
export type WireError =
  | { [C in ErrorCode]: { code: C; message: string; details?: DetailsOf<C> } }[ErrorCode]
  | { code: 'internal'; message: string; details?: undefined };

/** The one result type every process boundary carries (IPC, WebSocket, the daemon's HTTP). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** A result's value, or its error raised again on this side (an internal one as `onInternal`). */
export function unwrap<T>(r: Result<T>, onInternal: ErrorCode): T {
  if (r.ok) return r.value;
  throw fromWire(r.error.code === 'internal' ? onInternal : r.error.code, r.error.message, r.error.details);
}

export function toWireError(e: unknown): WireError {
  if (e instanceof CofferError) {
    // The code and its details came from one constructor call, checked there.
    return (Object.keys(e.details).length > 0 ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message }) as WireError;
  }
  return { code: 'internal', message: 'An unexpected internal error occurred.' };
}
