// The database layer: each migration, schema rules (STRICT, module prefixes), versions, damage.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion, type Db } from '../../src/db/database.js';
import { MIGRATIONS, type Migration } from '../../src/db/migrations/index.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const MODULE_PREFIXES = ['keys_', 'wallet_', 'chain_', 'vault_', 'chan_', 'node_'];

function tables(db: Db): { name: string; sql: string }[] {
  return db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
}

describe('migrations', () => {
  it('are one file each, numbered in tens, in order', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/db/migrations');
    const files = fs.readdirSync(dir).filter((f) => /^\d{4}-/.test(f)).sort();
    expect(files.map((f) => Number(f.slice(0, 4)))).toEqual(MIGRATIONS.map((m) => m.version));
    MIGRATIONS.forEach((m, i) => {
      expect(m.version).toBe((i + 1) * 10);
      expect(files[i]).toBe(`${String(m.version).padStart(4, '0')}-${m.name}.ts`);
    });
  });

  it('every table is STRICT and prefixed by its module', () => {
    const db = openDatabase(':memory:');
    for (const t of tables(db)) {
      expect(MODULE_PREFIXES.some((p) => t.name.startsWith(p)), t.name).toBe(true);
      expect(t.sql.trimEnd().endsWith('STRICT'), t.name).toBe(true);
    }
    db.close();
  });

  it('0010-initial: keystore, meta, settings, accounts, addresses', () => {
    const db = openDatabase(':memory:', { targetVersion: 10 });
    expect(schemaVersion(db)).toBe(10);
    expect(tables(db).map((t) => t.name)).toEqual(['keys_keystore', 'wallet_accounts', 'wallet_addresses', 'wallet_meta', 'wallet_settings']);
    // One keystore row only; constrained columns reject bad values.
    db.prepare('INSERT INTO keys_keystore (id, blob, updated_at) VALUES (1, ?, 0)').run(Buffer.from([1]));
    expect(() => db.prepare('INSERT INTO keys_keystore (id, blob, updated_at) VALUES (2, ?, 0)').run(Buffer.from([1]))).toThrow();
    expect(() => db.prepare("INSERT INTO wallet_accounts (script, account, fingerprint, xpub, external_desc, internal_desc, status) VALUES ('p2sh', 0, 'a', 'b', 'c', 'd', 'active')").run()).toThrow();
    expect(() => db.prepare("INSERT INTO wallet_meta (key, value) VALUES ('k', x'01')").run()).toThrow(/cannot store BLOB/);
    db.close();
  });

  it('0020-transactions: wallet_txs with all-or-nothing confirmations', () => {
    const db = openDatabase(':memory:', { targetVersion: 20 });
    expect(schemaVersion(db)).toBe(20);
    const txid = Buffer.alloc(32, 1);
    db.prepare('INSERT INTO wallet_txs (txid, raw, first_seen) VALUES (?, ?, 1)').run(txid, Buffer.from([1]));
    expect(() => db.prepare('INSERT INTO wallet_txs (txid, raw, first_seen, block_hash) VALUES (?, ?, 1, ?)').run(Buffer.alloc(32, 2), Buffer.from([1]), Buffer.alloc(32))).toThrow(/CHECK/);
    expect(() => db.prepare('INSERT INTO wallet_txs (txid, raw, first_seen) VALUES (?, ?, 1)').run(Buffer.alloc(31), Buffer.from([1]))).toThrow(/CHECK/);
    db.close();
  });

  it('0030-spending: status (existing rows become seen), frozen coins, labels', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const v20 = openDatabase(file, { targetVersion: 20 });
    v20.prepare('INSERT INTO wallet_txs (txid, raw, first_seen) VALUES (?, ?, 1)').run(Buffer.alloc(32, 1), Buffer.from([1]));
    v20.close();
    const db = openDatabase(file, { targetVersion: 30 });
    expect(schemaVersion(db)).toBe(30);
    expect(db.prepare('SELECT status FROM wallet_txs').get()).toEqual({ status: 'seen' });
    expect(() => db.prepare("UPDATE wallet_txs SET status = 'lost'").run()).toThrow(/CHECK/);
    db.prepare('INSERT INTO wallet_frozen (txid, vout) VALUES (?, 0)').run(Buffer.alloc(32, 1));
    expect(() => db.prepare('INSERT INTO wallet_frozen (txid, vout) VALUES (?, -1)').run(Buffer.alloc(32, 1))).toThrow(/CHECK/);
    db.prepare("INSERT INTO wallet_labels (type, ref, label) VALUES ('tx', 'ab', 'x')").run();
    expect(() => db.prepare("INSERT INTO wallet_labels (type, ref, label) VALUES ('coin', 'ab', 'x')").run()).toThrow(/CHECK/);
    db.close();
  });

  it('0060-channel-closes: added beside the stored channels, cooperative is 0 or 1', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const v50 = openDatabase(file, { targetVersion: 50 });
    v50.prepare("INSERT INTO chan_monitors (funding_outpoint, data, update_id, written_at) VALUES ('ab:0', ?, 1, 1)").run(Buffer.from([1]));
    v50.close();
    const db = openDatabase(file, { targetVersion: 60 });
    expect(schemaVersion(db)).toBe(60);
    expect(db.prepare('SELECT funding_outpoint FROM chan_monitors').get()).toEqual({ funding_outpoint: 'ab:0' });
    db.prepare("INSERT INTO chan_closes (channel_id, counterparty, reason, cooperative, capacity_sat, closed_at) VALUES ('c', 'p', 'HolderForceClosed', 0, 1, 1)").run();
    expect(() => db.prepare("INSERT INTO chan_closes (channel_id, counterparty, reason, cooperative, capacity_sat, closed_at) VALUES ('d', 'p', 'x', 2, 1, 1)").run()).toThrow(/CHECK/);
    db.close();
  });

  it('0070-rpc-password: a password stored in clear is removed from the database and its WAL, the rest kept', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const secret = 'plain-rpc-s3cret-0070';
    // An older Coffer wrote the password and is still running (its WAL holds the write).
    const old = openDatabase(file, { targetVersion: 60 });
    old.pragma('wal_autocheckpoint = 0');
    const backend = { kind: 'rpc', url: 'http://127.0.0.1:8332/', user: 'alice', password: secret };
    old.prepare("INSERT INTO wallet_meta (key, value) VALUES ('backend', ?)").run(JSON.stringify(backend));
    old.prepare("INSERT INTO wallet_meta (key, value) VALUES ('network', 'main')").run();
    expect(fs.readFileSync(`${file}-wal`).includes(Buffer.from(secret))).toBe(true);
    const db = openDatabase(file, { targetVersion: 70 });
    expect(schemaVersion(db)).toBe(70);
    const meta = (k: string) => (db.prepare('SELECT value FROM wallet_meta WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    expect(JSON.parse(meta('backend')!)).toEqual({ kind: 'rpc', url: 'http://127.0.0.1:8332/', user: 'alice' });
    expect(meta('rpc_password_removed')).toBe('1');
    expect(meta('network')).toBe('main');
    for (const f of [file, `${file}-wal`]) expect(fs.existsSync(f) ? fs.readFileSync(f).includes(Buffer.from(secret)) : false, f).toBe(false);
    old.close();
    db.close();
    expect(fs.readFileSync(file).includes(Buffer.from(secret))).toBe(false);
    // Other settings are left alone.
    const other = path.join(tmpDir(), 'wallet.sqlite');
    const v60 = openDatabase(other, { targetVersion: 60 });
    v60.prepare("INSERT INTO wallet_meta (key, value) VALUES ('backend', ?)").run(JSON.stringify({ kind: 'spv', connect: ['127.0.0.1:8333'] }));
    v60.close();
    const migrated = openDatabase(other);
    expect(migrated.prepare("SELECT value FROM wallet_meta WHERE key = 'backend'").get()).toEqual({ value: JSON.stringify({ kind: 'spv', connect: ['127.0.0.1:8333'] }) });
    expect(migrated.prepare("SELECT value FROM wallet_meta WHERE key = 'rpc_password_removed'").get()).toBeUndefined();
    migrated.close();
  });

  it('a failing migration changes nothing', () => {
    const db = openDatabase(':memory:');
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: 990, name: 'broken', up: (d) => d.exec('CREATE TABLE wallet_x (a INTEGER) STRICT; SELECT * FROM no_such_table;') },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)?.version);
    expect(tables(db).some((t) => t.name === 'wallet_x')).toBe(false);
    db.close();
  });
});

describe('opening', () => {
  it('uses WAL and an owner-only file', () => {
    const file = path.join(tmpDir(), 'main', 'wallet.sqlite');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('refuses a database from a newer Coffer', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const db = openDatabase(file);
    db.pragma('user_version = 9990');
    db.close();
    const e = expectCode(() => openDatabase(file), 'database-too-new');
    expect(e.details['databaseVersion']).toBe(9990);
  });

  it('a truncated database is database-corrupt', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const db = openDatabase(file);
    db.exec("INSERT INTO wallet_meta (key, value) VALUES ('x', '" + 'y'.repeat(20000) + "')");
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2) + 100);
    expectCode(() => {
      const d = openDatabase(file);
      try {
        d.prepare('SELECT * FROM wallet_meta').all();
      } finally {
        d.close();
      }
    }, 'database-corrupt');
  });

  it('a file that is not a database is database-corrupt', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    fs.writeFileSync(file, 'this is not sqlite'.repeat(300));
    expectCode(() => openDatabase(file), 'database-corrupt');
  });

  it('an unwritable location is datadir-unusable', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'blocker'), '');
    expectCode(() => openDatabase(path.join(dir, 'blocker', 'wallet.sqlite')), 'datadir-unusable');
  });
});
