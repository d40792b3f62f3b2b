// The one contract between the UI and the core: method -> params schema -> result type, and the
// events the core pushes. Main (IPC) and the browser shell (WebSocket) parse every payload with
// these schemas at the edge; the renderer imports only the types.

import { z } from 'zod';
import type { Result, WireError } from './errors.js';
import type { InvoiceInfo, LnInvoice, LnPayment } from './ln-history.js';
export type { InvoiceInfo, LnInvoice, LnPayment, RouteHintHop } from './ln-history.js';
import { DISPLAY_METHODS, type DisplayResults } from './display.js';
import { ELECTRUM_METHODS, type ElectrumResults } from './electrum.js';
import { KEYSEND_METHODS, type KeysendResults } from './keysend.js';
import { PEER_METHODS, type PeerResults } from './peers.js';
import { PLAYGROUND_METHODS, type PlaygroundResults } from './playground.js';
import { hostPort, TOWER_METHODS, type TowerResults } from './towers.js';
import { VAULT_FILE_METHODS, type VaultFileResults } from './vault-files.js';
const network = z.enum(['main', 'test', 'signet', 'regtest']);
const sats = z.number().int().nonnegative().max(21_000_000 * 100_000_000);
const password = z.string().min(1).max(1024);
const txidHex = z.string().regex(/^[0-9a-f]{64}$/);
const outpoint = z.string().regex(/^[0-9a-f]{64}:\d{1,10}$/);
const shortText = z.string().max(1024);
const feeRate = z.number().positive().max(1_000_000);
const vaultId = z.string().min(1).max(64);
const vaultDelay = z.number().int().min(1).max(65535);
const recoveryText = z.string().min(1).max(1000);
/** The largest PSBT file the CLI reads is 64 MiB (service/files.ts): as base64, this many characters. */
export const PSBT_BASE64_MAX = Math.ceil((64 * 1024 * 1024) / 3) * 4;
export const LABELS_TEXT_MAX = 64 * 1024 * 1024; // the most text labels.import takes: a whole labels file as the CLI reads it
/** A PSBT travels as base64 text, never as a file path: reading files is the CLI's job. */
const psbtText = z.string().min(1).max(PSBT_BASE64_MAX);
const bolt11Text = z.string().min(1).max(8000);

export const backendConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('spv'), connect: z.array(hostPort).max(16).default([]), proxy: z.string().max(300).optional() }), // proxy: socks5://HOST:PORT, checked by the core
  // relay: false: no relayed transactions are fetched; incoming payments show at their first confirmation.
  z.object({ kind: z.literal('filters'), connect: z.array(hostPort).max(16).default([]), relay: z.boolean().optional(), proxy: z.string().max(300).optional() }),
  z.object({ kind: z.literal('node'), connect: z.array(hostPort).max(16).default([]), prune: z.boolean().default(false) }),
  z.object({ kind: z.literal('electrum'), servers: z.array(z.string().min(1).max(300)).min(1).max(8), proxy: z.string().max(300).optional() }), // tcp:// or ssl://HOST:PORT

  z.object({
    kind: z.literal('rpc'),
    url: z.string().url().max(300),
    /**
     * Only to keep the cookie file saved with this same URL (settings.get shows it): a cookie file
     * is chosen with the `coffer` command, never here (`cookie-file-cli-only`).
     */
    cookieFile: z.string().max(1024).optional(),
    user: z.string().max(256).optional(),
    /** A new password (stored encrypted under the wallet seed); empty or absent keeps the saved one for the same URL and user. */
    password: z.string().max(1024).optional(),
    /**
     * The user confirmed a node outside this computer and its private network: without it such a
     * new URL is refused with `rpc-host-public`. The UI sets it only after asking.
     */
    publicHostConfirmed: z.literal(true).optional(),
  }),
]);
export type BackendConfig = z.infer<typeof backendConfig>;

