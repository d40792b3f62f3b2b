// Lightning support modules: the channel backup file, the Lightning keys, peer addresses, what the
// wallet's sync watches for the channels, and the invoice amount the pay form shows.

import fs from 'node:fs';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { hex } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterEach, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { parseTx, serializeTx } from '../../src/chain/tx.js';
import { ChannelWatch, type ChainView } from '../../src/channels/chain-watch.js';
import { backupTarget, MAX_BACKUP_BYTES, openBackup, readBackupFile, sealBackup, writeBackupFile, type ChannelBackup } from '../../src/channels/channel-backup.js';
import { backupKey, ldkSeed } from '../../src/channels/channel-keys.js';
import { parsePeerUri } from '../../src/channels/options.js';
import { inboundOption, listenOption } from '../../src/cli/lightning-commands.js';
import { chainTx, markFed, putFunding, setFundingStatus } from '../../src/db/channel-store.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const SEED = mnemonicToSeedSync(ABANDON);
const OTHER_SEED = Uint8Array.from({ length: 64 }, (_, i) => i);
const NODE_ID = `02${'ab'.repeat(32)}`;
const text = (s: string) => new TextEncoder().encode(s);

// ---- channel backup ------------------------------------------------------------------------

const KEY = backupKey(SEED, 'regtest');
const MAGIC = text('COFFERCB');
const HEAD = MAGIC.length + 1 + 24;

function backup(): ChannelBackup {
  return {
    network: 'regtest',
    nodeId: NODE_ID,
    writtenAt: 1_700_000_000_123,
    monitors: [
      { fundingOutpoint: `${'11'.repeat(32)}:0`, data: Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff) },
      { fundingOutpoint: `${'22'.repeat(32)}:5`, data: Uint8Array.of(0x00, 0xff) },
    ],
    peers: [
      { nodeId: NODE_ID, address: '127.0.0.1:9735' },
      { nodeId: `03${'cd'.repeat(32)}`, address: '[::1]:19735' },
    ],
  };
}

/** A file in the documented format around any plaintext, as a damaged or foreign writer would make. */
function sealPlain(plain: string, key = KEY): Uint8Array {
  const nonce = new Uint8Array(24).fill(9);
  return concatBytes(MAGIC, Uint8Array.of(1), nonce, xchacha20poly1305(key, nonce, MAGIC).encrypt(text(plain)));
}

/** The JSON the sealer writes (monitor data as hex), with `patch` applied. */
function payload(patch: Record<string, unknown>): string {
  const b = backup();
  return JSON.stringify({ ...b, monitors: b.monitors.map((m) => ({ fundingOutpoint: m.fundingOutpoint, data: hex.encode(m.data) })), ...patch });
}

function expectBadBackup(file: Uint8Array, what: string, key = KEY): CofferError {
  let err: unknown;
  try {
    openBackup(file, key);
  } catch (e) {
    err = e;
  }
  expect(err, what).toBeInstanceOf(CofferError);
  expect((err as CofferError).code, what).toBe('invalid-backup');
  expect((err as CofferError).message, what).toMatch(/channel backup/);
  return err as CofferError;
}

