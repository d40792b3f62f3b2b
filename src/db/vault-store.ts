// Vault rows, vaults found on chain after a restore, and the transactions seen for them.

import type { Db } from './database.js';

export interface StoredRung {
  feerate: number;
  fee: number;
  vsize: number;
  /** The signed transaction, hex. */
  hex: string;
}

export interface VaultRow {
  id: string;
  seq: number;
  createdAt: number;
  amount: number;
  delay: number;
  /** The recovery destination as the user gave it (descriptor or address). */
  recovery: string;
  recoveryScript: Uint8Array;
  depositTxid: Uint8Array;
  depositVout: number;
  depositScript: Uint8Array;
  unvaultScript: Uint8Array;
  unvaultRaw: Uint8Array;
  cancels: StoredRung[];
  emergencies: StoredRung[];
  towersServed: boolean;
  withdrawStartedAt?: number;
  announcement?: string;
}

interface Raw {
  id: string;
  seq: number;
  created_at: number;
  amount: number;
  delay: number;
  recovery: string;
  recovery_script: Buffer;
  deposit_txid: Buffer;
  deposit_vout: number;
  deposit_script: Buffer;
  unvault_script: Buffer;
  unvault_raw: Buffer;
  cancels: string;
  emergencies: string;
  towers_served: number;
  withdraw_started_at: number | null;
  announcement: string | null;
}

function fromRaw(r: Raw): VaultRow {
  return {
    id: r.id,
    seq: r.seq,
    createdAt: r.created_at,
    amount: r.amount,
    delay: r.delay,
    recovery: r.recovery,
    recoveryScript: new Uint8Array(r.recovery_script),
    depositTxid: new Uint8Array(r.deposit_txid),
    depositVout: r.deposit_vout,
    depositScript: new Uint8Array(r.deposit_script),
    unvaultScript: new Uint8Array(r.unvault_script),
    unvaultRaw: new Uint8Array(r.unvault_raw),
    cancels: JSON.parse(r.cancels) as StoredRung[],
    emergencies: JSON.parse(r.emergencies) as StoredRung[],
    towersServed: r.towers_served === 1,
    ...(r.withdraw_started_at !== null ? { withdrawStartedAt: r.withdraw_started_at } : {}),
    ...(r.announcement !== null ? { announcement: r.announcement } : {}),
  };
}

export function listVaults(db: Db): VaultRow[] {
  return (db.prepare('SELECT * FROM vault_vaults ORDER BY seq').all() as Raw[]).map(fromRaw);
}

export function nextVaultSeq(db: Db): number {
  const r = db.prepare('SELECT MAX(seq) AS m FROM vault_vaults').get() as { m: number | null };
  return r.m === null ? 0 : r.m + 1;
}