/** The saved backend as settings.get shows it: never a password, only whether one is saved. */
export type BackendView =
  | Exclude<BackendConfig, { kind: 'rpc' | 'electrum' }>
  /** pinned: the certificates pinned on first use, by HOST:PORT (SHA-256, hex). */
  | { kind: 'electrum'; servers: string[]; proxy?: string; pinned: Record<string, string> }
  | {
      kind: 'rpc';
      url: string;
      user?: string;
      /** Set with the `coffer` command; used while the URL stays the same. */
      cookieFile?: string;
      /** removed: an update took out a password that older versions had stored unencrypted. */
      passwordStatus: 'saved' | 'none' | 'removed';
    };

const recipient = z.object({ address: z.string().min(1).max(200), amount: z.union([sats, z.literal('max')]) });
const sendParams = z.object({
  recipients: z.array(recipient).min(1).max(100),
  feeRate: feeRate.optional(),
  feePreset: z.enum(['fast', 'normal', 'slow']).optional(),
  inputs: z.array(outpoint).max(1000).optional(),
});

/** Params schema of every method. A method is one entry here, one handler in src/service/core.ts or src/service/handlers/. */
export const METHODS = {
  'app.status': z.object({}).strict(),
  /** The user did something (key, click): postpones the auto-lock. Reading data does not. */
  'app.activity': z.object({}).strict(),
  'app.open': z.object({ network }).strict(),
  /**
   * A new wallet becomes the open one. When the data directory already holds a wallet,
   * `currentPassword` must be that wallet's (the open one's, if one is open): else anyone who can
   * reach the API, even while the app is locked, could switch it to a wallet of their own (a
   * `coffer` command's own core asks for none). Without `backend` no chain source is saved.
   */
  'wallet.create': z.object({ network, words: z.union([z.literal(12), z.literal(24)]), passphrase: shortText.default(''), script: z.enum(['wpkh', 'tr']), password, backend: backendConfig.optional(), currentPassword: password.optional() }).strict(),
  'wallet.restore': z.object({ network, mnemonic: z.string().min(1).max(2000), passphrase: shortText.default(''), script: z.enum(['wpkh', 'tr']), birthday: z.number().int().nonnegative().max(100_000_000).optional(), password, backend: backendConfig.optional(), currentPassword: password.optional() }).strict(),
  'wallet.playground': z.object({ password, currentPassword: password.optional() }).strict(),
  'wallet.checkWords': z.object({ password, answers: z.array(z.object({ position: z.number().int().min(1).max(24), word: z.string().max(100) })).min(1).max(24) }).strict(),
  'wallet.unlock': z.object({ password }).strict(),
  'wallet.lock': z.object({}).strict(),
  'wallet.reveal': z.object({ password }).strict(),
  'wallet.changePassword': z.object({ oldPassword: password, newPassword: password }).strict(),
  'wallet.summary': z.object({}).strict(),
  /** The current unpaid receive address, or with `fresh` a new one. */
  'wallet.address': z.object({ fresh: z.boolean().default(false) }).strict(),
  /** Newest first; `limit` for a short list (the dashboard's recent transactions). */
  'wallet.history': z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
  'wallet.transaction': z.object({ txid: txidHex }).strict(),
  'wallet.utxos': z.object({}).strict(),
  'wallet.freeze': z.object({ outpoint, frozen: z.boolean() }).strict(),
  'wallet.setLabel': z.object({ type: z.enum(['tx', 'addr', 'output']), ref: z.string().min(1).max(200), label: z.string().max(255) }).strict(),
  'wallet.descriptors': z.object({}).strict(),
  /** The wallet's facts and its settings by key, as `coffer wallet info` prints them. */
  'wallet.info': z.object({}).strict(),
  'labels.export': z.object({}).strict(),
  'labels.import': z.object({ text: z.string().max(LABELS_TEXT_MAX) }).strict(),
  'uri.build': z.object({ address: z.string().min(1).max(200), amountSat: sats.optional(), label: shortText.optional(), message: shortText.optional() }).strict(),
  'uri.parse': z.object({ text: z.string().max(4000) }).strict(),
  'send.preview': sendParams.strict(),
  /**
   * Sign and broadcast a send (with dryRun only build and sign). Signs with the unlocked wallet; a
   * `password` given is checked (and unlocks) only after every check that needs no key.
   */
  'send.confirm': sendParams.extend({ acceptHighFee: z.boolean().default(false), dryRun: z.boolean().default(false), password: password.optional() }).strict(),
  /**
   * Replace an unconfirmed send of ours with a higher fee (RBF, BIP125). Like send.confirm it
   * signs with the unlocked wallet; a `password` given is checked (and unlocks) only after every
   * check that needs no key, so a refused bump never costs the key derivation.
   */
  'send.bump': z.object({ txid: txidHex, feeRate, dryRun: z.boolean().default(false), password: password.optional() }).strict(),
  /** Speed up an unconfirmed transaction by spending one of its outputs back to ourselves (CPFP); `password` as for send.bump. */
  'send.cpfp': z.object({ outpoint, feeRate, dryRun: z.boolean().default(false), password: password.optional() }).strict(),
  /** Forget one of our unconfirmed transactions that the network does not have (frees its coins). */
  'tx.abandon': z.object({ txid: txidHex }).strict(),
  /** An unsigned PSBT with key origins (same recipients and coin control as a send). Signs nothing. */
  'psbt.create': sendParams.strict(),
  /** What psbt.sign would sign: every input (this wallet's own, with the key path, or why not), every output, the fee. */
  'psbt.review': z.object({ psbt: psbtText }).strict(),
  /**
   * Sign only this wallet's own inputs of a PSBT from anywhere (the review decides which). Signing
   * always needs the wallet's `password`, even while unlocked: holding the API must not be enough
   * to sign what another program hands in. A PSBT with nothing of ours to sign is refused first,
   * without it (`invalid-psbt`); with something to sign and no password: `password-required`.
   */
  'psbt.sign': z.object({ psbt: psbtText, password: password.optional() }).strict(),
  'psbt.finalize': z.object({ psbt: psbtText }).strict(),
  /** Merge the signatures of several PSBTs of the same transaction. */
  'psbt.combine': z.object({ psbts: z.array(psbtText).min(1).max(16) }).strict(),
  /** Finalize (if needed), check against Coffer's policy, record and broadcast. */
  'psbt.broadcast': z.object({ psbt: psbtText, acceptHighFee: z.boolean().default(false) }).strict(),
  'fees.get': z.object({}).strict(),
  'settings.get': z.object({}).strict(),
  /** Changing autoLockMinutes needs the wallet's `password` (a token holder must not turn the lock off); feeEstimates (the `fee-estimates` setting) does not. */
  'settings.set': z.object({ autoLockMinutes: z.number().int().min(0).max(1440).optional(), feeEstimates: z.enum(['auto', 'blocks', 'presets']).optional(), backend: backendConfig.optional(), password: password.optional() }).strict(),
  'sync.now': z.object({}).strict(),
  'node.mine': z.object({ blocks: z.number().int().min(1).max(1000) }).strict(),
  'vault.list': z.object({}).strict(),
  /** What a vault would cost: the presigned unvault and each cancel rung, for the create form. */
  'vault.preview': z.object({ amount: sats, delay: vaultDelay, recovery: recoveryText, feeRate: feeRate.optional() }).strict(),
  /** Vault spends sign with the unlocked wallet; a `password` given unlocks only after every check that needs no key. */
  'vault.create': z.object({ amount: sats, delay: vaultDelay, recovery: recoveryText, feeRate: feeRate.optional(), password: password.optional() }).strict(),
  'vault.withdraw': z.object({ id: vaultId, password: password.optional() }).strict(),
  /** With `dryRun` the withdrawal is built and signed, not sent (`broadcast: false`; the app's review shows its `fee` and the `amount` arriving). */
  'vault.complete': z.object({ id: vaultId, address: z.string().min(1).max(200), feeRate: feeRate.optional(), password: password.optional(), dryRun: z.boolean().default(false) }).strict(),
  /**
   * The presigned cancel paying at least `feeRate` (default: the fast estimate). No key is needed;
   * with the `password` a CPFP child may lift it above the top rung (`cpfpTxid`).
   */
  'vault.cancel': z.object({ id: vaultId, feeRate: feeRate.optional(), password: password.optional() }).strict(),
  ...VAULT_FILE_METHODS,
  'ln.info': z.object({}).strict(),
  'ln.invoice': z.object({ amountMsat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(), description: z.string().max(639).default(''), expirySecs: z.number().int().min(60).max(31_536_000).default(3600) }).strict(),
  'ln.pay': z.object({ bolt11: bolt11Text, amountMsat: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional() }).strict(),
  /** What a BOLT 11 invoice asks for (its signature, network and fields checked by LDK); needs no running node. */
  'ln.decode': z.object({ bolt11: bolt11Text }).strict(),
  /** Payments this node sent and received, newest first. */
  'ln.payments': z.object({}).strict(),
  /** Invoices this node made, newest first: open, paid or expired. */
  'ln.invoices': z.object({}).strict(),
  'channel.open': z.object({ peer: z.string().min(1).max(300), amountSat: sats, pushSat: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0) }).strict(),
  'channel.list': z.object({}).strict(),
  // The desktop app leaves out `file`: Electron main asks for it in a save dialog (main/ipc-router.ts).
  'channel.backup': z.object({ file: z.string().min(1).max(4096).optional() }).strict(),
  'channel.close': z.object({ id: z.string().regex(/^[0-9a-fA-F]{64}$/), force: z.boolean().default(false) }).strict(),
  ...TOWER_METHODS, ...PEER_METHODS, ...KEYSEND_METHODS, ...ELECTRUM_METHODS, ...DISPLAY_METHODS, ...PLAYGROUND_METHODS,
} as const;

