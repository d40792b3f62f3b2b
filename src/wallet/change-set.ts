// Wallet state changes as data (BDK's ChangeSet pattern): a sync step or a spend says what it
// changes, built against the state without touching it; db/change-set-store.ts persists it in one
// transaction, and only then WalletState.apply brings the memory along.

import { equalBytes, hashToHex as hex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import type { Confirmation, ScriptOwner, WalletState } from './wallet-state.js';

/**
 * seen: known to the network (received, or broadcast and accepted); pending: signed by us but not
 * yet accepted by any peer or node (rebroadcast at every sync); abandoned: given up by the user;
 * replaced: superseded by a fee bump.
 */
export type TxStatus = 'seen' | 'pending' | 'abandoned' | 'replaced';

/** A transaction new to the wallet, or seen again: its confirmation as it is now (none: unconfirmed). */
export interface TxChange {
  txid: Uint8Array;
  raw: Uint8Array;
  firstSeen: number;
  confirmation?: Confirmation;
  /** Default 'seen', which also brings an abandoned or replaced transaction back; another status only for a new one. */
  status?: TxStatus;
}

/** An address derived to keep the gap limit. */
export interface AddressChange {
  owner: ScriptOwner;
  script: Uint8Array;
  address: string;
}

export type MetaKey = 'scan_height' | 'scan_hash' | 'tip_height' | 'tip_hash';

/**
 * What one step changes. Spent outpoints are not listed: they follow from the transactions. The
 * parts are written, and applied, in this order.
 */
export interface WalletChangeSet {
  addresses: AddressChange[];
  /** Addresses that now have history. */
  used: ScriptOwner[];
  txs: TxChange[];
  /** Transactions whose block is gone (a reorg, or a chain that no longer backs it). */
  unconfirmed: Uint8Array[];
  /** New statuses of stored transactions; abandoned and replaced ones leave the state. */
  statuses: { txid: Uint8Array; status: TxStatus }[];
  /** The scan height and hash, the tip. */
  meta: Partial<Record<MetaKey, string>>;
  /** The end of a restore's discovery: each account tried is kept (active) or dropped with its addresses. */
  accounts: { id: number; keep: boolean }[];
}

export function emptyChangeSet(): WalletChangeSet {
  return { addresses: [], used: [], txs: [], unconfirmed: [], statuses: [], meta: {}, accounts: [] };
}

/**
 * One of our signed transactions, recorded before it goes out (a send, a fee bump, a PSBT, a
 * channel's funding, a vault's deposit): new to the wallet as 'pending', so the next sync
 * broadcasts it again if this one never gets it out. 'seen' for one already out (a sweep).
 */
export function signedTx(txid: Uint8Array, raw: Uint8Array, status: TxStatus = 'pending'): WalletChangeSet {
  return { ...emptyChangeSet(), txs: [{ txid, raw, firstSeen: Math.floor(Date.now() / 1000), status }] };
}

/** A stored transaction's new status (broadcast, abandoned, replaced, or back to what it was). */
export function statusChange(txid: Uint8Array, status: TxStatus): WalletChangeSet {
  return { ...emptyChangeSet(), statuses: [{ txid, status }] };
}

/** Transactions confirmed above `height`: a reorg to a fork at `height` unconfirms them. */
export function confirmedAbove(state: WalletState, height: number): Uint8Array[] {
  return state.all().filter((w) => w.confirmation && w.confirmation.height > height).map((w) => w.txid);
}

/** Transactions whose block the best chain does not back (`hashAt` undefined or different). */
export function unbacked(state: WalletState, hashAt: (height: number) => Uint8Array | undefined): Uint8Array[] {
  return state
    .all()
    .filter((w) => {
      const h = w.confirmation && hashAt(w.confirmation.height);
      return w.confirmation !== undefined && (!h || !equalBytes(h, w.confirmation.blockHash));
    })
    .map((w) => w.txid);
}

/**
 * A change set being built against a state it does not change: what is staged counts as the
 * wallet's (a transaction spending one staged earlier in the same batch is ours too).
 */
export class ChangeSetBuilder {
  readonly changes = emptyChangeSet();
  private readonly txs = new Map<string, { change: TxChange; tx: Tx }>();
  private readonly scripts = new Map<string, ScriptOwner>();
  private readonly used = new Set<string>();

  constructor(private readonly state: WalletState) {}

  ownerOf(script: Uint8Array): ScriptOwner | undefined {
    return this.state.ownerOf(script) ?? this.scripts.get(hex(script));
  }

  /** How many addresses a chain has, counting staged ones (at least `stored`). */
  derived(owner: Pick<ScriptOwner, 'accountId' | 'chain'>, stored: number): number {
    let n = stored;
    for (const a of this.changes.addresses) if (a.owner.accountId === owner.accountId && a.owner.chain === owner.chain) n = Math.max(n, a.owner.index + 1);
    return n;
  }

  addAddress(a: AddressChange): void {
    this.scripts.set(hex(a.script), a.owner);
    this.changes.addresses.push(a);
  }

  markUsed(owner: ScriptOwner): void {
    const k = `${owner.accountId}/${owner.chain}/${owner.index}`;
    if (this.used.has(k)) return;
    this.used.add(k);
    this.changes.used.push(owner);
  }

  setMeta(key: MetaKey, value: string): void {
    this.changes.meta[key] = value;
  }

  /**
   * A transaction seen in a block (`confirmation`) or unconfirmed. Staged when it is the wallet's:
   * from a block always, unconfirmed only when new. Returns the wallet's scripts it pays. Throws a
   * CofferError when `raw` is not a transaction.
   */
  addTx(raw: Uint8Array, firstSeen: number, confirmation?: Confirmation): { txid: Uint8Array; paid: ScriptOwner[] } | undefined {
    const tx = parseTx(raw);
    const txid = txidOf(tx);
    const known = this.txs.get(hex(txid))?.change ?? this.state.get(txid);
    if (known ? !confirmation : !this.isRelevant(tx)) return undefined;
    const change: TxChange = { txid, raw, firstSeen: known?.firstSeen ?? firstSeen, ...(confirmation ? { confirmation } : {}) };
    this.txs.set(hex(txid), { change, tx });
    this.changes.txs.push(change);
    return { txid, paid: tx.outputs.map((o) => this.ownerOf(o.script)).filter((o): o is ScriptOwner => o !== undefined) };
  }

  private isRelevant(tx: Tx): boolean {
    if (this.state.isRelevant(tx) || tx.outputs.some((o) => this.scripts.has(hex(o.script)))) return true;
    return tx.inputs.some((i) => {
      const out = this.txs.get(hex(i.prevTxid))?.tx.outputs[i.vout];
      return out !== undefined && this.ownerOf(out.script) !== undefined;
    });
  }
}
