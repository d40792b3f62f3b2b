// The headless watchtower's files: the package it guards (read with the identity of the version
// read, so a change is noticed), its scan point (`scan.json`, replaced atomically), and for
// `watchtower serve` its static key (`tower.key`) and each wallet's newest push (`wallets/`).

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { CofferError } from '../api/errors.js';
import { writeBackupFile } from '../channels/channel-backup.js';
import { readFileAndStat, readFileLimited, readTextFile } from './files.js';

/** A package file's text and the identity of the version read (inode, size, mtime). */
export function readPackageFile(file: string): { text: string; stamp: string } {
  const { data, stat } = readFileAndStat(file, 'package');
  return { stamp: stampOf(stat), text: data.toString('utf8') };
}

export function stampOf(s: fs.BigIntStats): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}`;
}

const scanStateSchema = z.object({
  format: z.literal(1),
  network: z.string(),
  /** Blocks up to here (and hash) were scanned for every vault in `vaults`. */
  height: z.number().int().min(-1),
  hash: z.string(),
  vaults: z.array(z.string()),
});
export type ScanState = z.infer<typeof scanStateSchema>;

/** The saved scan point; a missing or damaged file means none (the package's height decides). */
export function readScanState(file: string, network: string): ScanState | undefined {
  try {
    const s = scanStateSchema.parse(JSON.parse(readTextFile(file, 'state')));
    return s.network === network ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Written durably (channel-backup.ts's writeBackupFile): a crash leaves the old point or the new one. */
export function writeScanState(file: string, state: ScanState): void {
  writeBackupFile(file, new TextEncoder().encode(JSON.stringify(state)), 'watchtower scan point');
}

/**
 * The tower's static secret key: 32 random bytes made once (owner-only, never replaced: the
 * wallets pin its public key), read back with a bounded read. Nothing it signs can move coins.
 */
export function towerKey(dir: string): Uint8Array {
  const file = path.join(dir, 'tower.key');
  if (!fs.existsSync(file)) {
    const key = randomBytes(32);
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, key);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return key;
    } catch (e) {
      key.fill(0);
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CofferError('datadir-unusable', `The tower key ${file} cannot be written.`, { file, reason: (e as NodeJS.ErrnoException).code ?? 'unknown' });
    }
  }
  const data = readFileLimited(file, 'key', 'tower key');
  if (data.length !== 32) throw new CofferError('file-unreadable', `The tower key ${file} is not 32 bytes.`, { file, kind: 'key', reason: 'size' });
  const key = new Uint8Array(data);
  data.fill(0);
  return key;
}