export type Method = keyof typeof METHODS;
export type Params<M extends Method> = z.input<(typeof METHODS)[M]>;

export type SyncPhase = 'idle' | 'connecting' | 'headers' | 'blocks' | 'mempool' | 'error';

export interface SyncState {
  phase: SyncPhase;
  height: number;
  /** Best height known from the source, while downloading. */
  target?: number;
  lastSyncedAt?: number;
  error?: WireError;
}

export interface AppStatus {
  version: string;
  /** Networks that have a wallet in this data directory. */
  wallets: string[];
  open?: { network: string; locked: boolean; backend: BackendConfig['kind']; fingerprint: string; backupConfirmed: boolean };
  sync: SyncState;
  /** The channel backup file cannot be written: channel updates wait (an alarm on every screen). */
  channelBackupFailing?: ChannelBackupAlarm;
}

/** Why and since when the channel backup file cannot be written. */
export interface ChannelBackupAlarm {
  file: string;
  code: string;
  message: string;
  /** ms since the epoch */
  since: number;
}

/** What the wallet file says of itself. `locked`: whether the process that answers holds the key now. */
export interface WalletFacts {
  network: string;
  fingerprint: string;
  script: string;
  birthdayHeight: number | null;
  createdAt: number;
  hasPassphrase: boolean;
  locked: boolean;
  /** The chain tip as of the last sync (null before the first). */
  tipHeight: number | null;
}

