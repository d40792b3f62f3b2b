// A vault's state, derived (pure) from what is stored: its presigned set, the state of its deposit
// transaction, and the transactions seen spending its outputs, with their confirmations. Nothing
// else is persisted, so a restart or a reorg (confirmations dropped, then found again) gives the
// right state by itself.

import { hex } from '@scure/base';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { ANCHOR_SCRIPT } from './vault-tx.js';

export type VaultStatus =
  /** The deposit is signed and stored but no peer or node has accepted it yet. */
  | 'funding'
  /** The deposit is on the network (see `confirmations`). */
  | 'funded'
  /** The unvault is on the network; the hot key must wait `delay` blocks after it confirms. */
  | 'unvaulting'
  /** The delay is over: the hot key may complete the withdrawal. */
  | 'withdrawable'
  | 'withdrawn'
  /** A cancel (or an emergency cancel) sent the coins to the recovery destination. */
  | 'cancelled'
  /** The deposit was given up before it reached the network. */
  | 'abandoned';

export interface VaultFacts {
  amount: number;
  delay: number;
  depositTxid: Uint8Array;
  depositVout: number;
  unvaultTxid: string;
  cancelTxids: ReadonlySet<string>;
  emergencyTxids: ReadonlySet<string>;
  /** The deposit's wallet transaction: pending (not yet accepted), seen, abandoned; its height when confirmed. */
  deposit: { status: 'pending' | 'seen' | 'abandoned' | 'replaced' | 'unknown'; height?: number };
  /** This wallet started the withdrawal (so an unvault is expected, not an alarm). */
  startedHere: boolean;
}

export interface SeenTx {
  txid: string;
  tx: Tx;
  height?: number;
}

export interface VaultView {
  status: VaultStatus;
  confirmations: number;
  unvaultTxid?: string;
  unvaultHeight?: number;
  withdrawableAtHeight?: number;
  cancelTxid?: string;
  withdrawTxid?: string;
  /** An unvault this wallet did not start: someone else holds the hot key (or a copy of this wallet). */
  alert: boolean;
}

export function seenTx(raw: Uint8Array, height?: number): SeenTx {
  const tx = parseTx(raw);
  return { txid: hashToHex(txidOf(tx)), tx, ...(height !== undefined ? { height } : {}) };
}

function spends(tx: Tx, txid: string, vout: number): boolean {
  return tx.inputs.some((i) => i.vout === vout && hashToHex(i.prevTxid) === txid);
}

/** Confirmed first (lowest height), then unconfirmed, cancels before others. */
function pick(list: SeenTx[], preferred: ReadonlySet<string>): SeenTx | undefined {
  return [...list].sort((a, b) => {
    if ((a.height === undefined) !== (b.height === undefined)) return a.height === undefined ? 1 : -1;
    if (a.height !== undefined && b.height !== undefined && a.height !== b.height) return a.height - b.height;
    return (preferred.has(a.txid) ? 0 : 1) - (preferred.has(b.txid) ? 0 : 1);
  })[0];
}

/**
 * The state at `tip`. BIP68: an output confirmed at height H with a relative lock of `delay`
 * blocks can be spent in block H + delay, so the withdrawal is valid once tip + 1 >= H + delay.
 */
export function vaultView(v: VaultFacts, txs: readonly SeenTx[], tip: number): VaultView {
  const depositTxid = hashToHex(v.depositTxid);
  const confirmations = v.deposit.height !== undefined ? tip - v.deposit.height + 1 : 0;
  const base = { confirmations, alert: false };
  const depositSpends = txs.filter((t) => spends(t.tx, depositTxid, v.depositVout));
  const first = pick(depositSpends, v.emergencyTxids);
  if (!first) {
    if (v.deposit.status === 'abandoned' || v.deposit.status === 'replaced') return { ...base, status: 'abandoned' };
    return { ...base, status: v.deposit.status === 'pending' ? 'funding' : 'funded' };
  }
  if (first.txid !== v.unvaultTxid) {
    // An emergency cancel, or the recovery key itself: the coins are at the recovery side.
    return { ...base, status: 'cancelled', cancelTxid: first.txid };
  }
  const unvault = first;
  const alert = !v.startedHere;
  const u = {
    ...base,
    alert,
    unvaultTxid: unvault.txid,
    ...(unvault.height !== undefined ? { unvaultHeight: unvault.height, withdrawableAtHeight: unvault.height + v.delay } : {}),
  };
  const next = pick(txs.filter((t) => spends(t.tx, v.unvaultTxid, 0)), v.cancelTxids);
  if (next) {
    if (v.cancelTxids.has(next.txid)) return { ...u, status: 'cancelled', cancelTxid: next.txid };
    return { ...u, status: 'withdrawn', withdrawTxid: next.txid };
  }
  const ready = unvault.height !== undefined && tip + 1 >= unvault.height + v.delay;
  return { ...u, status: ready ? 'withdrawable' : 'unvaulting' };
}

/** Txids of a ladder stored as hex transactions. */
export function rungTxids(rungs: readonly { hex: string }[]): Set<string> {
  return new Set(rungs.map((r) => hashToHex(txidOf(parseTx(hex.decode(r.hex))))));
}

/** P2WSH: OP_0 <32 bytes>. */
function isP2wsh(script: Uint8Array): boolean {
  return script.length === 34 && script[0] === 0 && script[1] === 32;
}

/** BIP68: a sequence with bit 31 clear is a relative lock, as the hot key's withdrawal must carry. */
const SEQUENCE_LOCK_DISABLED = 0x8000_0000;

/**
 * The facts of a vault found on chain (no presigned set; vault-note.ts), from the transactions
 * seen for it, which may come without their witnesses. Only `k` and the recovery key can spend
 * a deposit: a spend paying exactly a P2WSH output and the anchor is its unvault (a recovery
 * destination always has a key, so a cancel never pays a P2WSH first), any other sent the coins
 * to the recovery side. The unvault output's spends by `k` or the recovery key carry no relative
 * lock (RBF sequence), the hot key's withdrawal must. No withdrawal was started here, as far as
 * this wallet can know.
 */
export function foundFacts(
  v: { amount: number; delay: number; depositTxid: Uint8Array; depositVout: number },
  txs: readonly SeenTx[],
  deposit: VaultFacts['deposit'],
): VaultFacts {
  const depositTxid = hashToHex(v.depositTxid);
  const unvault = txs.find((t) => {
    const [out, anchor] = t.tx.outputs;
    return spends(t.tx, depositTxid, v.depositVout) && t.tx.outputs.length === 2 && out !== undefined && isP2wsh(out.script) && anchor !== undefined && equalBytes(anchor.script, ANCHOR_SCRIPT);
  });
  const unvaultTxid = unvault?.txid ?? '';
  const emergencyTxids = new Set(txs.filter((t) => t !== unvault && spends(t.tx, depositTxid, v.depositVout)).map((t) => t.txid));
  const unlocked = (t: SeenTx) => t.tx.inputs.some((i) => i.vout === 0 && hashToHex(i.prevTxid) === unvaultTxid && (i.sequence & SEQUENCE_LOCK_DISABLED) !== 0);
  const cancelTxids = new Set(txs.filter((t) => unvault !== undefined && unlocked(t)).map((t) => t.txid));
  return { amount: v.amount, delay: v.delay, depositTxid: v.depositTxid, depositVout: v.depositVout, unvaultTxid, cancelTxids, emergencyTxids, deposit, startedHere: false };
}
