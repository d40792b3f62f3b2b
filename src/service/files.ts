// Reading a file whose path came from a user, a setting or another program: regular files only,
// each kind with its own size cap, typed errors. A path is input from a stranger: `/dev/zero`, a
// FIFO nobody writes to, a directory or a 40 GB file must not hang Coffer or fill its memory.
//
// The file is opened first (non-blocking, so opening a FIFO returns at once) and the opened file
// is checked (fstat), so it cannot be swapped between a check and the read; the read stops one
// byte past the cap, so a file that grows after the check is caught too.

import fs from 'node:fs';
import { CofferError } from '../api/errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The largest file of each kind Coffer reads (bytes). */
export const FILE_LIMITS = {
  /** A PSBT, binary or base64: a standard transaction's 2,438 inputs with their previous transactions. */
  psbt: 64 * MiB,
  /** A watchtower package: every vault's presigned transactions. */
  package: 64 * MiB,
  /** An encrypted channel backup: every channel monitor. */
  backup: 256 * MiB,
  /** BIP329 labels (JSON Lines). */
  labels: 64 * MiB,
  /** An RPC or daemon cookie (`user:password`, about 80 bytes). */
  cookie: 4 * KiB,
  /** A password, passphrase or recovery phrase file. */
  password: 64 * KiB,
  /** A private key file (WIF or xprv). */
  key: 64 * KiB,
  /** Coffer's own small JSON state files: app.json, daemon.json, the node control file, headers.json, scan.json. */
  state: 1 * MiB,
  /** A lock file (a process id). */
  lock: 1 * KiB,
  /** The P2P address table and bans (`peers.dat`): at most 10,240 addresses of about 130 bytes. */
  peers: 2 * MiB,
  /** A file of block headers to verify (read in batches, never whole). */
  headers: 4096 * MiB,
  /** A raw block (`verify filter`): a block is at most 4,000,000 bytes. */
  block: 4 * MiB,
  /** The previous output scripts of a block's inputs, a JSON array of hex (`verify filter`). */
  prevouts: 64 * MiB,
  /** A Rapid Gossip Sync snapshot (`ln import-gossip`): a whole mainnet graph is about 5 MB. */
  gossip: 64 * MiB,
  /** A file of the built user interface served by the browser shell (streamed). */
  static: 64 * MiB,
} as const;

export type FileKind = keyof typeof FILE_LIMITS;

const WHAT: Record<FileKind, string> = {
  psbt: 'PSBT',
  package: 'watchtower package',
  backup: 'channel backup',
  labels: 'labels',
  cookie: 'cookie',
  password: 'password',
  key: 'key',
  state: 'state',
  lock: 'lock',
  peers: 'peer addresses',
  headers: 'headers',
  block: 'block',
  prevouts: 'previous output scripts',
  gossip: 'gossip snapshot',
  static: 'user interface',
};

function unreadable(file: string, kind: FileKind, reason: string, extra: { limitBytes?: number } = {}, what = WHAT[kind]): CofferError {
  const why =
    reason === 'not-a-regular-file' ? 'it is not a regular file' : reason === 'too-large' ? `it is larger than ${FILE_LIMITS[kind].toLocaleString('en-US')} bytes` : reason;
  return new CofferError('file-unreadable', `The ${what} file ${file} cannot be read (${why}).`, { file, kind, reason, ...extra });
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/**
 * Open a regular file of at most the kind's size; the caller closes `fd`. `what` names the file in
 * errors ("recovery phrase"); by default the kind does.
 */
export function openRegularFile(file: string, kind: FileKind, what = WHAT[kind]): { fd: number; size: number; stat: fs.BigIntStats } {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw unreadable(file, kind, (e as NodeJS.ErrnoException).code ?? 'unknown', {}, what);
  }
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    if (!stat.isFile()) throw unreadable(file, kind, 'not-a-regular-file', {}, what);
    if (stat.size > BigInt(FILE_LIMITS[kind])) throw unreadable(file, kind, 'too-large', { limitBytes: FILE_LIMITS[kind] }, what);
    return { fd, size: Number(stat.size), stat };
  } catch (e) {
    fs.closeSync(fd);
    if (e instanceof CofferError) throw e;
    throw unreadable(file, kind, (e as NodeJS.ErrnoException).code ?? 'unknown', {}, what);
  }
}

/** A file's bytes (see openRegularFile), with the stat of the file read. */
export function readFileAndStat(file: string, kind: FileKind, what = WHAT[kind]): { data: Buffer; stat: fs.BigIntStats } {
  const { fd, size, stat } = openRegularFile(file, kind, what);
  const limit = FILE_LIMITS[kind];
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(size - total, 64 * KiB), limit + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > limit) throw unreadable(file, kind, 'too-large', { limitBytes: limit }, what);
    }
    return { data: Buffer.concat(chunks, total), stat };
  } catch (e) {
    if (e instanceof CofferError) throw e;
    throw unreadable(file, kind, (e as NodeJS.ErrnoException).code ?? 'unknown', {}, what);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's bytes: a regular file of at most FILE_LIMITS[kind] bytes, or `file-unreadable`. */
export function readFileLimited(file: string, kind: FileKind, what = WHAT[kind]): Buffer {
  return readFileAndStat(file, kind, what).data;
}

/** A file's text (UTF-8); see readFileLimited. */
export function readTextFile(file: string, kind: FileKind, what = WHAT[kind]): string {
  return readFileLimited(file, kind, what).toString('utf8');
}

/**
 * Write `data` to a regular file at `file` (created owner-only, or truncated): never a FIFO, a
 * device or a folder, whose open or write could block or go somewhere unexpected. `what` names
 * the file in errors.
 */
export function writeRegularFile(file: string, data: string | Uint8Array, what: string): void {
  const fail = (reason: string) => new CofferError('file-unreadable', `The ${what} file ${file} cannot be written (${reason}).`, { file, reason });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0), 0o600);
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code ?? 'unknown');
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw fail('not-a-regular-file');
    fs.ftruncateSync(fd, 0);
    fs.writeFileSync(fd, data);
  } catch (e) {
    if (e instanceof CofferError) throw e;
    throw fail((e as NodeJS.ErrnoException).code ?? 'unknown');
  } finally {
    fs.closeSync(fd);
  }
}
