// The Electrum servers' TLS certificates pinned on first use (as Electrum does), in the network
// folder's electrum-pins.json: {"HOST:PORT": "sha256 hex"}. Read capped; a file that is not ours is
// refused, never overwritten; each new pin is written durably.

import fs from 'node:fs';
import path from 'node:path';
import { CofferError } from '../api/errors.js';
import { writeBackupFile } from '../channels/channel-backup.js';
import type { CertPins } from '../node/electrum/client.js';
import { readTextFile } from './files.js';

export const PINS_FILE = 'electrum-pins.json';

function read(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextFile(file, 'state', 'Electrum certificate pins'));
  } catch (e) {
    if (e instanceof CofferError) throw e;
    parsed = undefined;
  }
  const ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));
  if (!ok) throw new CofferError('file-unreadable', `${file} is not Coffer's list of pinned Electrum certificates; move it away to pin again.`, { file });
  return parsed as Record<string, string>;
}

/** The pins of one network folder. */
export function filePins(networkDir: string): CertPins & { all(): Record<string, string> } {
  const file = path.join(networkDir, PINS_FILE);
  return {
    get: (server) => read(file)[server],
    set: (server, fingerprint) => {
      const pins = { ...read(file), [server]: fingerprint };
      writeBackupFile(file, new TextEncoder().encode(JSON.stringify(pins, null, 1) + '\n'), 'Electrum certificate pins');
    },
    all: () => read(file),
  };
}
