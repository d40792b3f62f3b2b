// The encrypted keystore row. Replacing it is one UPDATE, so a password change is atomic.

import type { Db } from './database.js';

export function readKeystore(db: Db): Uint8Array | undefined {
  const row = db.prepare('SELECT blob FROM keys_keystore WHERE id = 1').get() as { blob: Buffer } | undefined;
  return row ? new Uint8Array(row.blob) : undefined;
}

export function insertKeystore(db: Db, blob: Uint8Array, now: number): void {
  db.prepare('INSERT INTO keys_keystore (id, blob, updated_at) VALUES (1, ?, ?)').run(blob, now);
}

/** Swap the ciphertext: one UPDATE, so a crash leaves either the old or the new keystore. */
export function replaceKeystore(db: Db, blob: Uint8Array, now: number): void {
  const changed = db.prepare('UPDATE keys_keystore SET blob = ?, updated_at = ? WHERE id = 1').run(blob, now).changes;
  if (changed !== 1) throw new Error('no keystore to replace');
}

/** Move committed pages into the main file, so an old keystore does not linger in the WAL. */
export function checkpoint(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
