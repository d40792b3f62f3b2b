// The database layer: each migration, schema rules (STRICT, module prefixes), versions, damage.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion, type Db } from '../../src/db/database.js';
import { MIGRATIONS, type Migration } from '../../src/db/migrations/index.js';
import {
  addWatch,
  chainTx,
  isHeldFunding,
  listPeers,
  listWatch,
  markSwept,
  payment,
  putChainTx,
  putFunding,
  putPayment,
  putPeer,
  putSweep,
  readManager,
  readMonitors,
  setFundingStatus,
  unsweptDescriptors,
  writeManager,
  writeMonitor,
  readRouting,
  writeRouting,
} from '../../src/db/channel-store.js';
import { listTxs } from '../../src/db/tx-store.js';
import { insertVault, listVaults, listVaultTxs, upsertVaultTx, type VaultRow } from '../../src/db/vault-store.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const MODULE_PREFIXES = ['keys_', 'wallet_', 'chain_', 'vault_', 'chan_', 'node_'];

function tables(db: Db): { name: string; sql: string }[] {
  return db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
}

function columns(db: Db, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
}

/** Every table named, with its schema, its indexes and all its rows, to compare before and after a migration. */
function snapshot(db: Db, names: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        sql: (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) as { sql: string }).sql,
        indexes: db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(name),
        rows: db.prepare(`SELECT * FROM ${name} ORDER BY rowid`).all(),
      },
    ]),
  );
}

const WALLET_TABLES = ['keys_keystore', 'wallet_accounts', 'wallet_addresses', 'wallet_frozen', 'wallet_labels', 'wallet_meta', 'wallet_settings', 'wallet_txs'];
const VAULT_TABLES = ['vault_txs', 'vault_vaults'];
const CHAN_TABLES = ['chan_funding', 'chan_manager', 'chan_monitors', 'chan_payments', 'chan_peers', 'chan_sweeps', 'chan_txs', 'chan_watch'];
const b32 = (n: number): Buffer => Buffer.alloc(32, n);

