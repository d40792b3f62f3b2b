// Where a wallet lives: <datadir>/<network>/, defaulting to the OS's application data folder.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CofferError } from '../api/errors.js';
import type { Network } from '../keys/networks.js';

/** The folder Electron's app.getPath('userData') would use for an app named Coffer. */
export function defaultDatadir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Coffer');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Coffer');
  return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'Coffer');
}

export interface NetworkPaths {
  dir: string;
  database: string;
  logs: string;
}

export function networkPaths(datadir: string, network: Network): NetworkPaths {
  const dir = path.join(path.resolve(datadir), network);
  return { dir, database: path.join(dir, 'wallet.sqlite'), logs: path.join(dir, 'logs') };
}

/** Create the network folder (owner-only) or explain why it cannot be used. */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new CofferError('datadir-unusable', `The data directory ${dir} cannot be created or written.`, {
      reason: (e as NodeJS.ErrnoException).code ?? 'unknown',
    });
  }
}

/** Files beside the database that only a wallet that was here leaves (see earlierWalletTraces). */
const WALLET_FILES = ['headers.bin', 'headers.idx', 'headers.json', 'lightning.lock', 'daemon.cookie', 'daemon.json', 'node', 'watchtower'];
/** Log events written only once a wallet existed (the CLI logs `cli.command` before any database is opened). */
const WALLET_EVENT = /"event":"(?:wallet|vault|ln|sync|chan)\./;
const MAX_LOG_READ = 6 * 1024 * 1024;

/** The first `max` bytes of a regular file (never through a link), or undefined. */
function readHead(file: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, max));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What in a network folder shows that a wallet lived here: the header files, Lightning, daemon,
 * embedded node and tower files, other `wallet.sqlite*` files (its -wal, -shm, journal, copies),
 * log lines of a wallet, and `app.json` naming this network. An empty wallet.sqlite beside any of
 * them is a wallet that was lost, not a folder to start afresh in. Empty when none is there.
 */
export function earlierWalletTraces(datadir: string, network: Network): string[] {
  const { dir, database, logs } = networkPaths(datadir, network);
  const found: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return found;
  }
  const db = path.basename(database);
  for (const name of names.sort()) {
    if (WALLET_FILES.includes(name) || (name.startsWith(db) && name !== db)) found.push(name);
  }
  if (['coffer.log', 'coffer.log.1'].some((f) => WALLET_EVENT.test(readHead(path.join(logs, f), MAX_LOG_READ) ?? ''))) found.push('logs');
  try {
    const app = JSON.parse(readHead(path.join(path.resolve(datadir), 'app.json'), 4096) ?? 'null') as { network?: unknown } | null;
    if (app?.network === network) found.push('app.json');
  } catch {
    // not JSON: not ours to judge
  }
  return found;
}

/**
 * SQLite takes an empty file for an empty database, so a wallet.sqlite emptied by a damaged disk
 * or a bad copy read as "no wallet here" and a new one was created over it. Beside traces of the
 * wallet that was here it is `database-corrupt`, and the file is not opened (so not touched); in a
 * folder with no such trace (a first start cut short) it is still a fresh start.
 */
export function refuseLostWallet(datadir: string, network: Network, database: string): void {
  const st = fs.statSync(database, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size !== 0) return;
  const traces = earlierWalletTraces(datadir, network);
  if (traces.length === 0) return;
  throw new CofferError(
    'database-corrupt',
    `The wallet database ${database} is empty, but this folder held a wallet (${traces.join(', ')}); nothing was changed. Restore from your recovery phrase or a backup.`,
    { file: database, traces: traces.join(',') },
  );
}
