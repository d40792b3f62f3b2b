// The folder Coffer is installed in (package.json, bin/coffer.js, dist/), found from this module
// whether it runs from tsc's output (dist/src/service) or the bundled command (dist/cli).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function installPath(...parts: string[]): string {
  if (found === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 5 && !fs.existsSync(path.join(dir, 'bin', 'coffer.js')); i++) dir = path.dirname(dir);
    found = dir;
  }
  return path.join(found, ...parts);
}
