// The wallet's view of its transactions: outputs it owns, what spends them, balances and history.
// Pure: facts in (transactions, proofs, the tip, change sets once stored), answers out.

import { hashToHex } from '../chain/bytes.js';
import { isCoinbase, parseTx, txid as computeTxid, type Tx } from '../chain/tx.js';
import type { WalletChangeSet } from './change-set.js';

export interface ScriptOwner {
  accountId: number;
  chain: 0 | 1;
  index: number;
}

export interface Confirmation {
  /** Internal byte order. */
  blockHash: Uint8Array;
  height: number;
  /** Position in the block (from the Merkle proof). */
  pos: number;
  time: number;
}

export interface WalletTx {
  txid: Uint8Array;
  raw: Uint8Array;
  tx: Tx;
  firstSeen: number;
  confirmation?: Confirmation;
}

export interface Utxo {
  txid: Uint8Array;
  vout: number;
  value: number;
  script: Uint8Array;
  owner: ScriptOwner;
  /** Undefined while the funding transaction is unconfirmed. */
  height?: number;
  coinbase: boolean;
}

export interface Balance {
  confirmed: number;
  unconfirmed: number;
  /** Coinbase outputs that cannot be spent yet (shown only when there are any). */
  immature?: number;
}

export const COINBASE_MATURITY = 100;

export interface HistoryEntry {
  txid: string;
  amount: number;
  fee?: number;
  confirmations: number;
  blockHeight: number | null;
}

/**
 * Whether a coinbase output may be spent now. Consensus allows it in a block 100 blocks after the
 * coinbase; like Bitcoin Core's wallet we wait for 101 confirmations, since some nodes (bcoin)
 * refuse the earliest spend from their mempool.
 */
