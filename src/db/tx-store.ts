// Wallet transaction rows: insert once, then set or clear the confirmation as proofs and reorgs come.

import type { TxStatus } from '../wallet/change-set.js';
import type { Confirmation } from '../wallet/wallet-state.js';
import type { Db } from './database.js';

export type { TxStatus };

export interface TxRow {
  raw: Uint8Array;
  firstSeen: number;
  confirmation?: Confirmation;
  status?: TxStatus;
}

interface Raw {
  raw: Buffer;
  status: TxStatus;
  first_seen: number;
  block_hash: Buffer | null;
  block_height: number | null;
  block_pos: number | null;
  block_time: number | null;
}

export function listTxs(db: Db): TxRow[] {
  const rows = db.prepare('SELECT raw, status, first_seen, block_hash, block_height, block_pos, block_time FROM wallet_txs ORDER BY rowid').all() as Raw[];
  return rows.map((r) => ({
    raw: new Uint8Array(r.raw),
    status: r.status,
    firstSeen: r.first_seen,
    ...(r.block_hash && r.block_height !== null
      ? { confirmation: { blockHash: new Uint8Array(r.block_hash), height: r.block_height, pos: r.block_pos ?? 0, time: r.block_time ?? 0 } }
      : {}),
  }));
}

/** Insert, or update the confirmation. Seeing a transaction on the network makes it 'seen'. */
export function upsertTx(db: Db, txid: Uint8Array, row: TxRow): void {
  const c = row.confirmation;
  db.prepare(
    `INSERT INTO wallet_txs (txid, raw, status, first_seen, block_hash, block_height, block_pos, block_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (txid) DO UPDATE SET block_hash = excluded.block_hash, block_height = excluded.block_height,
       block_pos = excluded.block_pos, block_time = excluded.block_time,
       status = CASE WHEN excluded.status = 'seen' THEN 'seen' ELSE wallet_txs.status END`,
  ).run(txid, row.raw, row.status ?? 'seen', row.firstSeen, c?.blockHash ?? null, c?.height ?? null, c?.pos ?? null, c?.time ?? null);
}

export function setTxStatus(db: Db, txid: Uint8Array, status: TxStatus): void {
  db.prepare('UPDATE wallet_txs SET status = ? WHERE txid = ?').run(status, txid);
}

export function getTxStatus(db: Db, txid: Uint8Array): TxStatus | undefined {
  const row = db.prepare('SELECT status FROM wallet_txs WHERE txid = ?').get(txid) as { status: TxStatus } | undefined;
  return row?.status;
}

/** Whether the wallet holds this transaction in a block. */
export function isTxConfirmed(db: Db, txid: Uint8Array): boolean {
  const row = db.prepare('SELECT block_height FROM wallet_txs WHERE txid = ?').get(txid) as { block_height: number | null } | undefined;
  return row?.block_height !== undefined && row.block_height !== null;
}

export function unconfirmTx(db: Db, txid: Uint8Array): void {
  db.prepare('UPDATE wallet_txs SET block_hash = NULL, block_height = NULL, block_pos = NULL, block_time = NULL WHERE txid = ?').run(txid);
}
