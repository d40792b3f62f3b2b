// What the UI shows, built from the wallet's stored state: balances and their history, the
// transaction list and one transaction in detail.

import type { Results, TxDetail, TxSummary } from '../api/contract.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { parseTx, txid as txidOf, vsize } from '../chain/tx.js';
import { scriptToAddress } from '../keys/address.js';
import { withDbErrors } from '../db/database.js';
import { listLabels } from '../db/spend-store.js';
import { listTxs, type TxStatus } from '../db/tx-store.js';
import { CofferError } from '../api/errors.js';
import { loadWalletState } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

const MAX_SERIES_POINTS = 300;

function tipOf(wallet: WalletService): number {
  return Number(wallet.meta('tip_height') ?? '0');
}

function statuses(wallet: WalletService): Map<string, TxStatus> {
  const m = new Map<string, TxStatus>();
  for (const t of withDbErrors(() => listTxs(wallet.database))) {
    m.set(hashToHex(loadTxid(t.raw)), t.status ?? 'seen');
  }
  return m;
}

function loadTxid(raw: Uint8Array): Uint8Array {
  return txidOf(parseTx(raw));
}

/** Newest first, with labels, status and a time (block time, or first seen while unconfirmed). */
export function history(wallet: WalletService): TxSummary[] {
  const state = loadWalletState(wallet);
  const tip = tipOf(wallet);
  const labels = new Map(withDbErrors(() => listLabels(wallet.database)).filter((l) => l.type === 'tx').map((l) => [l.ref, l.label]));
  const status = statuses(wallet);
  return state
    .history(tip)
    .map((h) => {
      const w = state.get(hexToHash(h.txid)!)!;
      const label = labels.get(h.txid);
      const s: TxSummary = {
        ...h,
        time: w.confirmation?.time ?? w.firstSeen,
        status: w.confirmation ? 'confirmed' : status.get(h.txid) === 'pending' ? 'pending' : 'unconfirmed',
        ...(label ? { label } : {}),
      };
      return s;
    })
    .reverse();
}

export function summary(wallet: WalletService): Results['wallet.summary'] {
  const state = loadWalletState(wallet);
  const tip = tipOf(wallet);
  const b = state.balance(tip);
  const points = history(wallet).reverse();
  let running = 0;
  let series = points.map((p) => ({ time: p.time, balance: (running += p.amount) }));
  if (series.length > MAX_SERIES_POINTS) {
    const step = series.length / MAX_SERIES_POINTS;
    series = Array.from({ length: MAX_SERIES_POINTS }, (_, i) => series[Math.min(series.length - 1, Math.floor((i + 1) * step) - 1)]!);
  }
  return { confirmed: b.confirmed, unconfirmed: b.unconfirmed, immature: b.immature ?? 0, tipHeight: tip, series };
}

export function transaction(wallet: WalletService, txidHex: string, backendKind: string): TxDetail {
  const state = loadWalletState(wallet);
  const id = hexToHash(txidHex);
  const w = id ? state.get(id) : undefined;
  if (!w) throw new CofferError('unknown-transaction', `This wallet has no transaction ${txidHex}.`);
  const h = history(wallet).find((x) => x.txid === txidHex);
  if (!h) throw new CofferError('unknown-transaction', `Transaction ${txidHex} is not in the history (replaced or abandoned).`);
  const inputs = w.tx.inputs.map((i) => {
    const prev = state.get(i.prevTxid)?.tx.outputs[i.vout];
    return {
      outpoint: `${hashToHex(i.prevTxid)}:${i.vout}`,
      ...(prev ? { value: prev.value } : {}),
      mine: prev !== undefined && state.ownerOf(prev.script) !== undefined,
    };
  });
  const outputs = w.tx.outputs.map((o) => ({ address: scriptToAddress(o.script, wallet.network) ?? 'non-standard script', value: o.value, mine: state.ownerOf(o.script) !== undefined }));
  const proven = w.confirmation !== undefined;
  return {
    ...h,
    ...(w.confirmation ? { blockHash: hashToHex(w.confirmation.blockHash) } : {}),
    proofVerified: proven,
    proof: proven ? (backendKind === 'spv' ? 'merkle-proof' : 'full-block') : 'none',
    vsize: vsize(w.tx),
    inputs,
    outputs,
  };
}