describe('channel backup', () => {
  const sealed = sealBackup(backup(), KEY);

  it('opens to what was sealed, and the file shows none of it', () => {
    expect(openBackup(sealed, KEY)).toEqual(backup());
    expect(hex.encode(sealed.subarray(0, 9))).toBe(hex.encode(concatBytes(MAGIC, Uint8Array.of(1))));
    const clear = Buffer.from(sealed);
    for (const s of [NODE_ID, '127.0.0.1', '11'.repeat(32), 'regtest']) expect(clear.includes(s), s).toBe(false);
  });

  it('uses a fresh nonce each time', () => {
    const again = sealBackup(backup(), KEY);
    expect(hex.encode(again.subarray(MAGIC.length + 1, HEAD))).not.toBe(hex.encode(sealed.subarray(MAGIC.length + 1, HEAD)));
    expect(openBackup(again, KEY)).toEqual(backup());
  });

  it('a hand-built file in the documented format opens (so the cases below fail for their own reason)', () => {
    expect(openBackup(sealPlain(payload({})), KEY)).toEqual(backup());
  });

  it('refuses an empty file, another file type and an unknown version', () => {
    expect(expectBadBackup(new Uint8Array(0), 'empty').message).toMatch(/not a Coffer channel backup/);
    const magic = sealed.slice();
    magic[7] = 'X'.charCodeAt(0);
    expect(expectBadBackup(magic, 'magic').message).toMatch(/not a Coffer channel backup/);
    expectBadBackup(text('{"network":"regtest"}'.padEnd(100, ' ')), 'plain JSON');
    for (const version of [0, 2, 255]) {
      const v = sealed.slice();
      v[MAGIC.length] = version;
      expect(expectBadBackup(v, `version ${version}`).message).toContain(`version ${version}`);
    }
  });

  it('refuses every truncation', () => {
    const lengths = [1, 8, 9, HEAD, HEAD + 15, HEAD + 16, HEAD + 17, sealed.length - 16, sealed.length - 1];
    for (const n of lengths) expectBadBackup(sealed.subarray(0, n), `first ${n} bytes`);
    expectBadBackup(concatBytes(sealed, Uint8Array.of(0)), 'one byte appended');
  });

  it('refuses a flip of any byte: magic, version, nonce, ciphertext, tag', () => {
    for (let i = 0; i < sealed.length; i++) {
      const f = sealed.slice();
      f[i]! ^= 0x01;
      expectBadBackup(f, `byte ${i}`);
    }
  });

  it("refuses another wallet's key and another network's key", () => {
    expect(expectBadBackup(sealed, 'other seed', backupKey(OTHER_SEED, 'regtest')).message).toMatch(/another wallet/);
    expectBadBackup(sealed, 'mainnet key', backupKey(SEED, 'main'));
  });

  it('refuses an authentic file whose contents are not a backup', () => {
    const cases: [string, string][] = [
      ['empty plaintext', ''],
      ['not JSON', '{"network":'],
      ['a string', '"regtest"'],
      ['a number', '5'],
      ['an array', '[]'],
      ['no network', payload({ network: undefined })],
      ['network not a string', payload({ network: 1 })],
      ['no node id', payload({ nodeId: undefined })],
      ['writtenAt a string', payload({ writtenAt: '1700000000' })],
      ['monitors not an array', payload({ monitors: {} })],
      ['no peers', payload({ peers: undefined })],
      ['monitor without outpoint', payload({ monitors: [{ data: '00' }] })],
      ['monitor data odd hex', payload({ monitors: [{ fundingOutpoint: 'x:0', data: 'abc' }] })],
      ['monitor data not hex', payload({ monitors: [{ fundingOutpoint: 'x:0', data: 'zz' }] })],
      ['monitor data upper-case hex', payload({ monitors: [{ fundingOutpoint: 'x:0', data: 'AB' }] })],
      ['monitor data bytes', payload({ monitors: [{ fundingOutpoint: 'x:0', data: [1, 2] }] })],
      ['peer without address', payload({ peers: [{ nodeId: NODE_ID }] })],
      ['monitor a number', payload({ monitors: [5] })],
    ];
    for (const [what, plain] of cases) expectBadBackup(sealPlain(plain), what);
  });

  // JSON null where an object belongs is damage too, not a crash.
  it('refuses a null payload with invalid-backup', () => {
    expectCode(() => openBackup(sealPlain('null'), KEY), 'invalid-backup');
  });
  it('refuses a null monitor with invalid-backup', () => {
    expectCode(() => openBackup(sealPlain(payload({ monitors: [null] })), KEY), 'invalid-backup');
  });
  it('refuses a null peer with invalid-backup', () => {
    expectCode(() => openBackup(sealPlain(payload({ peers: [null] })), KEY), 'invalid-backup');
  });

  it('writes the whole file, replaces it on the next write, leaves no temporary file', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'channels.backup');
    writeBackupFile(file, sealed);
    expect(hex.encode(fs.readFileSync(file))).toBe(hex.encode(sealed));
    const second = sealBackup({ ...backup(), monitors: [], writtenAt: 2 }, KEY);
    writeBackupFile(file, second);
    expect(hex.encode(fs.readFileSync(file))).toBe(hex.encode(second));
    expect(openBackup(fs.readFileSync(file), KEY).writtenAt).toBe(2);
    expect(fs.readdirSync(dir)).toEqual(['channels.backup']);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a write that cannot be made is file-unreadable, leaves the old file and no temporary file', () => {
    const dir = tmpDir();
    expectCode(() => writeBackupFile(path.join(dir, 'missing', 'channels.backup'), sealed), 'file-unreadable');
    // The target is a folder: the temporary file is written, the rename fails, the temporary goes.
    fs.mkdirSync(path.join(dir, 'taken'));
    const err = expectCode(() => writeBackupFile(path.join(dir, 'taken'), sealed), 'file-unreadable');
    expect(err.message).toContain(path.join(dir, 'taken'));
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  it('a link planted at the temporary name is replaced, not written through', () => {
    if (process.platform === 'win32') return;
    const dir = tmpDir();
    const victim = path.join(tmpDir(), 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    const file = path.join(dir, 'channels.backup');
    fs.symlinkSync(victim, path.join(dir, `.channels.backup.${process.pid}.tmp`));
    writeBackupFile(file, sealed);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(hex.encode(fs.readFileSync(file))).toBe(hex.encode(sealed));
    expect(fs.readdirSync(dir)).toEqual(['channels.backup']);
  });

  it('tells a Coffer backup from nothing and from anything else at a path, from its first bytes', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'channels.backup');
    expect(backupTarget(file)).toBe('none');
    writeBackupFile(file, sealed);
    expect(backupTarget(file)).toBe('backup');
    // Another wallet's backup starts the same way: whose it is takes the key (ChannelNode.setBackup).
    writeBackupFile(path.join(dir, 'other.backup'), sealBackup(backup(), backupKey(OTHER_SEED, 'regtest')));
    expect(backupTarget(path.join(dir, 'other.backup'))).toBe('backup');
    const others: [string, () => string][] = [
      ['a text file', () => (fs.writeFileSync(path.join(dir, 'notes.backup'), 'my notes\n'), path.join(dir, 'notes.backup'))],
      ['an empty file', () => (fs.writeFileSync(path.join(dir, 'empty.backup'), ''), path.join(dir, 'empty.backup'))],
      ['the magic alone', () => (fs.writeFileSync(path.join(dir, 'short.backup'), MAGIC), path.join(dir, 'short.backup'))],
      ['a folder', () => (fs.mkdirSync(path.join(dir, 'folder.backup')), path.join(dir, 'folder.backup'))],
    ];
    if (process.platform !== 'win32') {
      others.push(['a link to a backup', () => (fs.symlinkSync(file, path.join(dir, 'link.backup')), path.join(dir, 'link.backup'))]);
      others.push(['a device', () => '/dev/null']);
    }
    for (const [what, make] of others) expect(backupTarget(make()), what).toBe('other');
  });

  it('reads back only a regular file of bounded size', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'channels.backup');
    writeBackupFile(file, sealed);
    expect(hex.encode(readBackupFile(file))).toBe(hex.encode(sealed));
    expectCode(() => readBackupFile(path.join(dir, 'missing.backup')), 'file-unreadable');
    const big = path.join(dir, 'big.backup');
    fs.writeFileSync(big, MAGIC);
    fs.truncateSync(big, MAX_BACKUP_BYTES + 1);
    expectCode(() => readBackupFile(big), 'invalid-backup');
    if (process.platform !== 'win32') {
      expectCode(() => readBackupFile('/dev/zero'), 'invalid-backup');
      fs.symlinkSync(file, path.join(dir, 'link.backup'));
      expectCode(() => readBackupFile(path.join(dir, 'link.backup')), 'file-unreadable');
    }
  });
});

