// The vault methods that name a file: the vault backup kept and read back, the watchtower package
// kept. In the desktop app the page leaves `file` out and Electron main asks in a dialog.

import { z } from 'zod';

/** A file the core writes or reads; absent only on the way from the desktop app's page to main. */
const file = z.string().min(1).max(4096).optional();
const password = z.string().min(1).max(1024);

export const VAULT_FILE_METHODS = {
  /** Keep the encrypted vault backup at `file`, written now and after every vault change. */
  'vault.backup': z.object({ file, password: password.optional() }).strict(),
  /** Put back the vaults of a vault backup `file` that this wallet lacks. */
  'vault.restore': z.object({ file, password: password.optional() }).strict(),
  /** Keep the keyless watchtower package at `file` (a new .json file or this wallet's package), written now and before every deposit and unvault. */
  'vault.exportPackage': z.object({ file }).strict(),
} as const;

/** `cancelled` when the desktop app's dialog was closed without a file. */
type OrCancelled<T> = T | { cancelled: true };

export interface VaultFileResults {
  'vault.backup': OrCancelled<{ file: string; vaults: number }>;
  'vault.restore': OrCancelled<{ restored: number }>;
  'vault.exportPackage': OrCancelled<{ file: string; vaults: number }>;
}
