// The channel backup file: every channel monitor (what LDK needs to close a channel and claim its
// funds) and the peers' addresses, encrypted with a key derived from the wallet seed, so the
// words plus this file recover channel funds. The node rewrites the file after every monitor
// write, because restoring an out-of-date monitor would broadcast a revoked state (the peer
// would then take the whole channel).
//
// File: "COFFERCB" | version (1 byte) | 24-byte nonce | XChaCha20-Poly1305(JSON payload).
// Key: `backupKey` (channel-keys.ts).

import fs from 'node:fs';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { CofferError } from '../api/errors.js';
import type { Network } from '../keys/networks.js';

const MAGIC = new TextEncoder().encode('COFFERCB');
const VERSION = 1;

export interface ChannelBackup {
  network: Network;
  nodeId: string;
  writtenAt: number;
  monitors: { fundingOutpoint: string; data: Uint8Array }[];
  peers: { nodeId: string; address: string }[];
}

export function sealBackup(b: ChannelBackup, key: Uint8Array): Uint8Array {
  const payload = new TextEncoder().encode(
    JSON.stringify({ ...b, monitors: b.monitors.map((m) => ({ fundingOutpoint: m.fundingOutpoint, data: Buffer.from(m.data).toString('hex') })) }),
  );
  const nonce = randomBytes(24);
  const sealed = xchacha20poly1305(key, nonce, MAGIC).encrypt(payload);
  const out = new Uint8Array(MAGIC.length + 1 + nonce.length + sealed.length);
  out.set(MAGIC, 0);
  out[MAGIC.length] = VERSION;
  out.set(nonce, MAGIC.length + 1);
  out.set(sealed, MAGIC.length + 1 + nonce.length);
  return out;
}

export function openBackup(file: Uint8Array, key: Uint8Array): ChannelBackup {
  const head = MAGIC.length + 1 + 24;
  if (file.length < head + 16 || !MAGIC.every((c, i) => file[i] === c)) throw new CofferError('invalid-backup', 'This is not a Coffer channel backup file.');
  if (file[MAGIC.length] !== VERSION) throw new CofferError('invalid-backup', `This channel backup has version ${file[MAGIC.length]}; this Coffer reads version ${VERSION}.`);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, file.subarray(MAGIC.length + 1, head), MAGIC).decrypt(file.subarray(head));
  } catch {
    throw new CofferError('invalid-backup', 'This channel backup belongs to another wallet, or the file is damaged.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new CofferError('invalid-backup', 'The channel backup is damaged.');
  }
  const raw = record(parsed);
  const monitors = Array.isArray(raw.monitors) ? raw.monitors : undefined;
  const peers = Array.isArray(raw.peers) ? raw.peers : undefined;
  if (typeof raw.network !== 'string' || typeof raw.nodeId !== 'string' || typeof raw.writtenAt !== 'number' || !monitors || !peers) {
    throw new CofferError('invalid-backup', 'The channel backup is damaged.');
  }
  return {
    network: raw.network as Network,
    nodeId: raw.nodeId,
    writtenAt: raw.writtenAt,
    monitors: monitors.map((item: unknown) => {
      const m = record(item);
      if (typeof m.fundingOutpoint !== 'string' || typeof m.data !== 'string' || !/^([0-9a-f]{2})+$/.test(m.data)) throw new CofferError('invalid-backup', 'The channel backup is damaged.');
      return { fundingOutpoint: m.fundingOutpoint, data: Uint8Array.from(Buffer.from(m.data, 'hex')) };
    }),
    peers: peers.map((item: unknown) => {
      const p = record(item);
      if (typeof p.nodeId !== 'string' || typeof p.address !== 'string') throw new CofferError('invalid-backup', 'The channel backup is damaged.');
      return { nodeId: p.nodeId, address: p.address };
    }),
  };
}

/** A JSON object's fields, or a damaged-backup error for anything else (null, an array, a number). */
function record(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CofferError('invalid-backup', 'The channel backup is damaged.');
  return v as Record<string, unknown>;
}

/** The most Coffer reads back of a backup file: the monitors of many channels with long histories. */
export const MAX_BACKUP_BYTES = 256 * 1024 * 1024;

/** Open without following a symlink (where the platform can say so), and without waiting for a FIFO's writer. */
const NOFOLLOW = (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * What is at `file` now: nothing, a regular file that starts like a Coffer channel backup (or
 * `magic`'s other kind of backup, vaults/vault-backup.ts), or
 * something else (another program's file, a folder, a symlink, a device). Only the first bytes
 * are read.
 */
export function backupTarget(file: string, magic: Uint8Array = MAGIC): 'none' | 'backup' | 'other' {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return 'none';
    if (errCode(e) === 'ELOOP' || errCode(e) === 'EISDIR') return 'other';
    throw new CofferError('file-unreadable', `${file} cannot be read (${errCode(e)}).`);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return 'other';
    const head = Buffer.alloc(magic.length + 1);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n === head.length && magic.every((c, i) => head[i] === c) ? 'backup' : 'other';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Where a backup the user named may go: a name ending in .backup in a folder that exists, and
 * either nothing there yet or a backup of the same kind (`magic`), which the caller must still
 * check is this wallet's before writing over it. A name typed in the UI is a stranger's input:
 * no other file is ever written over, and no file of another kind is created.
 */
export function backupDestination(file: string, what: string, magic: Uint8Array = MAGIC): { abs: string; kind: 'none' | 'backup' } {
  const abs = path.resolve(file);
  if (!abs.endsWith('.backup') || path.basename(abs) === '.backup') {
    throw new CofferError('usage', `A ${what} file's name ends in .backup (for example coffer-${what.split(' ')[0]}s.backup).`);
  }
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CofferError('file-unreadable', `The folder ${dir} does not exist.`, { file, reason: 'ENOENT' });
  const kind = backupTarget(abs, magic);
  if (kind === 'other') throw new CofferError('file-exists', `${abs} exists and is not a Coffer ${what}; choose a new file name.`, { file: abs });
  return { abs, kind };
}

/** A backup file's bytes: a regular file (no symlink, no device) of at most MAX_BACKUP_BYTES. */
export function readBackupFile(file: string, what = 'channel backup'): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    throw new CofferError('file-unreadable', `${file} cannot be read (${errCode(e)}).`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new CofferError('invalid-backup', `${file} is not a Coffer ${what} file.`);
    if (st.size > MAX_BACKUP_BYTES) throw new CofferError('invalid-backup', `${file} is larger than any Coffer ${what}.`);
    const out = Buffer.alloc(st.size);
    let off = 0;
    while (off < out.length) {
      const n = fs.readSync(fd, out, off, out.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return new Uint8Array(out.buffer, out.byteOffset, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replace `file` atomically: a crash leaves the old backup or the new one, never half of one. */
export function writeBackupFile(file: string, bytes: Uint8Array, what = 'channel backup'): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    // A leftover temporary file is removed; the new one is created, never opened through a link.
    unlinkQuietly(tmp);
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    // The rename itself must reach the disk: a backup older than the last one can cost the channel.
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch (e) {
    unlinkQuietly(tmp);
    throw new CofferError('file-unreadable', `The ${what} ${file} cannot be written (${errCode(e)}).`);
  }
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // nothing there (or not a file, which the exclusive create then refuses)
  }
}