// ---- channel keys --------------------------------------------------------------------------

/** The private key at m/9735'/coin'/branch', derived here without Coffer's code. */
function branchKey(seed: Uint8Array, coinType: number, branch: number): Uint8Array {
  return HDKey.fromMasterSeed(seed).derive(`m/9735'/${coinType}'/${branch}'`).privateKey!;
}

/** RFC 5869 with no salt (a zero salt of hash length), written out with HMAC. */
function hkdfSha256(ikm: Uint8Array, info: Uint8Array): Uint8Array {
  const prk = hmac(sha256, new Uint8Array(32), ikm);
  return hmac(sha256, prk, concatBytes(info, Uint8Array.of(1)));
}

describe('channel keys', () => {
  const INFO = text('coffer channel backup v1');

  it('the LDK seed is the private key at m/9735\'/coin\'/0\'', () => {
    expect(hex.encode(ldkSeed(SEED, 'main'))).toBe(hex.encode(branchKey(SEED, 0, 0)));
    expect(hex.encode(ldkSeed(SEED, 'regtest'))).toBe(hex.encode(branchKey(SEED, 1, 0)));
    expect(ldkSeed(SEED, 'main')).toHaveLength(32);
  });

  it('the backup key is HKDF-SHA256 of the key at m/9735\'/coin\'/1\'', () => {
    for (const [network, coinType] of [['main', 0], ['test', 1], ['regtest', 1]] as const) {
      const expected = hkdfSha256(branchKey(SEED, coinType, 1), INFO);
      expect(hex.encode(backupKey(SEED, network)), network).toBe(hex.encode(expected));
      expect(hex.encode(expected)).toBe(hex.encode(hkdf(sha256, branchKey(SEED, coinType, 1), undefined, INFO, 32)));
    }
  });

  it('is deterministic, returns fresh arrays, and leaves the seed alone', () => {
    const seed = SEED.slice();
    const first = ldkSeed(seed, 'regtest');
    const key = backupKey(seed, 'regtest');
    first.fill(0);
    key.fill(0);
    expect(hex.encode(ldkSeed(seed, 'regtest'))).toBe(hex.encode(branchKey(SEED, 1, 0)));
    expect(hex.encode(backupKey(seed, 'regtest'))).toBe(hex.encode(hkdfSha256(branchKey(SEED, 1, 1), INFO)));
    expect(hex.encode(seed)).toBe(hex.encode(SEED));
  });

  it('differ from each other, between coin types and between seeds', () => {
    const keys = [
      ldkSeed(SEED, 'main'),
      ldkSeed(SEED, 'regtest'),
      backupKey(SEED, 'main'),
      backupKey(SEED, 'regtest'),
      ldkSeed(OTHER_SEED, 'regtest'),
      backupKey(OTHER_SEED, 'regtest'),
      // The backup key is not the raw branch key.
      branchKey(SEED, 1, 1),
    ].map((k) => hex.encode(k));
    expect(new Set(keys).size).toBe(keys.length);
    // Test networks share coin type 1, so they share keys.
    for (const network of ['test', 'signet'] as const) {
      expect(hex.encode(ldkSeed(SEED, network))).toBe(keys[1]);
      expect(hex.encode(backupKey(SEED, network))).toBe(keys[3]);
    }
  });
});