export interface TxSummary {
  txid: string;
  amount: number;
  fee?: number;
  confirmations: number;
  blockHeight: number | null;
  time: number;
  label?: string;
  status: 'confirmed' | 'unconfirmed' | 'pending';
  kind?: 'vault-deposit' | 'unvault' | 'vault-withdraw' | 'vault-cancel'; // a vault's transaction
  maturing?: true; // a coinbase whose outputs cannot be spent yet (101 confirmations)
}

export interface TxDetail extends TxSummary {
  blockHash?: string;
  /** The transaction was proven in that block: by a Merkle proof (SPV) or a full block whose Merkle root Coffer checked. */
  proofVerified: boolean;
  proof: 'merkle-proof' | 'full-block' | 'none';
  vsize: number;
  inputs: { outpoint: string; value?: number; mine: boolean }[];
  outputs: { address: string; value: number; mine: boolean }[];
}

export interface SendPreview {
  fee: number;
  vsize: number;
  feerate: number;
  feeSource: string;
  change: number;
  amountSent: number;
  /** The fee exceeds 5% of what is sent: the user must confirm. */
  highFee: boolean;
  inputs: number;
  /** The coins and rate this preview used: confirm with these and the transaction is the one reviewed. */
  outpoints: string[];
  feeRateUsed: number;
}