export function isMature(height: number, tipHeight: number): boolean {
  return tipHeight - height + 1 > COINBASE_MATURITY;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const outKey = (txid: Uint8Array, vout: number) => `${hex(txid)}:${vout}`;

export class WalletState {
  private readonly owners = new Map<string, ScriptOwner>();
  private readonly txs = new Map<string, WalletTx>();

  /** Scripts the wallet owns (derived addresses of every account and chain). */
  addScript(script: Uint8Array, owner: ScriptOwner): void {
    this.owners.set(hex(script), owner);
  }

  ownerOf(script: Uint8Array): ScriptOwner | undefined {
    return this.owners.get(hex(script));
  }

  get size(): number {
    return this.txs.size;
  }

  get(txid: Uint8Array): WalletTx | undefined {
    return this.txs.get(hex(txid));
  }

  all(): WalletTx[] {
    return [...this.txs.values()];
  }

  /** Whether a transaction pays to or spends from this wallet (false positives of filters are not). */
  isRelevant(tx: Tx): boolean {
    if (tx.outputs.some((o) => this.owners.has(hex(o.script)))) return true;
    return tx.inputs.some((i) => this.ownedOutput(i.prevTxid, i.vout) !== undefined);
  }

  private ownedOutput(txid: Uint8Array, vout: number): { value: number; script: Uint8Array; owner: ScriptOwner } | undefined {
    const wtx = this.txs.get(hex(txid));
    const out = wtx?.tx.outputs[vout];
    if (!out) return undefined;
    const owner = this.owners.get(hex(out.script));
    return owner ? { value: out.value, script: out.script, owner } : undefined;
  }

  /** Add or update a transaction. Returns true when it is new or its confirmation changed. */
  put(raw: Uint8Array, firstSeen: number, confirmation?: Confirmation): { wtx: WalletTx; changed: boolean } {
    const tx = parseTx(raw);
    const id = computeTxid(tx);
    const k = hex(id);
    const existing = this.txs.get(k);
    if (existing) {
      const same =
        (existing.confirmation === undefined && confirmation === undefined) ||
        (existing.confirmation !== undefined && confirmation !== undefined &&
          hex(existing.confirmation.blockHash) === hex(confirmation.blockHash));
      if (same || confirmation === undefined) return { wtx: existing, changed: false };
      existing.confirmation = confirmation;
      return { wtx: existing, changed: true };
    }
    const wtx: WalletTx = { txid: id, raw, tx, firstSeen, ...(confirmation ? { confirmation } : {}) };
    this.txs.set(k, wtx);
    return { wtx, changed: true };
  }

  /** Drop a transaction (a fee bump plans as if the original had never been sent). */
  remove(txid: Uint8Array): void {
    this.txs.delete(hex(txid));
  }

  /** Our transactions that spend an output of `txid`: replacing or abandoning it would orphan them. */
  children(txid: Uint8Array): WalletTx[] {
    const id = hex(txid);
    return [...this.txs.values()].filter((w) => w.tx.inputs.some((i) => hex(i.prevTxid) === id));
  }

  /**
   * Apply a change set once it is stored, so the state equals what loading the database would
   * give: new scripts, transactions with their confirmation as stated, lost confirmations,
   * abandoned or replaced transactions dropped, and the scripts of dropped accounts.
   */
  apply(cs: WalletChangeSet): void {
    for (const a of cs.addresses) this.addScript(a.script, a.owner);
    for (const t of cs.txs) {
      const { wtx } = this.put(t.raw, t.firstSeen, t.confirmation);
      if (!t.confirmation) delete wtx.confirmation;
    }
    for (const txid of cs.unconfirmed) delete this.txs.get(hex(txid))?.confirmation;
    for (const s of cs.statuses) if (s.status === 'abandoned' || s.status === 'replaced') this.remove(s.txid);
    const dropped = new Set(cs.accounts.filter((a) => !a.keep).map((a) => a.id));
    if (dropped.size > 0) for (const [script, owner] of this.owners) if (dropped.has(owner.accountId)) this.owners.delete(script);
  }

  /**
   * Which transaction spends each of our outputs. A confirmed spend wins over unconfirmed ones;
   * unconfirmed transactions that conflict with a confirmed one are excluded as conflicted.
   */
  private spends(): { spentBy: Map<string, WalletTx>; conflicted: Set<string> } {
    const spentBy = new Map<string, WalletTx>();
    const conflicted = new Set<string>();
    const ordered = [...this.txs.values()].sort((a, b) => Number(!!b.confirmation) - Number(!!a.confirmation));
    for (const w of ordered) {
      const clash = w.tx.inputs.some((i) => {
        const by = spentBy.get(outKey(i.prevTxid, i.vout));
        return by !== undefined && by !== w;
      });
      if (clash && !w.confirmation) {
        conflicted.add(hex(w.txid));
        continue;
      }
      for (const i of w.tx.inputs) spentBy.set(outKey(i.prevTxid, i.vout), w);
    }
    // Anything built on a conflicted transaction is conflicted too.
    let grew = true;
    while (grew) {
      grew = false;
      for (const w of this.txs.values()) {
        if (w.confirmation || conflicted.has(hex(w.txid))) continue;
        if (w.tx.inputs.some((i) => conflicted.has(hex(i.prevTxid)))) {
          conflicted.add(hex(w.txid));
          grew = true;
        }
      }
    }
    return { spentBy, conflicted };
  }

  /**
   * What a filter must watch besides our scripts: outputs of ours not yet spent in a block (also
   * those an unconfirmed transaction spends, or its confirmation would go unseen), and the ids
   * of our unconfirmed transactions.
   */
  watchList(): { outpoints: { txid: Uint8Array; vout: number }[]; txids: Uint8Array[] } {
    const spentInBlock = new Set<string>();
    for (const w of this.txs.values()) if (w.confirmation) for (const i of w.tx.inputs) spentInBlock.add(outKey(i.prevTxid, i.vout));
    const outpoints: { txid: Uint8Array; vout: number }[] = [];
    const txids: Uint8Array[] = [];
    for (const w of this.txs.values()) {
      if (!w.confirmation) txids.push(w.txid);
      w.tx.outputs.forEach((o, vout) => {
        if (this.owners.has(hex(o.script)) && !spentInBlock.has(outKey(w.txid, vout))) outpoints.push({ txid: w.txid, vout });
      });
    }
    return { outpoints, txids };
  }

  utxos(): Utxo[] {
    const { spentBy, conflicted } = this.spends();
    const out: Utxo[] = [];
    for (const w of this.txs.values()) {
      if (conflicted.has(hex(w.txid))) continue;
      w.tx.outputs.forEach((o, vout) => {
        const owner = this.owners.get(hex(o.script));
        if (!owner) return;
        const by = spentBy.get(outKey(w.txid, vout));
        if (by && !conflicted.has(hex(by.txid))) return;
        out.push({
          txid: w.txid,
          vout,
          value: o.value,
          script: o.script,
          owner,
          coinbase: isCoinbase(w.tx),
          ...(w.confirmation ? { height: w.confirmation.height } : {}),
        });
      });
    }
    return out;
  }

  /**
   * Electrum's split: confirmed = what confirmed transactions leave us; unconfirmed = the net
   * effect of unconfirmed ones (negative while a spend of confirmed coins is pending).
   */
  balance(tipHeight = Infinity): Balance {
    const { conflicted } = this.spends();
    let confirmed = 0;
    let unconfirmed = 0;
    let immature = 0;
    for (const w of this.txs.values()) {
      if (conflicted.has(hex(w.txid))) continue;
      const delta = this.delta(w);
      if (w.confirmation && isCoinbase(w.tx) && !isMature(w.confirmation.height, tipHeight)) immature += delta.received;
      else if (w.confirmation) confirmed += delta.received - delta.sent;
      else unconfirmed += delta.received - delta.sent;
    }
    return immature > 0 ? { confirmed, unconfirmed, immature } : { confirmed, unconfirmed };
  }

  private delta(w: WalletTx): { received: number; sent: number; inputsKnown: number; inputTotal: number } {
    let received = 0;
    for (const o of w.tx.outputs) if (this.owners.has(hex(o.script))) received += o.value;
    let sent = 0;
    let inputsKnown = 0;
    let inputTotal = 0;
    for (const i of w.tx.inputs) {
      const prev = this.txs.get(hex(i.prevTxid))?.tx.outputs[i.vout];
      if (!prev) continue;
      inputsKnown++;
      inputTotal += prev.value;
      if (this.owners.has(hex(prev.script))) sent += prev.value;
    }
    return { received, sent, inputsKnown, inputTotal };
  }

  /** Oldest first: confirmed by height and position, then unconfirmed by first seen. */
  history(tipHeight: number): HistoryEntry[] {
    const { conflicted } = this.spends();
    const list = [...this.txs.values()].filter((w) => !conflicted.has(hex(w.txid)));
    list.sort((a, b) => {
      const ah = a.confirmation?.height ?? Infinity;
      const bh = b.confirmation?.height ?? Infinity;
      if (ah !== bh) return ah - bh;
      if (a.confirmation && b.confirmation) return a.confirmation.pos - b.confirmation.pos;
      return a.firstSeen - b.firstSeen;
    });
    return list.map((w) => {
      const d = this.delta(w);
      const outTotal = w.tx.outputs.reduce((n, o) => n + o.value, 0);
      const entry: HistoryEntry = {
        txid: hashToHex(w.txid),
        amount: d.received - d.sent,
        confirmations: w.confirmation ? tipHeight - w.confirmation.height + 1 : 0,
        blockHeight: w.confirmation?.height ?? null,
      };
      // The fee is known only when every input's value is known to the wallet.
      if (d.inputsKnown === w.tx.inputs.length && d.sent > 0) entry.fee = d.inputTotal - outTotal;
      return entry;
    });
  }
}
