// The pool's address table and bans on disk, <network dir>/peers.dat: read with a size cap, written
// whole to a temporary file then renamed over the old one, so a crash leaves one or the other.

import fs from 'node:fs';
import path from 'node:path';
import type { PeerStore } from '../p2p/pool.js';
import { readFileLimited, writeRegularFile } from '../service/files.js';

export const PEER_FILE = 'peers.dat';

export function peerFileStore(dir: string): PeerStore {
  const file = path.join(dir, PEER_FILE);
  return {
    load: () => (fs.lstatSync(file, { throwIfNoEntry: false }) ? readFileLimited(file, 'peers') : undefined),
    save: (data) => {
      const tmp = `${file}.tmp`;
      writeRegularFile(tmp, data, 'peer addresses');
      fs.renameSync(tmp, file);
    },
  };
}
