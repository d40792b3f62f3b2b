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
