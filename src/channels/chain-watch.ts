// What a sync hands to watchers beside the wallet (Lightning channels): the transactions that
// match what they registered, with their blocks, and the chain after each round.

export interface BlockRef {
  hash: Uint8Array;
  height: number;
  /** Position in the block (LDK wants it). */
  pos: number;
}

export interface ChainView {
  height: number;
  hashAt(height: number): Uint8Array;
  /** The 80-byte header at a best-chain height. */
  header(height: number): Uint8Array;
}

export interface ChainWatcher {
  /** Filter elements (script pushes) and outpoints (36 bytes) to add to the wallet's. */
  watch(): { elements: Uint8Array[]; outpoints: Uint8Array[] };
  /** Every transaction a scan or the mempool turned up; the watcher keeps those it wants. */
  observe(raw: Uint8Array, block?: BlockRef): void;
  /** A transaction kept earlier (a peer sends a matched transaction only once). */
  rawOf(txid: Uint8Array): Uint8Array | undefined;
  /** A reorg: blocks above `height` are gone. */
  unconfirmAbove(height: number): void;
  /** False for a wallet transaction that must not be broadcast yet (a funding transaction LDK holds). */
  mayBroadcast?(txid: Uint8Array): boolean;
  /** After a round: the chain as it now is. */
  afterRound(chain: ChainView): Promise<void> | void;
}