// ---- peer addresses ------------------------------------------------------------------------

describe('daemon options', () => {
  it('--ln-listen binds 127.0.0.1 unless a host is named', () => {
    expect(listenOption('9735')).toEqual({ host: '127.0.0.1', port: 9735 });
    expect(listenOption('0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(listenOption('0.0.0.0:9735')).toEqual({ host: '0.0.0.0', port: 9735 });
    expect(listenOption('192.168.1.20:9735')).toEqual({ host: '192.168.1.20', port: 9735 });
    expect(listenOption('node.example:9735')).toEqual({ host: 'node.example', port: 9735 });
    expect(listenOption('[::1]:9735')).toEqual({ host: '::1', port: 9735 });
    expect(listenOption(undefined)).toBeUndefined();
    for (const bad of ['', 'x', ':9735', '9735:', '70000', '1.2.3.4:70000', 'a b:1', '[::1:9735', 'host:port']) expectCode(() => listenOption(bad), 'usage');
  });

  it('--ln-accept-inbound: off unless given; its limits need it, have defaults and are checked', () => {
    expect(inboundOption({ accept: false })).toBeUndefined();
    expect(inboundOption({ accept: true })).toEqual({ minSat: 20_000, maxSat: 16_777_215, maxPendingPerPeer: 1 });
    expect(inboundOption({ accept: true, min: '100000', max: '350000', pending: '2' })).toEqual({ minSat: 100_000, maxSat: 350_000, maxPendingPerPeer: 2 });
    expectCode(() => inboundOption({ accept: false, min: '100000' }), 'usage');
    expectCode(() => inboundOption({ accept: false, max: '100000' }), 'usage');
    expectCode(() => inboundOption({ accept: false, pending: '1' }), 'usage');
    for (const bad of [{ min: '500' }, { min: '300000', max: '200000' }, { pending: '0' }, { pending: '11' }, { min: '-1' }, { max: '1e6' }, { max: '2100000000000001' }]) {
      expectCode(() => inboundOption({ accept: true, ...bad }), 'usage');
    }
  });
});

describe('parsePeerUri', () => {
  const K02 = `02${'5a'.repeat(32)}`;
  const K03 = `03${'c4'.repeat(32)}`;

  it('reads PUBKEY@HOST:PORT for IPv4, names and bracketed IPv6', () => {
    const a = parsePeerUri(`${K02}@127.0.0.1:9735`);
    expect({ ...a, nodeId: hex.encode(a.nodeId) }).toEqual({ nodeId: K02, host: '127.0.0.1', port: 9735 });
    const b = parsePeerUri(`${K03}@host.example:1`);
    expect({ ...b, nodeId: hex.encode(b.nodeId) }).toEqual({ nodeId: K03, host: 'host.example', port: 1 });
    const c = parsePeerUri(` ${K02.toUpperCase()}@[::1]:65535\n`);
    expect({ ...c, nodeId: hex.encode(c.nodeId) }).toEqual({ nodeId: K02, host: '::1', port: 65535 });
  });

  it('refuses anything else with invalid-peer', () => {
    const cases: [string, string][] = [
      ['empty', ''],
      ['no @', `${K02}127.0.0.1:9735`],
      ['no key', '@127.0.0.1:9735'],
      ['bad hex', `02${'zz'.repeat(32)}@127.0.0.1:9735`],
      ['32-byte key', `${'5a'.repeat(32)}@127.0.0.1:9735`],
      ['34-byte key', `${K02}00@127.0.0.1:9735`],
      ['uncompressed prefix 04', `04${'5a'.repeat(32)}@127.0.0.1:9735`],
      ['prefix 00', `00${'5a'.repeat(32)}@127.0.0.1:9735`],
      ['port 0', `${K02}@127.0.0.1:0`],
      ['port 65536', `${K02}@127.0.0.1:65536`],
      ['port of six digits', `${K02}@127.0.0.1:100000`],
      ['negative port', `${K02}@127.0.0.1:-1`],
      ['no port', `${K02}@127.0.0.1`],
      ['empty port', `${K02}@127.0.0.1:`],
      ['empty host', `${K02}@:9735`],
      ['IPv6 without brackets', `${K02}@::1:9735`],
      ['host with a path', `${K02}@host/x:9735`],
      ['two @', `${K02}@${K03}@host:9735`],
    ];
    for (const [what, uri] of cases) {
      let err: unknown;
      try {
        parsePeerUri(uri);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(CofferError);
      expect((err as CofferError).code, what).toBe('invalid-peer');
    }
    expect(expectCode(() => parsePeerUri(`04${'5a'.repeat(32)}@h:1`), 'invalid-peer').message).toMatch(/02 or 03/);
  });
});

// ---- chain watch ---------------------------------------------------------------------------

/** Internal byte order, as in a transaction input. */
const FUNDING_TXID = new Uint8Array(32).fill(0x11);
const OTHER_TXID = new Uint8Array(32).fill(0x33);
const FUNDING_SCRIPT = Uint8Array.of(0x00, 0x20, ...new Uint8Array(32).fill(0x22));
const SWEEP_SCRIPT = Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(0x44));
const UNWATCHED_SCRIPT = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x55));
const OP_RETURN = Uint8Array.of(0x6a, 0x04, 0xde, 0xad, 0xbe, 0xef);