export interface VaultInfo {
  id: string;
  amount: number;
  /** funding, funded, unvaulting, withdrawable, withdrawn, cancelled, abandoned; stray or swept for a stray deposit. */
  status: string;
  delay: number;
  depositTxid: string;
  unvaultTxid?: string;
  withdrawableAtHeight?: number;
  cancelTxid?: string;
  withdrawTxid?: string;
  confirmations: number;
  recovery: string;
  /** An unvault this wallet did not start. `found`: known from its deposit's note only (a restore; recovery is ''). */
  alert?: true;
  found?: true;
  vault?: string;
}

export interface Results extends VaultFileResults, TowerResults, PeerResults, KeysendResults, ElectrumResults, DisplayResults, PlaygroundResults {
  'app.status': AppStatus;
  'app.activity': { ok: true };
  'app.open': AppStatus;
  'wallet.create': { fingerprint: string };
  'wallet.restore': { fingerprint: string };
  'wallet.playground': { fingerprint: string };
  'wallet.checkWords': { correct: boolean };
  'wallet.unlock': { locked: false };
  'wallet.lock': { locked: true };
  'wallet.reveal': { mnemonic: string };
  'wallet.changePassword': { ok: true };
  'wallet.summary': {
    confirmed: number;
    unconfirmed: number;
    immature: number;
    vaults: number;
    /** Part of the balance kept for fee bumps of the anchor channels (sends leave it); 0 without any. */
    anchorReserve: number;
    tipHeight: number;
    series: { time: number; balance: number }[];
  };
  'wallet.address': { address: string; index: number };
  'wallet.history': TxSummary[];
  'wallet.transaction': TxDetail;
  'wallet.utxos': { txid: string; vout: number; value: number; address: string; confirmations: number; frozen: boolean; label?: string; maturing?: true }[];
  'wallet.freeze': { outpoint: string; frozen: boolean };
  'wallet.setLabel': { ok: true };
  'wallet.descriptors': { desc: string; internal: boolean }[];
  'wallet.info': WalletFacts & { settings: Record<string, number | string> };
  'labels.export': { text: string };
  /** `skipped` counts the lines that could not be read; `skippedLines` says which and why, `truncated` which lines had a label cut to length. */
  'labels.import': { imported: number; skipped: number; skippedLines: { line: number; reason: string }[]; truncated: number[] };
  'uri.build': { uri: string };
  'uri.parse': { address: string; amountSat?: number; label?: string; message?: string };
  'send.preview': SendPreview;
  'send.confirm': SpendResult;
  'send.bump': BumpResult;
  'send.cpfp': CpfpResult;
  'tx.abandon': { txid: string; abandoned: true };
  /** Base64. */
  'psbt.create': { psbt: string };
  'psbt.review': { summary: PsbtSummary };
  /** The PSBT as given with this wallet's signatures added (base64), how many inputs were signed, and what was signed. */
  'psbt.sign': { psbt: string; signed: number; summary: PsbtSummary };
  'psbt.finalize': { psbt: string };
  'psbt.combine': { psbt: string };
  'psbt.broadcast': { txid: string };
  /** `source` is 'presets' when the chain source gave only a floor; `estimatesFrom` names what answered either way; `presets` the rates that are fixed settings, not estimates. */
  'fees.get': { fast: number; normal: number; slow: number; floor: number; source: string; estimatesFrom: string; presets: ('fast' | 'normal' | 'slow')[] };
  'settings.get': { autoLockMinutes: number; feeEstimates: 'auto' | 'blocks' | 'presets'; backend: BackendView; network: string };
  'settings.set': { ok: true };
  'sync.now': { ok: true };
  'node.mine': { height: number };
  'vault.list': { tipHeight: number; vaults: VaultInfo[]; keeping: { backupFile?: string; towerFiles: string[]; towersServed: string[] } };
  /** `deposit`: the deposit's own fee, when the wallet's coins can pay for it. */
  'vault.preview': { unvaultFee: number; cancels: { feerate: number; fee: number }[]; emergencyCancels: { feerate: number; fee: number }[]; deposit?: { fee: number; vsize: number; feerate: number; feeRateUsed: number; feeSource: string } };
  'vault.create': { id: string; depositTxid: string; delay: number; cancelFeerates: number[]; towersUnconfirmed?: string[] };
  'vault.withdraw': { unvaultTxid: string; withdrawableAtHeight: number; towersUnconfirmed?: string[] };
  'vault.complete': { txid: string; fee: number; amount: number; feerate: number; feeSource: string; broadcast: boolean };
  'vault.cancel': { cancelTxid: string; cpfpTxid?: string };
  'ln.info': {
    nodeId: string;
    /** The Lightning port and the address it is bound to, when peers may connect. */
    listen?: number;
    listenHost?: string;
    peers: number;
    channels: number;
    /** Other nodes' payments are forwarded (`coffer daemon --ln-forward`). */
    forwards: boolean;
    /** Channels in the network graph payments are routed over (gossip, `ln import-gossip`). */
    graphChannels: number;
    /** Channels peers may open to this node (`coffer daemon --ln-accept-inbound`). */
    acceptsChannels?: { minSat: number; maxSat: number; maxPendingPerPeer: number };
    /** Wallet coins kept for fee bumps of the anchor channels (normal sends leave them). */
    anchorReserve: number;
    backupFailing?: ChannelBackupAlarm;
  };
  'ln.invoice': { bolt11: string; paymentHash: string; expiresAt: number };
  'ln.pay': { paymentHash: string; preimage: string; feeMsat: number };
  'ln.decode': InvoiceInfo;
  'ln.payments': LnPayment[];
  'ln.invoices': LnInvoice[];
  'channel.open': { channelId: string; fundingTxid: string };
  'channel.list': ChannelInfo[];
  /** `cancelled` when the desktop app's save dialog was closed without a file. */
  'channel.backup': { file: string; channels: number } | { cancelled: true };
  'channel.close': { channelId: string; force: boolean; delay?: number };
}

