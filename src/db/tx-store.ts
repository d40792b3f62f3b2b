// Wallet transaction rows: insert once, then set or clear the confirmation as proofs and reorgs come.

import type { Confirmation } from '../wallet/wallet-state.js';
import type { Db } from './database.js';

export interface TxRow {
  raw: Uint8Array;
  firstSeen: number;
  confirmation?: Confirmation;
}

interface Raw {
  raw: Buffer;
  first_seen: number;
  block_hash: Buffer | null;
  block_height: number | null;
  block_pos: number | null;
  block_time: number | null;
}

export function listTxs(db: Db): TxRow[] {
  const rows = db.prepare('SELECT raw, first_seen, block_hash, block_height, block_pos, block_time FROM wallet_txs ORDER BY rowid').all() as Raw[];
  return rows.map((r) => ({
    raw: new Uint8Array(r.raw),
    firstSeen: r.first_seen,
    ...(r.block_hash && r.block_height !== null
      ? { confirmation: { blockHash: new Uint8Array(r.block_hash), height: r.block_height, pos: r.block_pos ?? 0, time: r.block_time ?? 0 } }
      : {}),
  }));
}

export function upsertTx(db: Db, txid: Uint8Array, row: TxRow): void {
  const c = row.confirmation;
  db.prepare(
    `INSERT INTO wallet_txs (txid, raw, first_seen, block_hash, block_height, block_pos, block_time)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (txid) DO UPDATE SET block_hash = excluded.block_hash, block_height = excluded.block_height,
       block_pos = excluded.block_pos, block_time = excluded.block_time`,
  ).run(txid, row.raw, row.firstSeen, c?.blockHash ?? null, c?.height ?? null, c?.pos ?? null, c?.time ?? null);
}

export function unconfirmTx(db: Db, txid: Uint8Array): void {
  db.prepare('UPDATE wallet_txs SET block_hash = NULL, block_height = NULL, block_pos = NULL, block_time = NULL WHERE txid = ?').run(txid);
}
