// Frozen coins and BIP329 labels.

import type { LabelRecord, LabelType } from '../wallet/labels.js';
import type { Db } from './database.js';

export function listFrozen(db: Db): { txid: Uint8Array; vout: number }[] {
  const rows = db.prepare('SELECT txid, vout FROM wallet_frozen').all() as { txid: Buffer; vout: number }[];
  return rows.map((r) => ({ txid: new Uint8Array(r.txid), vout: r.vout }));
}

export function setFrozen(db: Db, txid: Uint8Array, vout: number, frozen: boolean): void {
  if (frozen) db.prepare('INSERT OR IGNORE INTO wallet_frozen (txid, vout) VALUES (?, ?)').run(txid, vout);
  else db.prepare('DELETE FROM wallet_frozen WHERE txid = ? AND vout = ?').run(txid, vout);
}

export function listLabels(db: Db): LabelRecord[] {
  const rows = db.prepare('SELECT type, ref, label, origin FROM wallet_labels ORDER BY type, ref').all() as {
    type: LabelType;
    ref: string;
    label: string;
    origin: string | null;
  }[];
  return rows.map((r) => ({ type: r.type, ref: r.ref, label: r.label, ...(r.origin ? { origin: r.origin } : {}) }));
}

export function putLabel(db: Db, r: { type: LabelType; ref: string; label: string; origin?: string }): void {
  if (r.label === '') {
    db.prepare('DELETE FROM wallet_labels WHERE type = ? AND ref = ?').run(r.type, r.ref);
    return;
  }
  db.prepare(
    `INSERT INTO wallet_labels (type, ref, label, origin) VALUES (?, ?, ?, ?)
     ON CONFLICT (type, ref) DO UPDATE SET label = excluded.label, origin = excluded.origin`,
  ).run(r.type, r.ref, r.label, r.origin ?? null);
}

/** `to` gets the transaction label `from` has, if any (a fee bump's replacement keeps the label of the send it replaces). */
export function copyTxLabel(db: Db, from: string, to: string): void {
  db.prepare(`INSERT OR REPLACE INTO wallet_labels (type, ref, label, origin) SELECT type, ?, label, origin FROM wallet_labels WHERE type = 'tx' AND ref = ?`).run(to, from);
}
