// Loads the JSON test vectors committed under test/vectors/.

import fs from 'node:fs';
import path from 'node:path';

export const VECTORS_DIR = path.resolve(import.meta.dirname, '..', 'vectors');

export function loadVectors<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, name), 'utf8')) as T;
}
