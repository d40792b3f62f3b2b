// What the Lightning node asks of the process that runs it (wallet, funding, fee bump coins and
// signatures, addresses, fees, broadcast, tip, log); service/channel-host.ts implements it.

import type { ChannelBackupAlarm } from '../api/contract.js';
import type { Db } from '../db/database.js';
import type { Prevout } from '../chain/tx.js';
import type { Network } from '../keys/networks.js';
import type { BumpCoin } from './bump-coins.js';
import type { ChannelWatch } from './chain-watch.js';

/** The core's log, as the node writes to it (service/log.ts's Logger has this shape). */
export type ChannelLogFields = Record<string, string | number | boolean | undefined>;
export interface ChannelLog {
  info(event: string, fields?: ChannelLogFields): void;
  warn(event: string, fields?: ChannelLogFields): void;
  error(event: string, fields?: ChannelLogFields): void;
}

/** The wallet the channels belong to (a WalletService has this shape). */
export interface ChannelWallet {
  readonly network: Network;
  /** The wallet's database, where the channels' tables live too (db/channel-store.ts). */
  readonly database: Db;
  /** Run `fn` with the wallet's seed (the wallet must be unlocked). */
  withSeed<T>(fn: (seed: Uint8Array) => T): T;
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
}

/** A signed funding transaction, stored in the wallet as pending. */
export interface FundingTx {
  txid: Uint8Array;
  raw: Uint8Array;
}

export interface ChannelHost {
  wallet: ChannelWallet;
  log: ChannelLog;
  /**
   * Plan and sign a transaction paying `amountSat` to `script` from the wallet's segwit coins at
   * the normal fee rate, and store it as a pending wallet transaction. `alsoStore` runs inside the
   * same database transaction, with the new transaction's id. Throws a CofferError (for example
   * `insufficient-funds`) when it cannot be built.
   */
  fundChannel(output: { script: Uint8Array; amountSat: number }, alsoStore: (txid: Uint8Array) => void): FundingTx;
  /** A fresh change script of the wallet: closes, claims and sweeps pay it. */
  changeScript(): Uint8Array;
  /** The wallet's confirmed, unfrozen segwit coins that no pending transaction spends: fee bumps pay with them. */
  bumpCoins(): BumpCoin[];
  /**
   * Sign the inputs at `ours` (each spending a coin of the wallet) of the unsigned transaction
   * `unsigned`, whose inputs spend `prevouts` in order (where known; taproot needs all); the transaction with their witnesses, the
   * other inputs left as they were. Throws a CofferError when one cannot be signed.
   */
  signInputs(unsigned: Uint8Array, prevouts: (Prevout | undefined)[], ours: number[]): Uint8Array;
  /** Hand a transaction to the network (the wallet's chain source). */
  broadcast(raw: Uint8Array): Promise<void>;
  /** Fee rates in sat/vB, fast / normal / slow, from the last estimate. */
  feeRates(): { fast: number; normal: number; slow: number };
  /** The best chain as last synced. */
  tip(): { hash: Uint8Array; height: number };
  /** What the wallet's sync watches for the channels (kept in the database). */
  watch: ChannelWatch;
  /** The channel backup file cannot be written (an alarm), or can again (undefined). */
  onBackupAlarm?(alarm: BackupAlarm | undefined): void;
}

/** The channel backup file cannot be written: channel updates wait until it can. */
export type BackupAlarm = ChannelBackupAlarm;
