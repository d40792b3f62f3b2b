// The contract's vault methods (`vault.*`): the flows are vault-service.ts, vault-backups.ts and
// package-file.ts.

import { CofferError } from '../../api/errors.js';
import { keepPackageAt } from '../package-file.js';
import { cancelVault, completeVault, createVault, listVaultEntries, previewDeposit, previewVault, withdrawVault } from '../vault-service.js';
import { restoreVaults, setVaultBackup } from '../vault-backups.js';
import { vaultKeeping } from '../views.js';
import { signTowerPushes } from '../remote-towers.js';
import type { CoreHost, HandlerMap } from './handler.js';
import { unlockWith } from './spend.js';

export type VaultMethods = 'vault.list' | 'vault.preview' | 'vault.create' | 'vault.withdraw' | 'vault.complete' | 'vault.cancel' | 'vault.backup' | 'vault.restore' | 'vault.exportPackage';

/** The desktop app's main names the file (a dialog); every other caller names it itself. */
function named(file: string | undefined, what: string): string {
  if (file === undefined) throw new CofferError('usage', `Name the ${what} file.`);
  return file;
}

export function vaultHandlers(host: CoreHost): HandlerMap<VaultMethods> {
  return {
    'vault.list': () => {
      const w = host.wallet();
      return { tipHeight: Number(w.meta('tip_height') ?? '0'), vaults: listVaultEntries(w), keeping: vaultKeeping(w) };
    },
    'vault.preview': async (p) => {
      const w = host.wallet();
      const rate = await host.feeRate(p.feeRate, 'normal');
      const set = previewVault(w, { amount: p.amount, delay: p.delay, recovery: p.recovery, feeRate: rate.feeRate });
      // The deposit's fee, for the review before creating; a wallet that cannot pay it yet still
      // sees what the cancels cost (creating says why it cannot).
      try {
        return { ...set, deposit: { ...previewDeposit(w, p.amount, rate.feeRate), feeRateUsed: rate.feeRate, feeSource: rate.source } };
      } catch (e) {
        if (e instanceof CofferError && e.code === 'insufficient-funds') return set;
        throw e;
      }
    },
    'vault.create': async (p) => {
      const w = host.wallet();
      const rate = await host.feeRate(p.feeRate, 'normal');
      const r = await createVault(w, await host.syncSession(), { amount: p.amount, delay: p.delay, recovery: p.recovery, feeRate: rate.feeRate }, unlockWith(w, p.password));
      host.changed();
      return r;
    },
    'vault.withdraw': async ({ id, password }) => {
      const w = host.wallet();
      const r = await withdrawVault(w, await host.syncSession(), id, unlockWith(w, password));
      host.changed();
      return r;
    },
    'vault.complete': async ({ id, address, feeRate, password, dryRun }) => {
      const w = host.wallet();
      const rate = await host.feeRate(feeRate, 'normal');
      const r = await completeVault(w, await host.syncSession(), id, address, rate.feeRate, unlockWith(w, password), dryRun);
      if (r.broadcast) host.changed();
      return { ...r, feerate: rate.feeRate, feeSource: rate.source };
    },
    'vault.cancel': async ({ id, feeRate, password }) => {
      const w = host.wallet();
      const needed = (await host.feeRate(feeRate, 'fast')).feeRate;
      const r = await cancelVault(w, await host.syncSession(), id, needed, unlockWith(w, password));
      host.changed();
      return { cancelTxid: r.cancelTxid, ...(r.cpfpTxid ? { cpfpTxid: r.cpfpTxid } : {}) };
    },
    'vault.backup': ({ file, password }) => {
      const w = host.wallet();
      return setVaultBackup(w, named(file, 'vault backup'), unlockWith(w, password));
    },
    'vault.restore': ({ file, password }) => {
      const w = host.wallet();
      const r = restoreVaults(w, named(file, 'vault backup'), unlockWith(w, password));
      if (r.restored > 0) {
        host.changed();
        // A vault change: a new package for the remote towers, pushed by the core's retries.
        signTowerPushes(w);
      }
      return r;
    },
    'vault.exportPackage': ({ file }) => keepPackageAt(host.wallet(), named(file, 'watchtower package')),
  };
}