/** A wallet as a version-30 Coffer leaves it: keystore, facts, settings, an account with addresses, txs in every status, a frozen coin, labels. */
function walletRowsAt30(db: Db): void {
  expect(schemaVersion(db)).toBe(30);
  db.prepare('INSERT INTO keys_keystore (id, blob, updated_at) VALUES (1, ?, 1700000000)').run(Buffer.from('COFFERKS-ciphertext'));
  for (const [k, v] of [['network', 'regtest'], ['fingerprint', 'a1b2c3d4'], ['birthday', '1700000000'], ['scan_height', '144']]) {
    db.prepare('INSERT INTO wallet_meta (key, value) VALUES (?, ?)').run(k, v);
  }
  db.prepare("INSERT INTO wallet_settings (key, value) VALUES ('fee-rate-normal', '5')").run();
  db.prepare(
    "INSERT INTO wallet_accounts (id, script, account, fingerprint, xpub, external_desc, internal_desc, status) VALUES (1, 'wpkh', 0, 'a1b2c3d4', 'tpubX', 'wpkh(x/0/*)#aaaa', 'wpkh(x/1/*)#bbbb', 'active'), (2, 'tr', 0, 'a1b2c3d4', 'tpubY', 'tr(y/0/*)#cccc', 'tr(y/1/*)#dddd', 'discover')",
  ).run();
  const address = db.prepare('INSERT INTO wallet_addresses (account_id, chain, idx, script, address, issued, used) VALUES (?, ?, ?, ?, ?, ?, ?)');
  address.run(1, 0, 0, Buffer.from([0, 20, ...Array(20).fill(1)]), 'bcrt1qaaa', 1, 1);
  address.run(1, 0, 1, Buffer.from([0, 20, ...Array(20).fill(2)]), 'bcrt1qbbb', 1, 0);
  address.run(1, 1, 0, Buffer.from([0, 20, ...Array(20).fill(3)]), 'bcrt1qccc', 0, 1);
  const tx = db.prepare('INSERT INTO wallet_txs (txid, raw, first_seen, block_hash, block_height, block_pos, block_time, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  tx.run(b32(1), Buffer.from('raw-confirmed'), 1700000100, b32(0xb1), 101, 1, 1700000200, 'seen');
  tx.run(b32(2), Buffer.from('raw-pending'), 1700000300, null, null, null, null, 'pending');
  tx.run(b32(3), Buffer.from('raw-abandoned'), 1700000400, null, null, null, null, 'abandoned');
  tx.run(b32(4), Buffer.from('raw-replaced'), 1700000500, null, null, null, null, 'replaced');
  db.prepare('INSERT INTO wallet_frozen (txid, vout) VALUES (?, 1)').run(b32(1));
  db.prepare("INSERT INTO wallet_labels (type, ref, label, origin) VALUES ('tx', ?, 'rent', NULL), ('addr', 'bcrt1qaaa', 'from Bob', 'wpkh([a1b2c3d4/84h/1h/0h])')").run(b32(1).toString('hex'));
}

function vaultRow(seq: number): VaultRow {
  return {
    id: `vault-${seq}`,
    seq,
    createdAt: 1700001000 + seq,
    amount: 250_000 + seq,
    delay: 144,
    recovery: 'wpkh([00000000/84h/1h/0h]tpubZ/0/*)#eeee',
    recoveryScript: Uint8Array.from([0, 20, ...Array(20).fill(9)]),
    depositTxid: new Uint8Array(b32(0x40 + seq)),
    depositVout: seq,
    depositScript: Uint8Array.from([0, 32, ...Array(32).fill(7)]),
    unvaultScript: Uint8Array.from([0, 32, ...Array(32).fill(8)]),
    unvaultRaw: Uint8Array.from([2, 0, 0, 0, seq]),
    cancels: [{ feerate: 2, fee: 300, vsize: 150, hex: '0200' }],
    emergencies: [{ feerate: 500, fee: 75_000, vsize: 150, hex: '0201' }],
    towersServed: seq % 2 === 1,
  };
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

  it('0040-vaults: vault tables added, every wallet row and index of a version-30 database kept as it was', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const v30 = openDatabase(file, { targetVersion: 30 });
    walletRowsAt30(v30);
    const before = snapshot(v30, WALLET_TABLES);
    const txsBefore = listTxs(v30);
    v30.close();

    const db = openDatabase(file, { targetVersion: 40 });
    expect(schemaVersion(db)).toBe(40);
    expect(tables(db).map((t) => t.name)).toEqual([...WALLET_TABLES, ...VAULT_TABLES].sort());
    expect(snapshot(db, WALLET_TABLES)).toEqual(before);
    expect(listTxs(db)).toEqual(txsBefore);
    expect(txsBefore.map((t) => t.status)).toEqual(['seen', 'pending', 'abandoned', 'replaced']);

    expect(columns(db, 'vault_vaults')).toEqual([
      'id', 'seq', 'created_at', 'amount', 'delay', 'recovery', 'recovery_script', 'deposit_txid', 'deposit_vout', 'deposit_script',
      'unvault_script', 'unvault_raw', 'cancels', 'emergencies', 'towers_served', 'withdraw_started_at', 'announcement',
    ]);
    expect(columns(db, 'vault_txs')).toEqual(['txid', 'vault_id', 'raw', 'first_seen', 'block_hash', 'block_height']);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'vault_txs_vault'").get()).toEqual({ name: 'vault_txs_vault' });

    // The store's rows go in and come back whole (towers_served defaults to 0; no withdrawal yet).
    insertVault(db, vaultRow(0));
    insertVault(db, vaultRow(1));
    expect(listVaults(db)).toEqual([vaultRow(0), vaultRow(1)]);
    upsertVaultTx(db, { txid: b32(0x50), vaultId: 'vault-0', raw: Uint8Array.from([1, 2]), firstSeen: 5, block: { hash: b32(0xb2), height: 102 } });
    expect(listVaultTxs(db)).toEqual([{ txid: new Uint8Array(b32(0x50)), vaultId: 'vault-0', raw: Uint8Array.from([1, 2]), firstSeen: 5, block: { hash: new Uint8Array(b32(0xb2)), height: 102 } }]);

    // What the schema refuses: a vault transaction for no vault, half a confirmation, a reused
    // sequence number or deposit outpoint, amounts and delays out of range.
    const vaultTx = db.prepare('INSERT INTO vault_txs (txid, vault_id, raw, first_seen, block_hash, block_height) VALUES (?, ?, ?, 1, ?, ?)');
    expect(() => vaultTx.run(b32(0x51), 'no-such-vault', Buffer.from([1]), null, null)).toThrow(/FOREIGN KEY/);
    expect(() => vaultTx.run(b32(0x51), 'vault-0', Buffer.from([1]), b32(1), null)).toThrow(/CHECK/);
    expect(() => vaultTx.run(Buffer.alloc(31), 'vault-0', Buffer.from([1]), null, null)).toThrow(/CHECK/);
    expect(() => insertVault(db, { ...vaultRow(2), seq: 0 })).toThrow(/UNIQUE/);
    expect(() => insertVault(db, { ...vaultRow(2), depositTxid: new Uint8Array(b32(0x40)), depositVout: 0 })).toThrow(/UNIQUE/);
    expect(() => insertVault(db, { ...vaultRow(2), amount: 0 })).toThrow(/CHECK/);
    for (const delay of [0, 65_536]) expect(() => insertVault(db, { ...vaultRow(2), delay })).toThrow(/CHECK/);
    expect(() => insertVault(db, { ...vaultRow(2), depositTxid: Uint8Array.from([1]) })).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE vault_vaults SET towers_served = 2 WHERE id = 'vault-0'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE vault_vaults SET amount = 1.5 WHERE id = 'vault-0'").run()).toThrow(/cannot store REAL/);
    db.close();
  });

  it('0050-channels: channel tables added, every wallet and vault row of a version-40 database kept as it was', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const v30 = openDatabase(file, { targetVersion: 30 });
    walletRowsAt30(v30);
    v30.close();
    const v40 = openDatabase(file, { targetVersion: 40 });
    insertVault(v40, vaultRow(0));
    upsertVaultTx(v40, { txid: b32(0x50), vaultId: 'vault-0', raw: Uint8Array.from([1]), firstSeen: 5, block: { hash: b32(0xb2), height: 102 } });
    upsertVaultTx(v40, { txid: b32(0x51), vaultId: 'vault-0', raw: Uint8Array.from([2]), firstSeen: 6 });
    v40.prepare("UPDATE vault_vaults SET withdraw_started_at = 1700002000, announcement = 'sig' WHERE id = 'vault-0'").run();
    const before = snapshot(v40, [...WALLET_TABLES, ...VAULT_TABLES]);
    const vaultsBefore = listVaults(v40);
    v40.close();

    const db = openDatabase(file, { targetVersion: 50 });
    expect(schemaVersion(db)).toBe(50);
    expect(tables(db).map((t) => t.name)).toEqual([...WALLET_TABLES, ...VAULT_TABLES, ...CHAN_TABLES].sort());
    expect(snapshot(db, [...WALLET_TABLES, ...VAULT_TABLES])).toEqual(before);
    expect(listVaults(db)).toEqual(vaultsBefore);
    expect(vaultsBefore[0]).toMatchObject({ withdrawStartedAt: 1700002000, announcement: 'sig' });
    expect(listVaultTxs(db).map((t) => t.block?.height ?? null)).toEqual([102, null]);

    expect(Object.fromEntries(CHAN_TABLES.map((t) => [t, columns(db, t)]))).toEqual({
      chan_funding: ['txid', 'temporary_channel_id', 'counterparty', 'status'],
      chan_manager: ['id', 'data', 'written_at'],
      chan_monitors: ['funding_outpoint', 'data', 'update_id', 'written_at'],
      chan_payments: ['payment_hash', 'direction', 'amount_msat', 'fee_msat', 'preimage', 'status', 'bolt11', 'created_at', 'settled_at'],
      chan_peers: ['node_id', 'address'],
      chan_sweeps: ['descriptor', 'channel_id', 'sweep_txid', 'created_at'],
      chan_txs: ['txid', 'raw', 'block_hash', 'block_height', 'block_pos', 'fed'],
      chan_watch: ['kind', 'item'],
    });

    // The channel store's rows go in and come back.
    expect(readManager(db)).toBeUndefined();
    writeManager(db, Uint8Array.from([1]));
    writeManager(db, Uint8Array.from([2]));
    expect(new Uint8Array(readManager(db)!)).toEqual(Uint8Array.from([2]));
    expect(db.prepare('SELECT COUNT(*) AS n FROM chan_manager').get()).toEqual({ n: 1 });
    writeMonitor(db, 'ab:1', Uint8Array.from([3]), 7n);
    expect(readMonitors(db).map((m) => [m.fundingOutpoint, [...m.data]])).toEqual([['ab:1', [3]]]);
    putChainTx(db, b32(0x60), Uint8Array.from([4]), { hash: b32(0xb3), height: 103, pos: 2 });
    expect(chainTx(db, b32(0x60))).toMatchObject({ height: 103, pos: 2, fed: false });
    addWatch(db, 'outpoint', Uint8Array.from([5]));
    addWatch(db, 'outpoint', Uint8Array.from([5]));
    expect(listWatch(db)).toHaveLength(1);
    putFunding(db, b32(0x61), 'temp', 'peer');
    expect(isHeldFunding(db, b32(0x61))).toBe(true);
    setFundingStatus(db, b32(0x61), 'released');
    expect(isHeldFunding(db, b32(0x61))).toBe(false);
    putPeer(db, '02ab', '127.0.0.1:9735');
    expect(listPeers(db)).toEqual([{ nodeId: '02ab', address: '127.0.0.1:9735' }]);
    putPayment(db, { paymentHash: 'ff', direction: 'out', amountMsat: 1000, status: 'pending' });
    expect(payment(db, 'ff')).toMatchObject({ direction: 'out', amountMsat: 1000, status: 'pending' });
    putSweep(db, Uint8Array.from([6]), 'chan');
    markSwept(db, [Uint8Array.from([6])], b32(0x62));
    expect(unsweptDescriptors(db)).toEqual([]);

    // What the schema refuses.
    expect(() => db.prepare('INSERT INTO chan_manager (id, data, written_at) VALUES (2, ?, 1)').run(Buffer.from([1]))).toThrow(/CHECK/);
    expect(() => db.prepare('INSERT INTO chan_txs (txid, raw) VALUES (?, ?)').run(Buffer.alloc(31), Buffer.from([1]))).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE chan_txs SET fed = 2').run()).toThrow(/CHECK/);
    expect(() => addWatch(db, 'address' as 'script', Uint8Array.from([5]))).toThrow(/CHECK/);
    expect(() => setFundingStatus(db, b32(0x61), 'lost' as 'held')).toThrow(/CHECK/);
    expect(() => putPayment(db, { paymentHash: 'fe', direction: 'sideways' as 'in', status: 'pending' })).toThrow(/CHECK/);
    expect(() => putPayment(db, { paymentHash: 'fe', direction: 'in', status: 'maybe' as 'pending' })).toThrow(/CHECK/);
    expect(() => writeMonitor(db, 'ab:2', Uint8Array.from([3]), 1.5 as unknown as bigint)).toThrow(/cannot store REAL/);
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

  it('0090-chan-graph: one row each for the graph and the scorer, beside the stored channels', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const v80 = openDatabase(file, { targetVersion: 80 });
    writeManager(v80, Uint8Array.from([9]));
    v80.close();
    const db = openDatabase(file, { targetVersion: 90 });
    expect(schemaVersion(db)).toBe(90);
    expect(new Uint8Array(readManager(db)!)).toEqual(Uint8Array.from([9]));
    expect(columns(db, 'chan_graph')).toEqual(['name', 'data', 'written_at']);
    expect(readRouting(db, 'graph')).toBeUndefined();
    writeRouting(db, 'graph', Uint8Array.from([1]));
    writeRouting(db, 'graph', Uint8Array.from([2, 3]));
    writeRouting(db, 'scorer', Uint8Array.from([4]));
    expect(new Uint8Array(readRouting(db, 'graph')!)).toEqual(Uint8Array.from([2, 3]));
    expect(new Uint8Array(readRouting(db, 'scorer')!)).toEqual(Uint8Array.from([4]));
    expect(db.prepare('SELECT COUNT(*) AS n FROM chan_graph').get()).toEqual({ n: 2 });
    expect(() => writeRouting(db, 'peers' as 'graph', Uint8Array.from([1]))).toThrow(/CHECK/);
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