/** A spend the wallet signed: sent (`broadcast`), or with dryRun only built and signed. */
export interface SpendResult {
  txid: string;
  fee: number;
  vsize: number;
  feerate: number;
  feeSource: string;
  broadcast: boolean;
}

export interface BumpResult extends SpendResult {
  /** The transaction this one replaces. */
  replaces: string;
}

export interface CpfpResult extends SpendResult {
  parent: string;
  /** Parent and child together, sat/vB. */
  packageFeerate: number;
  /** False for a parent whose inputs are not ours (its fee counted as 0). */
  parentFeeKnown: boolean;
}

/** What signing a PSBT would do: psbt.review and `coffer wallet psbt sign` show it before anything is signed (wallet/psbt-review.ts). */
export interface PsbtSummary {
  inputs: {
    txid: string;
    vout: number;
    /** Satoshis, when known. */
    value?: number;
    /** Where the value comes from: the whole previous transaction, the wallet's own record, or only the PSBT. */
    valueFrom?: 'previous-tx' | 'wallet' | 'psbt';
    address?: string;
    sign: boolean;
    skip?: PsbtSkipReason;
    /** The wallet key that signs it, as m/84'/1'/0'/0/3. */
    path?: string;
  }[];
  outputs: { address?: string; script: string; value: number; mine?: 'change' | 'receive' }[];
  /** Known when every input's value is. */
  fee?: number;
  /** What leaves the wallet: outputs not to its own scripts. */
  sent: number;
  toSign: number;
}

