// Wallet rows: facts (network, fingerprint, birthday), settings, accounts and addresses.

import type { ScriptKind } from '../keys/accounts.js';
import type { Db } from './database.js';

export type AccountStatus = 'active' | 'discover';

export interface AccountRow {
  id: number;
  script: ScriptKind;
  account: number;
  fingerprint: string;
  xpub: string;
  externalDesc: string;
  internalDesc: string;
  status: AccountStatus;
}

export interface AddressRow {
  accountId: number;
  chain: 0 | 1;
  index: number;
  script: Uint8Array;
  address: string;
  issued: boolean;
  used: boolean;
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM wallet_meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO wallet_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function getSetting(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM wallet_settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setSetting(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO wallet_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function insertAccount(db: Db, a: Omit<AccountRow, 'id'>): number {
  const r = db
    .prepare(
      `INSERT INTO wallet_accounts (script, account, fingerprint, xpub, external_desc, internal_desc, status)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(a.script, a.account, a.fingerprint, a.xpub, a.externalDesc, a.internalDesc, a.status);
  return Number(r.lastInsertRowid);
}

export function listAccounts(db: Db, status?: AccountStatus): AccountRow[] {
  const rows = db
    .prepare(
      `SELECT id, script, account, fingerprint, xpub, external_desc AS externalDesc, internal_desc AS internalDesc, status
       FROM wallet_accounts ${status ? 'WHERE status = ?' : ''} ORDER BY id`,
    )
    .all(...(status ? [status] : [])) as AccountRow[];
  return rows;
}

type RawAddress = Omit<AddressRow, 'issued' | 'used' | 'script'> & { script: Buffer; issued: number; used: number };

function toAddress(r: RawAddress): AddressRow {
  return { ...r, script: new Uint8Array(r.script), issued: r.issued === 1, used: r.used === 1 };
}

export function insertAddresses(db: Db, rows: readonly Omit<AddressRow, 'issued' | 'used'>[]): void {
  const stmt = db.prepare(
    'INSERT OR IGNORE INTO wallet_addresses (account_id, chain, idx, script, address) VALUES (?, ?, ?, ?, ?)',
  );
  for (const r of rows) stmt.run(r.accountId, r.chain, r.index, r.script, r.address);
}

export function listAddresses(db: Db, accountId: number, chain: 0 | 1): AddressRow[] {
  const rows = db
    .prepare(
      `SELECT account_id AS accountId, chain, idx AS "index", script, address, issued, used
       FROM wallet_addresses WHERE account_id = ? AND chain = ? ORDER BY idx`,
    )
    .all(accountId, chain) as RawAddress[];
  return rows.map(toAddress);
}

export function markIssued(db: Db, accountId: number, chain: 0 | 1, index: number): void {
  db.prepare('UPDATE wallet_addresses SET issued = 1 WHERE account_id = ? AND chain = ? AND idx = ?').run(accountId, chain, index);
}

/** Mark an address as having history; returns true when it was not marked before. */
export function markUsed(db: Db, accountId: number, chain: 0 | 1, index: number): boolean {
  return db.prepare('UPDATE wallet_addresses SET used = 1 WHERE account_id = ? AND chain = ? AND idx = ? AND used = 0').run(accountId, chain, index).changes === 1;
}

export function listAllAddresses(db: Db): AddressRow[] {
  const rows = db
    .prepare(`SELECT account_id AS accountId, chain, idx AS "index", script, address, issued, used FROM wallet_addresses ORDER BY account_id, chain, idx`)
    .all() as RawAddress[];
  return rows.map(toAddress);
}

export function setAccountStatus(db: Db, id: number, status: AccountStatus): void {
  db.prepare('UPDATE wallet_accounts SET status = ? WHERE id = ?').run(status, id);
}

export function deleteAccount(db: Db, id: number): void {
  db.prepare('DELETE FROM wallet_addresses WHERE account_id = ?').run(id);
  db.prepare('DELETE FROM wallet_accounts WHERE id = ?').run(id);
}
