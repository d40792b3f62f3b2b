// What a sync hands to watchers beside the wallet (Lightning channels): the transactions that
// match what they registered, with their blocks, and the chain after each round.

import { hex } from '@scure/base';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { addWatch, chainTx, isHeldFunding, listWatch, putChainTx, putWitnessRaw, unconfirmChainTxsAbove, unfedChainTxs } from '../db/channel-store.js';
import { withDbErrors, type Db } from '../db/database.js';
import { outpointBytes, scriptElement, scriptsOfElement } from '../node/source.js';

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
  /** Filter elements (script pushes), output scripts and outpoints (36 bytes) to add to the wallet's. */
  watch(): { elements: Uint8Array[]; scripts: Uint8Array[]; outpoints: Uint8Array[] };
  /** Every transaction a scan or the mempool turned up; the watcher keeps those it wants. */
  observe(raw: Uint8Array, block?: BlockRef): void;
  /** A transaction kept earlier (a peer sends a matched transaction only once). */
  rawOf(txid: Uint8Array): Uint8Array | undefined;
  /** A reorg: blocks above `height` are gone. */
  unconfirmAbove(height: number): void;
  /** Confirmed transactions kept without their witnesses, by block, before they are handed on. */
  stripped?(): { blockHash: Uint8Array; txids: Uint8Array[] }[];
  /** The witness-carrying bytes of a transaction kept earlier. */
  putWitness?(raw: Uint8Array): void;
  /** False for a wallet transaction that must not be broadcast yet (a funding transaction LDK holds). */
  mayBroadcast?(txid: Uint8Array): boolean;
  /**
   * After a round: the chain as it now is. Returns a height when what the watcher wants grew from
   * transactions it was just given (a close's outputs): blocks from there are scanned again.
   */
  afterRound(chain: ChainView): Promise<number | undefined> | number | undefined;
}

/**
 * What Lightning asked to be watched, kept in the wallet's database and matched by every sync,
 * whether or not the channel node runs: a close that confirms while Coffer was stopped is recorded
 * by the first round after it starts, before LDK is loaded, and handed to LDK once it is.
 */
export class ChannelWatch implements ChainWatcher {
  private readonly scripts = new Set<string>();
  private readonly outpoints = new Set<string>();
  private node: Pick<ChainWatcher, 'afterRound'> | undefined;
  private grew = false;

  constructor(private readonly db: Db) {
    withDbErrors(() => {
      for (const w of listWatch(db)) (w.kind === 'script' ? this.scripts : this.outpoints).add(hex.encode(w.item));
    });
  }

  /** The running channel node hears of each round; undefined when it stops. */
  attach(node: Pick<ChainWatcher, 'afterRound'> | undefined): void {
    this.node = node;
  }

  watchScript(script: Uint8Array): void {
    const element = scriptElement(script) ?? script;
    const key = hex.encode(element);
    if (this.scripts.has(key)) return;
    this.scripts.add(key);
    this.grew = true;
    withDbErrors(() => addWatch(this.db, 'script', element));
  }

  watchOutpoint(txid: Uint8Array, vout: number, script: Uint8Array): void {
    const op = outpointBytes(txid, vout);
    const key = hex.encode(op);
    if (!this.outpoints.has(key)) {
      this.outpoints.add(key);
      this.grew = true;
      withDbErrors(() => addWatch(this.db, 'outpoint', op));
    }
    this.watchScript(script);
  }

  /**
   * The database keeps each script's data push (BIP37's element), not the script; a watched output
   * is matched in BIP158 filters by every script that push can stand for (a few more false
   * positives, no miss). LDK gives each watched outpoint's script too, so spends match as well.
   */
  watch(): { elements: Uint8Array[]; scripts: Uint8Array[]; outpoints: Uint8Array[] } {
    const elements = [...this.scripts].map((k) => hex.decode(k));
    return { elements, scripts: elements.flatMap(scriptsOfElement), outpoints: [...this.outpoints].map((k) => hex.decode(k)) };
  }

  private relevant(tx: Tx): boolean {
    for (const i of tx.inputs) if (this.outpoints.has(hex.encode(outpointBytes(i.prevTxid, i.vout)))) return true;
    return tx.outputs.some((o) => this.scripts.has(hex.encode(scriptElement(o.script) ?? o.script)));
  }

  observe(raw: Uint8Array, block?: BlockRef): void {
    if (this.scripts.size === 0 && this.outpoints.size === 0) return;
    let tx: Tx;
    try {
      tx = parseTx(raw);
    } catch {
      return;
    }
    if (this.relevant(tx)) withDbErrors(() => putChainTx(this.db, txidOf(tx), raw, block));
  }

  rawOf(txid: Uint8Array): Uint8Array | undefined {
    return withDbErrors(() => chainTx(this.db, txid)?.raw);
  }

  unconfirmAbove(height: number): void {
    withDbErrors(() => unconfirmChainTxsAbove(this.db, height));
  }

  mayBroadcast(txid: Uint8Array): boolean {
    return !withDbErrors(() => isHeldFunding(this.db, txid));
  }

  /**
   * LDK reads witnesses: a peer's HTLC-success transaction carries the preimage we need to claim
   * upstream, and tells a success from a timeout. A BIP37 scan stores them stripped; these are
   * fetched again with the whole block before LDK sees them (once: LDK is fed them right after,
   * with or without).
   */
  stripped(): { blockHash: Uint8Array; txids: Uint8Array[] }[] {
    const byBlock = new Map<string, { blockHash: Uint8Array; txids: Uint8Array[] }>();
    for (const t of withDbErrors(() => unfedChainTxs(this.db))) {
      let tx: Tx;
      try {
        tx = parseTx(t.raw);
      } catch {
        continue;
      }
      if (tx.inputs.some((i) => i.witness.length > 0)) continue;
      const b = hex.encode(t.blockHash!);
      if (!byBlock.has(b)) byBlock.set(b, { blockHash: t.blockHash!, txids: [] });
      byBlock.get(b)!.txids.push(t.txid);
    }
    return [...byBlock.values()];
  }

  putWitness(raw: Uint8Array): void {
    let tx: Tx;
    try {
      tx = parseTx(raw);
    } catch {
      return;
    }
    withDbErrors(() => putWitnessRaw(this.db, txidOf(tx), raw));
  }

  /**
   * LDK learns of a confirmed commitment only now and asks to watch its outputs; a spend of them in
   * the same or a later block already scanned (the peer's second-stage transaction) would be
   * missed, so the blocks from the first one just handed over are scanned again.
   */
  async afterRound(chain: ChainView): Promise<number | undefined> {
    this.grew = false;
    const fedFrom = await this.node?.afterRound(chain);
    return this.grew ? fedFrom : undefined;
  }
}
