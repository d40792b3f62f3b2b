// The watchtower package file the app keeps (`vault.exportPackage`): a name typed in a page is a
// stranger's input, so it is written only as a new .json file or over this wallet's own package.

import fs from 'node:fs';
import path from 'node:path';
import { CofferError } from '../api/errors.js';
import { backupTarget } from '../channels/channel-backup.js';
import { parsePackage } from '../vaults/watchtower.js';
import { readTextFile } from './files.js';
import { exportPackage } from './vault-service.js';
import { ANNOUNCE_KEY_META } from './vault-tracker.js';
import type { WalletService } from './wallet-service.js';

/** How every package Coffer writes begins (writePackageFile: `format` first, one space of indent). */
const PACKAGE_HEAD = new TextEncoder().encode('{\n "format": "coffer-watchtower"');

/** A package of this wallet's (same network, same announcement key), which may be written over. */
function isOwnPackage(wallet: WalletService, file: string): boolean {
  try {
    const pkg = parsePackage(readTextFile(file, 'package'));
    return pkg.network === wallet.network && pkg.announceKey === wallet.meta(ANNOUNCE_KEY_META);
  } catch {
    return false;
  }
}

/**
 * Write the package to `file` now and keep it up to date from now on. The name ends in .json, in
 * a folder that exists; a file already there must be this wallet's own package (no symlink, no
 * other file is ever written over).
 */
export function keepPackageAt(wallet: WalletService, file: string): { file: string; vaults: number } {
  const abs = path.resolve(file);
  if (!abs.endsWith('.json') || path.basename(abs) === '.json') {
    throw new CofferError('usage', "A watchtower package file's name ends in .json (for example coffer-watchtower.json).");
  }
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CofferError('file-unreadable', `The folder ${dir} does not exist.`, { file, reason: 'ENOENT' });
  const kind = backupTarget(abs, PACKAGE_HEAD);
  if (kind === 'other' || (kind === 'backup' && !isOwnPackage(wallet, abs))) {
    throw new CofferError('file-exists', `${abs} exists and is not this wallet's watchtower package; choose a new file name.`, { file: abs });
  }
  const { vaults } = exportPackage(wallet, abs, false);
  return { file: abs, vaults };
}
