// The lock of something only one process may run (Lightning: two LDK nodes on the same channels
// would each sign their own next state, and one of them would broadcast a revoked one).
//
// It is SQLite's exclusive lock on a small lock database (`locking_mode = EXCLUSIVE` and a
// `BEGIN EXCLUSIVE` transaction held for the life of the lock; nothing is ever written, so the file
// stays empty). The operating system drops the lock with the process that held it, so a lock left
// by a killed process is free at once: no pid to read, no file to remove, nothing to race for.

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { CofferError } from '../api/errors.js';

export interface LockFile {
  release(): void;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
/** What an earlier Coffer wrote in its lock file: the holder's pid. */
const LEGACY_PID = /^\s*(\d{1,10})\s*$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unusable(file: string, reason: string): CofferError {
  return new CofferError('datadir-unusable', `Cannot use the lock file ${file} (${reason}).`, { file, reason });
}

function busy(what: string): CofferError {
  return new CofferError('lightning-unavailable', `${what} is running in another Coffer process; use that one (\`coffer daemon\` or the app), or stop it.`);
}

/**
 * The file must be a regular file (never a link to one elsewhere). One written by an earlier
 * Coffer holds a pid: refused while that process lives, else emptied in place (never removed:
 * someone else may hold a lock on this very file by then, and an empty file is a valid database).
 */
function prepare(file: string, what: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw unusable(file, (e as NodeJS.ErrnoException).code ?? 'error');
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw unusable(file, 'not a regular file');
    if (st.size === 0) return;
    const head = Buffer.alloc(Math.min(st.size, 64));
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, SQLITE_MAGIC.length).toString('latin1') === SQLITE_MAGIC) return;
    const pid = LEGACY_PID.exec(head.toString('latin1'));
    if (pid && st.size < 64 && Number(pid[1]) !== process.pid && alive(Number(pid[1]))) throw busy(what);
    fs.ftruncateSync(fd, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** Take the lock now or fail: `lightning-unavailable` while another live process holds it. */
export function acquireLock(file: string, what: string): LockFile {
  prepare(file, what);
  let db: Database.Database | undefined;
  try {
    // A short busy wait: two processes that reach for a free lock at the same instant can each
    // hold SQLite's shared lock on the way to the exclusive one; SQLite refuses one at once (no
    // deadlock) and the other, waiting here, gets it once the first lets go. Without the wait
    // both were refused (seen in 1 of ~30 racing rounds). A live holder costs a caller 250 ms.
    db = new Database(file, { timeout: 250 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db?.close();
    const code = String((e as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw busy(what);
    if (e instanceof CofferError) throw e;
    throw unusable(file, code || 'error');
  }
  const held = db;
  let open = true;
  return {
    release: () => {
      if (!open) return;
      open = false;
      held.close();
    },
  };
}
