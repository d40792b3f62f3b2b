// The headless watchtower's files: the package it guards (read with the identity of the version
// read, so a change is noticed) and its scan point (`scan.json`, replaced atomically).

import fs from 'node:fs';
import { z } from 'zod';
import { readFileAndStat, readTextFile } from './files.js';

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

/** Written to a temporary file, flushed, then renamed over the old one: a crash leaves one or the other. */
export function writeScanState(file: string, state: ScanState): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(state));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