export type PsbtSkipReason = 'not-this-wallet' | 'path-mismatch' | 'unexpected-fields' | 'sighash-type' | 'no-previous-output' | 'signed' | 'final';

/** A BOLT 11 invoice, decoded. */
/** One Lightning channel as `channel list` and the channels screen show it. */
export interface ChannelInfo {
  channelId: string;
  /** The peer's node id. */
  counterparty: string;
  /**
   * opening (no funding yet), pending (funding unconfirmed), ready, closing (shutdown under way),
   * closed (closed on chain, our funds not back in the wallet yet).
   */
  state: 'opening' | 'pending' | 'ready' | 'closing' | 'closed';
  /** Open channels: anchor outputs (fee-bumped from the wallet when closed by force) or legacy (fee fixed when signed). */
  type?: 'anchor' | 'legacy';
  capacitySat: number;
  localBalanceMsat: number;
  remoteBalanceMsat: number;
  confirmations: number;
  confirmationsRequired?: number;
  fundingTxid?: string;
  outbound: boolean;
  usable: boolean;
  /** Blocks our own funds wait after we force close. */
  forceCloseDelay?: number;
  /** Closed: the block height from which the last of our funds can be swept back. */
  claimableAt?: number;
}

export type CofferEvent =
  | { type: 'sync'; state: SyncState }
  | { type: 'transaction'; txid: string; amount: number; confirmations: number }
  /** Balances, history or the tip changed: screens showing them reload. */
  | { type: 'wallet-changed' }
  | { type: 'locked' }
  /** An unvault this wallet did not start: the in-app tower cancels it; the user should know at once. */
  | { type: 'vault-alert'; vault: string; unvaultTxid: string }
  /** The channel backup file cannot be written (`failing`), or can again (no `failing`). */
  | { type: 'channel-backup'; failing?: ChannelBackupAlarm };

export type Reply<M extends Method> = Result<Results[M]>;

/** What window.coffer offers the renderer: one typed function per method, and events. */
export type CofferApi = { [M in Method]: (params: Params<M>) => Promise<Reply<M>> } & {
  onEvent(listener: (e: CofferEvent) => void): () => void;
};

export const METHOD_NAMES = Object.keys(METHODS) as Method[];

/** Parse a payload at a process boundary; undefined when the method or its params are invalid. */
export function parseCall(method: unknown, params: unknown): { method: Method; params: unknown } | undefined {
  if (typeof method !== 'string' || !Object.hasOwn(METHODS, method)) return undefined;
  const r = METHODS[method as Method].safeParse(params ?? {});
  return r.success ? { method: method as Method, params: r.data } : undefined;
}

/** One call on a transport (WebSocket, MessagePort): the reply carries the same id. */
export interface CallMessage {
  id: number;
  method: string;
  params: unknown;
}

/** What the core sends back on a transport: a reply, or an event. */
export type CoreMessage = { id: number; reply: Result<unknown> } | { event: CofferEvent };

/** A transport message's envelope, checked before its method and params are. */
export function parseCallMessage(data: unknown): CallMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { id, method, params } = data as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof method !== 'string') return undefined;
  return { id, method, params };
}
