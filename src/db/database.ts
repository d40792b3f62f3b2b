// Opening the wallet database: file permissions, pragmas, numbered migrations, typed errors.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CofferError } from '../api/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

/** Map SQLite failures to errors a user can act on; anything else is rethrown. */
export function dbError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_IOERR_SHORT_READ')) {
    return new CofferError('database-corrupt', 'The wallet database is damaged; restore from your recovery phrase or a backup.', { sqlite: code });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new CofferError('database-busy', 'The wallet database is in use by another Coffer process.', { sqlite: code });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM' || code === 'SQLITE_FULL') {
    return new CofferError('datadir-unusable', 'The wallet database cannot be opened or written.', { sqlite: code });
  }
  return e;
}

export function withDbErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw dbError(e);
  }
}

export interface OpenOptions {
  /** Stop after this migration version (tests of individual migrations). */
  targetVersion?: number;
  migrations?: readonly Migration[];
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CofferError('datadir-unusable', `The folder for ${file} cannot be created.`, {
        reason: (e as NodeJS.ErrnoException).code ?? 'unknown',
      });
    }
  }
  return withDbErrors(() => {
    const db = new Database(file);
    try {
      if (file !== ':memory:') fs.chmodSync(file, 0o600);
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      // A wallet must not lose a committed change on power loss, and freed pages (an old
      // keystore after a password change) are zeroed rather than left on disk.
      db.pragma('synchronous = FULL');
      db.pragma('secure_delete = ON');
      db.pragma('foreign_keys = ON');
      migrate(db, opts.migrations ?? MIGRATIONS, opts.targetVersion);
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  });
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Run every pending migration, each in its own transaction that also sets `user_version`. */
export function migrate(db: Db, migrations: readonly Migration[], targetVersion?: number): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new CofferError(
      'database-too-new',
      'This wallet database was written by a newer version of Coffer; update Coffer to open it.',
      { databaseVersion: current, supportedVersion: latest },
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    if (targetVersion !== undefined && m.version > targetVersion) break;
    db.transaction(() => {
      // Another process may have migrated since we looked; check again under the write lock.
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    if (m.checkpoint) db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
