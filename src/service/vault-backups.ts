// The wallet's vault backup file (vaults/vault-backup.ts): chosen with `vault backup`, rewritten
// after every vault change (a vault created, a withdrawal started), read back by `vault restore`.

import { hex } from '@scure/base';
import { CofferError } from '../api/errors.js';
import { equalBytes } from '../chain/bytes.js';
import { backupDestination, backupTarget, readBackupFile, writeBackupFile } from '../channels/channel-backup.js';
import { withDbErrors } from '../db/database.js';
import { insertVault, listVaults, replaceFoundVault, setWithdrawStarted } from '../db/vault-store.js';
import { checkVaultBackupHead, openVaultBackup, sealVaultBackup, VAULT_BACKUP_MAGIC } from '../vaults/vault-backup.js';
import { announceKey, hotKey, vaultBackupKey } from '../vaults/vault-keys.js';
import { hotKeyIn } from '../vaults/vault-tx.js';
import type { Unlock } from './spend-flows.js';
import { ANNOUNCE_KEY_META } from './vault-tracker.js';
import type { WalletService } from './wallet-service.js';

export const VAULT_BACKUP_META = 'vault_backup_file';
const WHAT = 'vault backup';

function withKey<T>(wallet: WalletService, fn: (key: Uint8Array) => T): T {
  const key = wallet.withSeed((seed) => vaultBackupKey(seed, wallet.network));
  try {
    return fn(key);
  } finally {
    key.fill(0);
  }
}

function write(wallet: WalletService, file: string, key: Uint8Array): number {
  const vaults = withDbErrors(() => listVaults(wallet.database));
  writeBackupFile(file, sealVaultBackup({ network: wallet.network, writtenAt: Date.now(), vaults }, key), WHAT);
  return vaults.length;
}

/**
 * Keep the vault backup at `file` from now on, and write it now. A file there already must be
 * this wallet's own vault backup: anything else is never written over. The wallet must be
 * unlocked, or `unlock` given: it runs once the target is known to be usable.
 */
export function setVaultBackup(wallet: WalletService, file: string, unlock?: Unlock): { file: string; vaults: number } {
  const { abs, kind } = backupDestination(file, WHAT, VAULT_BACKUP_MAGIC);
  unlock?.();
  return withKey(wallet, (key) => {
    if (kind === 'backup') {
      try {
        openVaultBackup(readBackupFile(abs, WHAT), key, wallet.network);
      } catch {
        throw new CofferError('file-exists', `${abs} is another wallet's vault backup, or a damaged one; choose a new file name.`, { file: abs });
      }
    }
    const vaults = write(wallet, abs, key);
    withDbErrors(() => wallet.setMeta(VAULT_BACKUP_META, abs));
    return { file: abs, vaults };
  });
}

/**
 * Rewrite the vault backup, when one is set (the wallet is unlocked: the flows that change a
 * vault hold the seed). A failure is returned, not thrown: the flow finishes what it started
 * (a deposit, an unvault) and then reports it.
 */
export function rewriteVaultBackup(wallet: WalletService): CofferError | undefined {
  const file = wallet.meta(VAULT_BACKUP_META);
  if (!file) return undefined;
  const failing = (why: string) => new CofferError('backup-failing', `The vault backup ${file} cannot be written (${why}). Run \`coffer vault backup\` with a file that can be written.`, { file });
  try {
    if (backupTarget(file, VAULT_BACKUP_MAGIC) === 'other') return failing('it is no longer a Coffer vault backup; Coffer does not write over it');
    withKey(wallet, (key) => write(wallet, file, key));
    return undefined;
  } catch (e) {
    return failing(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Put the vaults of a backup `file` that the database lacks back into it (idempotent). Only this
 * wallet's: the file opens with its key, and each vault's hot key is the seed's. Their states
 * come from the chain at the next sync. A file that is no vault backup at all is refused before
 * `unlock` runs.
 */
export function restoreVaults(wallet: WalletService, file: string, unlock?: Unlock): { restored: number } {
  const bytes = readBackupFile(file, WHAT);
  checkVaultBackupHead(bytes);
  unlock?.();
  const backup = withKey(wallet, (key) => openVaultBackup(bytes, key, wallet.network));
  const { ours, announce } = wallet.withSeed((seed) => {
    const a = announceKey(seed, wallet.network);
    a.secret.fill(0);
    const ours = backup.vaults.every((v) => {
      const h = hotKey(seed, wallet.network, v.seq);
      h.secret.fill(0);
      const inScript = hotKeyIn(v.unvaultScript);
      return inScript !== undefined && equalBytes(inScript, h.pub);
    });
    return { ours, announce: hex.encode(a.pub) };
  });
  if (!ours) throw new CofferError('invalid-backup', 'This vault backup holds vaults of another wallet.');
  return withDbErrors(() =>
    wallet.database.transaction(() => {
      const have = listVaults(wallet.database);
      const missing = backup.vaults.filter((v) => !have.some((h) => h.id === v.id));
      for (const v of missing) {
        if (have.some((h) => h.seq === v.seq)) throw new CofferError('invalid-backup', `This wallet already has another vault numbered ${v.seq}; nothing was restored.`);
        // A vault the sync found by its note becomes whole again: its transactions follow it.
        replaceFoundVault(wallet.database, v.depositTxid, v.depositVout, v.id);
        insertVault(wallet.database, v);
        if (v.withdrawStartedAt !== undefined && v.announcement !== undefined) setWithdrawStarted(wallet.database, v.id, v.withdrawStartedAt, v.announcement);
      }
      if (missing.length > 0 && !wallet.meta(ANNOUNCE_KEY_META)) wallet.setMeta(ANNOUNCE_KEY_META, announce);
      return { restored: missing.length };
    }).immediate(),
  );
}