function rawTx(spends: [Uint8Array, number][], pays: Uint8Array[], locktime = 0): Uint8Array {
  return serializeTx({
    version: 2,
    inputs: spends.map(([prevTxid, vout]) => ({ prevTxid, vout, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] })),
    outputs: pays.map((script, i) => ({ value: 10_000 + i, script })),
    locktime,
  });
}

/** Txid of a transaction without witness, computed here. */
const txidOf = (raw: Uint8Array) => sha256(sha256(raw));
const block = (height: number, pos = 0) => ({ hash: new Uint8Array(32).fill(height & 0xff), height, pos });
const chain: ChainView = { height: 10, hashAt: () => new Uint8Array(32), header: () => new Uint8Array(80) };
/** Where a kept transaction is confirmed, if anywhere (hashes as hex: SQLite hands back Buffers). */
function confirmation(db: Db, txid: Uint8Array) {
  const r = chainTx(db, txid);
  return r && { height: r.height, pos: r.pos, hash: r.blockHash && hex.encode(r.blockHash), fed: r.fed };
}
const rows = (db: Db) => (db.prepare('SELECT count(*) AS n FROM chan_txs').get() as { n: number }).n;

describe('ChannelWatch', () => {
  const dbs: Db[] = [];
  const memDb = () => {
    const db = openDatabase(':memory:');
    dbs.push(db);
    return db;
  };
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
  });

  it('keeps what it watches in the database: a new watch on it sees the same', () => {
    const file = path.join(tmpDir(), 'wallet.sqlite');
    const db = openDatabase(file);
    const w = new ChannelWatch(db);
    expect(w.watch()).toEqual({ elements: [], scripts: [], outpoints: [] });
    w.watchOutpoint(FUNDING_TXID, 1, FUNDING_SCRIPT);
    w.watchOutpoint(FUNDING_TXID, 1, FUNDING_SCRIPT);
    w.watchScript(SWEEP_SCRIPT);
    w.watchScript(OP_RETURN);
    db.close();

    const reopened = openDatabase(file);
    dbs.push(reopened);
    const seen = new ChannelWatch(reopened).watch();
    // Outpoints are txid (internal order) then vout as 4 bytes little-endian.
    expect(seen.outpoints.map((o) => hex.encode(o))).toEqual([`${'11'.repeat(32)}01000000`]);
    // Standard scripts are watched by their pushed hash or key (the filter element), others whole.
    expect(seen.elements.map((e) => hex.encode(e)).sort()).toEqual([hex.encode(FUNDING_SCRIPT.subarray(2)), hex.encode(SWEEP_SCRIPT.subarray(2)), hex.encode(OP_RETURN)].sort());
    // BIP158 filters hold whole scripts: each watched script is among those its push stands for.
    const scripts = seen.scripts.map((s) => hex.encode(s));
    for (const s of [FUNDING_SCRIPT, SWEEP_SCRIPT, OP_RETURN]) expect(scripts).toContain(hex.encode(s));
  });

  it('keeps a transaction spending a watched outpoint or paying a watched script, and nothing else', () => {
    const db = memDb();
    const w = new ChannelWatch(db);
    const unrelated = rawTx([[OTHER_TXID, 0]], [UNWATCHED_SCRIPT]);
    w.observe(unrelated, block(99));
    expect(rows(db)).toBe(0);

    w.watchOutpoint(FUNDING_TXID, 1, FUNDING_SCRIPT);
    w.watchScript(SWEEP_SCRIPT);
    const close = rawTx([[FUNDING_TXID, 1]], [UNWATCHED_SCRIPT]);
    const pays = rawTx([[OTHER_TXID, 3]], [UNWATCHED_SCRIPT, SWEEP_SCRIPT]);
    const funds = rawTx([[OTHER_TXID, 4]], [FUNDING_SCRIPT]);
    const otherVout = rawTx([[FUNDING_TXID, 0]], [UNWATCHED_SCRIPT]);
    const otherTxid = rawTx([[OTHER_TXID, 1]], [UNWATCHED_SCRIPT]);
    w.observe(close, block(100, 2));
    w.observe(pays);
    w.observe(funds, block(100, 1));
    for (const raw of [unrelated, otherVout, otherTxid]) w.observe(raw, block(100));
    // Bytes that are no transaction are dropped without a throw.
    for (const raw of [new Uint8Array(0), Uint8Array.of(1, 2, 3), close.subarray(0, close.length - 1), concatBytes(close, Uint8Array.of(0))]) {
      expect(() => w.observe(raw, block(100))).not.toThrow();
    }

    expect(rows(db)).toBe(3);
    expect(confirmation(db, txidOf(close))).toEqual({ height: 100, pos: 2, hash: hex.encode(block(100).hash), fed: false });
    expect(confirmation(db, txidOf(pays))).toEqual({ height: undefined, pos: undefined, hash: undefined, fed: false });
    expect(hex.encode(w.rawOf(txidOf(close))!)).toBe(hex.encode(close));
    expect(hex.encode(w.rawOf(txidOf(pays))!)).toBe(hex.encode(pays));
    expect(w.rawOf(txidOf(unrelated))).toBeUndefined();
    expect(w.rawOf(txidOf(otherVout))).toBeUndefined();
  });

  it('a reorg unconfirms only the transactions above the fork', () => {
    const db = memDb();
    const w = new ChannelWatch(db);
    w.watchScript(SWEEP_SCRIPT);
    const at = [100, 101, 102].map((h) => {
      const raw = rawTx([[OTHER_TXID, h]], [SWEEP_SCRIPT]);
      w.observe(raw, block(h, 1));
      return txidOf(raw);
    });
    markFed(db, at[0]!);
    markFed(db, at[1]!);
    w.unconfirmAbove(100);
    expect(confirmation(db, at[0]!)).toEqual({ height: 100, pos: 1, hash: hex.encode(block(100).hash), fed: true });
    for (const txid of at.slice(1)) {
      expect(confirmation(db, txid)).toEqual({ height: undefined, pos: undefined, hash: undefined, fed: false });
      expect(w.rawOf(txid)).toBeDefined();
    }
    // Found again in the new branch's block.
    const raw101 = rawTx([[OTHER_TXID, 101]], [SWEEP_SCRIPT]);
    const newHash = new Uint8Array(32).fill(0xee);
    w.observe(raw101, { hash: newHash, height: 101, pos: 3 });
    expect(confirmation(db, at[1]!)).toEqual({ height: 101, pos: 3, hash: 'ee'.repeat(32), fed: false });
  });

  it('lists confirmed transactions kept without witnesses, by block, until their witnesses are put', () => {
    const db = memDb();
    const w = new ChannelWatch(db);
    w.watchOutpoint(FUNDING_TXID, 1, FUNDING_SCRIPT);
    w.watchScript(SWEEP_SCRIPT);
    const close = rawTx([[FUNDING_TXID, 1]], [UNWATCHED_SCRIPT]);
    const sweep = rawTx([[OTHER_TXID, 0]], [SWEEP_SCRIPT]);
    const unconfirmed = rawTx([[OTHER_TXID, 1]], [SWEEP_SCRIPT]);
    w.observe(close, block(100, 1));
    w.observe(sweep, block(100, 2));
    w.observe(unconfirmed);
    const listed = w.stripped().map((b) => ({ block: hex.encode(b.blockHash), txids: b.txids.map((t) => hex.encode(t)).sort() }));
    expect(listed).toEqual([{ block: hex.encode(block(100).hash), txids: [hex.encode(txidOf(close)), hex.encode(txidOf(sweep))].sort() }]);

    // The same transaction with its witness replaces the stripped one; junk is ignored.
    const witnessed = serializeTx({ ...parseTx(close), inputs: parseTx(close).inputs.map((i) => ({ ...i, witness: [Uint8Array.of(1), new Uint8Array(72)] })) });
    w.putWitness(witnessed);
    w.putWitness(Uint8Array.of(1, 2, 3));
    expect(hex.encode(chainTx(db, txidOf(close))!.raw)).toBe(hex.encode(witnessed));
    expect(w.stripped().flatMap((b) => b.txids.map((t) => hex.encode(t)))).toEqual([hex.encode(txidOf(sweep))]);
  });

  it('holds back a funding transaction until LDK releases it', () => {
    const db = memDb();
    const w = new ChannelWatch(db);
    putFunding(db, FUNDING_TXID, 'temp-1', NODE_ID);
    expect(w.mayBroadcast(FUNDING_TXID)).toBe(false);
    expect(w.mayBroadcast(OTHER_TXID)).toBe(true);
    setFundingStatus(db, FUNDING_TXID, 'released');
    expect(w.mayBroadcast(FUNDING_TXID)).toBe(true);
    setFundingStatus(db, FUNDING_TXID, 'discarded');
    expect(w.mayBroadcast(FUNDING_TXID)).toBe(true);
  });

  it("after a round, returns the node's height only when the node's round grew the watch set", async () => {
    const db = memDb();
    const w = new ChannelWatch(db);
    expect(await w.afterRound(chain)).toBeUndefined();

    let given: ChainView | undefined;
    w.attach({
      afterRound: (c) => {
        given = c;
        w.watchOutpoint(OTHER_TXID, 7, SWEEP_SCRIPT);
        return 7;
      },
    });
    expect(await w.afterRound(chain)).toBe(7);
    expect(given).toBe(chain);
    // The same outpoint again is no growth.
    expect(await w.afterRound(chain)).toBeUndefined();

    w.attach({ afterRound: () => 7 });
    expect(await w.afterRound(chain)).toBeUndefined();
    // Growth before the round (a channel opened between rounds) is not the node's round.
    w.watchOutpoint(FUNDING_TXID, 0, FUNDING_SCRIPT);
    expect(await w.afterRound(chain)).toBeUndefined();

    w.attach({
      afterRound: async () => {
        await Promise.resolve();
        w.watchScript(UNWATCHED_SCRIPT);
        return 5;
      },
    });
    expect(await w.afterRound(chain)).toBe(5);

    w.attach(undefined);
    w.watchOutpoint(FUNDING_TXID, 9, FUNDING_SCRIPT);
    expect(await w.afterRound(chain)).toBeUndefined();
  });
});

describe('LDK variants are told apart with instanceof', () => {
  it('names closure reasons, HTLC destinations and API errors as stored and logged', async () => {
    const { loadLdk, closureReasonName, htlcDestinationName, apiErrorText } = await import('../../src/channels/ldk.js');
    await loadLdk();
    const ldk = await import('lightningdevkit');
    expect(closureReasonName(ldk.ClosureReason.constructor_holder_force_closed(ldk.Option_boolZ.constructor_some(true)))).toBe('HolderForceClosed');
    expect(closureReasonName(ldk.ClosureReason.constructor_locally_initiated_cooperative_closure())).toBe('LocallyInitiatedCooperativeClosure');
    expect(closureReasonName(ldk.ClosureReason.constructor_commitment_tx_confirmed())).toBe('CommitmentTxConfirmed');
    expect(htlcDestinationName(ldk.HTLCDestination.constructor_invalid_onion())).toBe('InvalidOnion');
    expect(apiErrorText(ldk.APIError.constructor_monitor_update_in_progress())).toBe('MonitorUpdateInProgress');
    expect(apiErrorText(ldk.APIError.constructor_apimisuse_error('no such channel'))).toBe('no such channel');
  });
});
