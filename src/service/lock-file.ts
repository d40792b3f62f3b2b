// A lock file naming the process that holds something only one process may run (Lightning:
// two LDK nodes on the same channels would each sign their own next state, and one of them
// would broadcast a revoked one). A lock left by a process that is gone is taken over.

import fs from 'node:fs';
import { CofferError } from '../api/errors.js';
import { readTextFile } from './files.js';

export interface LockFile {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(file: string, what: string): LockFile {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      let held = true;
      return {
        release: () => {
          if (!held) return;
          held = false;
          fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CofferError('datadir-unusable', `Cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
      const pid = Number(readTextFile(file, 'lock').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new CofferError('lightning-unavailable', `${what} is running in another Coffer process (pid ${pid}); use that one (\`coffer daemon\` or the app), or stop it.`, { pid });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new CofferError('datadir-unusable', `Cannot take the lock ${file}.`);
}
