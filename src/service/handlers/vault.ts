// The contract's vault methods (`vault.*`): the flows are vault-service.ts.

import { cancelVault, completeVault, createVault, listVaultEntries, previewVault, withdrawVault } from '../vault-service.js';
import type { CoreHost, HandlerMap } from './handler.js';

export type VaultMethods = 'vault.list' | 'vault.preview' | 'vault.create' | 'vault.withdraw' | 'vault.complete' | 'vault.cancel';

export function vaultHandlers(host: CoreHost): HandlerMap<VaultMethods> {
  return {
    'vault.list': () => {
      const w = host.wallet();
      return { tipHeight: Number(w.meta('tip_height') ?? '0'), vaults: listVaultEntries(w) };
    },
    'vault.preview': async (p) => {
      const w = host.wallet();
      return previewVault(w, { amount: p.amount, delay: p.delay, recovery: p.recovery, feeRate: (await host.feeRate(p.feeRate, 'normal')).feeRate });
    },
    'vault.create': async (p) => {
      const w = host.wallet();
      const rate = await host.feeRate(p.feeRate, 'normal');
      const r = await createVault(w, await host.syncSession(), { amount: p.amount, delay: p.delay, recovery: p.recovery, feeRate: rate.feeRate });
      host.changed();
      return r;
    },
    'vault.withdraw': async ({ id }) => {
      const r = await withdrawVault(host.wallet(), await host.syncSession(), id);
      host.changed();
      return r;
    },
    'vault.complete': async ({ id, address, feeRate }) => {
      const w = host.wallet();
      const rate = await host.feeRate(feeRate, 'normal');
      const r = await completeVault(w, await host.syncSession(), id, address, rate.feeRate);
      host.changed();
      return r;
    },
    'vault.cancel': async ({ id }) => {
      const w = host.wallet();
      const needed = (await host.feeRate(undefined, 'fast')).feeRate;
      const r = await cancelVault(w, await host.syncSession(), id, needed);
      host.changed();
      return { cancelTxid: r.cancelTxid };
    },
  };
}
