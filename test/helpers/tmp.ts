// Temporary directories that are removed after each test file, and copies of a data directory
// made once per file (a wallet's encrypted store costs a key derivation of about 2 s to make).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(() => {
  if (process.env.COFFER_TEST_KEEP) return console.error(`kept: ${made.join(" ")}`);
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tmpDir(prefix = 'coffer-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A new temporary directory holding a copy of `template`: a data directory whose wallet a command made. */
export function copyOf(template: string): string {
  const d = tmpDir();
  fs.cpSync(template, d, { recursive: true });
  return d;
}
