// What a chain source gives the wallet: a validated header chain, and transactions proven to be in
// its blocks. Implementations: the SPV client (BIP37 merkle blocks), the compact-filters client
// (BIP157/158, whole blocks) and a JSON-RPC node (full blocks, Merkle roots checked here): Bitcoin
// Core, or Coffer's embedded bcoin node.

import type { ChainChange } from '../chain/header-chain.js';
import type { Estimates } from '../wallet/fees.js';

export interface WatchSet {
  /** Data elements to match in output scripts: hash160s, witness programs, x-only keys (BIP37). */
  elements: Uint8Array[];
  /**
   * Whole output scripts (BIP158 filters hold scripts, not pushes): the wallet's, and those of the
   * outputs behind `outpoints`, since a filter holds the scripts a block's inputs spend.
   */
  scripts: Uint8Array[];
  /** Our outpoints not yet spent in a block (36 bytes: txid + vout), to see them spent. */
  outpoints: Uint8Array[];
  /** Our unconfirmed transactions (internal byte order), to see them confirmed. */
  txids: Uint8Array[];
}

export interface ProvenTx {
  txid: Uint8Array;
  /** Position in the block, from the proof. */
  pos: number;
  /** The transaction, unless the source had no reason to send it again (we already have it). */
  raw?: Uint8Array;
}

export interface ProvenBlock {
  height: number;
  hash: Uint8Array;
  time: number;
  txs: ProvenTx[];
}

/** What the consumer wants after a batch of blocks: go on, or rescan from a height with a new watch set. */
export type ScanDecision = { restartFrom?: number };

export interface ProofSource {
  /**
   * Prove every transaction matching `watch()` in blocks `from..to` of the best chain, handing
   * them over in height order, batch by batch (`onBlocks` sees every block, matched or not).
   */
  scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void>;
  /**
   * These transactions of a best-chain block with their witnesses, where the scan may have handed
   * them over without (BIP37 peers send matched transactions stripped). Sources whose scans carry
   * witnesses leave it out.
   */
  withWitness?(blockHash: Uint8Array, txids: Uint8Array[]): Promise<Uint8Array[]>;
}

/** Fee rates in sat/vB, and where they came from. */
export type FeeEstimates = Estimates;

/** What the wallet asks of `fees()`: `recentBlocks`, estimates from the last blocks (light clients; others have their own). */
export interface FeeAsk {
  recentBlocks?: boolean;
}

export interface ChainSource extends ProofSource {
  readonly kind: 'spv' | 'filters' | 'node' | 'rpc' | 'electrum';
  start(): Promise<void>;
  stop(): void;
  /**
   * Bring the header chain to the source's best tip. `beforeApply` sees every change before it is
   * written to disk, so the wallet can roll back first.
   */
  syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void>;
  /** Unconfirmed transactions matching `watch`, handed to `onTx`; waits at most `waitMs`. */
  mempool(watch: WatchSet, onTx: (raw: Uint8Array) => void, waitMs: number): Promise<void>;
  /** Hand a signed transaction to the network; typed error when it is refused. */
  broadcast(raw: Uint8Array): Promise<void>;
  fees(ask?: FeeAsk): Promise<FeeEstimates>;
  /** The best height the source has told of (for progress), if known. */
  bestHeight(): number | undefined;
  /**
   * Call `listener` when the source hears of something new (a block or a transaction a peer
   * announces), so the next round need not wait for the timer. Sources that cannot tell poll.
   */
  onNews?(listener: () => void): void;
}

/** The element a BIP37 filter must hold to match an output script (its data push), if any. */
export function scriptElement(script: Uint8Array): Uint8Array | undefined {
  const n = script.length;
  if (n === 25 && script[0] === 0x76 && script[1] === 0xa9 && script[2] === 0x14) return script.subarray(3, 23);
  if (n === 23 && script[0] === 0xa9 && script[1] === 0x14) return script.subarray(2, 22);
  if (n >= 4 && n <= 42 && script[1] === n - 2 && (script[0] === 0 || (script[0]! >= 0x51 && script[0]! <= 0x60))) return script.subarray(2);
  return undefined;
}

/**
 * The output scripts whose data push is `element` (for watch lists that kept only the push): a
 * 20-byte hash as P2WPKH, P2PKH or P2SH; a 32-byte one as P2WSH or P2TR; anything else as itself.
 */
export function scriptsOfElement(element: Uint8Array): Uint8Array[] {
  const wrap = (prefix: number[], suffix: number[] = []) => Uint8Array.from([...prefix, ...element, ...suffix]);
  if (element.length === 20) return [wrap([0x00, 0x14]), wrap([0x76, 0xa9, 0x14], [0x88, 0xac]), wrap([0xa9, 0x14], [0x87])];
  if (element.length === 32) return [wrap([0x00, 0x20]), wrap([0x51, 0x20])];
  return [element];
}

export function outpointBytes(txid: Uint8Array, vout: number): Uint8Array {
  const o = new Uint8Array(36);
  o.set(txid);
  new DataView(o.buffer).setUint32(32, vout, true);
  return o;
}