export function insertVault(db: Db, v: VaultRow): void {
  db.prepare(
    `INSERT INTO vault_vaults (id, seq, created_at, amount, delay, recovery, recovery_script, deposit_txid, deposit_vout,
       deposit_script, unvault_script, unvault_raw, cancels, emergencies, towers_served)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    v.id,
    v.seq,
    v.createdAt,
    v.amount,
    v.delay,
    v.recovery,
    v.recoveryScript,
    v.depositTxid,
    v.depositVout,
    v.depositScript,
    v.unvaultScript,
    v.unvaultRaw,
    JSON.stringify(v.cancels),
    JSON.stringify(v.emergencies),
    v.towersServed ? 1 : 0,
  );
}

export function setTowersServed(db: Db, ids: string[]): void {
  const st = db.prepare('UPDATE vault_vaults SET towers_served = 1 WHERE id = ?');
  for (const id of ids) st.run(id);
}

export function setWithdrawStarted(db: Db, id: string, at: number, announcement: string): void {
  db.prepare('UPDATE vault_vaults SET withdraw_started_at = ?, announcement = ? WHERE id = ?').run(at, announcement, id);
}

/** A vault known only from its deposit's note (a restore from the words): no presigned set. */
export interface FoundVault {
  id: string;
  seq: number;
  foundAt: number;
  amount: number;
  delay: number;
  kPub: Uint8Array;
  depositTxid: Uint8Array;
  depositVout: number;
}

export function listFoundVaults(db: Db): FoundVault[] {
  const rows = db.prepare('SELECT * FROM vault_found ORDER BY seq, id').all() as {
    id: string;
    seq: number;
    found_at: number;
    amount: number;
    delay: number;
    k_pub: Buffer;
    deposit_txid: Buffer;
    deposit_vout: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    foundAt: r.found_at,
    amount: r.amount,
    delay: r.delay,
    kPub: new Uint8Array(r.k_pub),
    depositTxid: new Uint8Array(r.deposit_txid),
    depositVout: r.deposit_vout,
  }));
}

/** Keep a vault found on chain, unless it (or a full row of it) is known already. Returns whether it was new. */
export function insertFoundVault(db: Db, f: FoundVault): boolean {
  const known = db.prepare('SELECT 1 FROM vault_vaults WHERE deposit_txid = ? AND deposit_vout = ?').get(f.depositTxid, f.depositVout);
  if (known) return false;
  const r = db
    .prepare('INSERT OR IGNORE INTO vault_found (id, seq, found_at, amount, delay, k_pub, deposit_txid, deposit_vout) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(f.id, f.seq, f.foundAt, f.amount, f.delay, f.kPub, f.depositTxid, f.depositVout);
  return r.changes > 0;
}

/** A full row (from a vault backup) takes the place of the found one; its transactions follow it. */
export function replaceFoundVault(db: Db, depositTxid: Uint8Array, depositVout: number, id: string): void {
  const found = db.prepare('SELECT id FROM vault_found WHERE deposit_txid = ? AND deposit_vout = ?').get(depositTxid, depositVout) as { id: string } | undefined;
  if (!found) return;
  db.prepare('UPDATE vault_txs SET vault_id = ? WHERE vault_id = ?').run(id, found.id);
  db.prepare('DELETE FROM vault_found WHERE id = ?').run(found.id);
}

export interface VaultTxRow {
  txid: Uint8Array;
  vaultId: string;
  raw: Uint8Array;
  firstSeen: number;
  block?: { hash: Uint8Array; height: number };
}

export function listVaultTxs(db: Db): VaultTxRow[] {
  const rows = db.prepare('SELECT txid, vault_id, raw, first_seen, block_hash, block_height FROM vault_txs ORDER BY rowid').all() as {
    txid: Buffer;
    vault_id: string;
    raw: Buffer;
    first_seen: number;
    block_hash: Buffer | null;
    block_height: number | null;
  }[];
  return rows.map((r) => ({
    txid: new Uint8Array(r.txid),
    vaultId: r.vault_id,
    raw: new Uint8Array(r.raw),
    firstSeen: r.first_seen,
    ...(r.block_hash && r.block_height !== null ? { block: { hash: new Uint8Array(r.block_hash), height: r.block_height } } : {}),
  }));
}

/** Insert, or set the confirmation when one is given (a mempool sighting never clears one). */
export function upsertVaultTx(db: Db, row: VaultTxRow): void {
  db.prepare(
    `INSERT INTO vault_txs (txid, vault_id, raw, first_seen, block_hash, block_height) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (txid) DO UPDATE SET
       block_hash = COALESCE(excluded.block_hash, vault_txs.block_hash),
       block_height = COALESCE(excluded.block_height, vault_txs.block_height)`,
  ).run(row.txid, row.vaultId, row.raw, row.firstSeen, row.block?.hash ?? null, row.block?.height ?? null);
}

export function unconfirmVaultTx(db: Db, txid: Uint8Array): void {
  db.prepare('UPDATE vault_txs SET block_hash = NULL, block_height = NULL WHERE txid = ?').run(txid);
}
