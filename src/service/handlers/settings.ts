// The contract's settings: `settings.get|set` (the auto-lock, fee estimates and the chain source) and
// `settings.testServer` (an Electrum server tried before it is saved). A new chain source is
// checked and saved here; the core closes the old one (backend-setting.ts has the rules).

import type { BackendConfig } from '../../api/contract.js';
import { CofferError } from '../../api/errors.js';
import { chainParams } from '../../chain/params.js';
import { parseServerUrl } from '../../node/electrum/client.js';
import { probeServer } from '../../node/electrum/probe.js';
import { parseProxyUrl } from '../../p2p/socks5.js';
import { backendView, electrumPlan, planFromCall, storeBackend } from '../backend-setting.js';
import { FEE_ESTIMATES_SETTING } from '../../wallet/block-fees.js';
import type { HandlerMap, SessionHost } from './handler.js';

export type SettingsMethods = 'settings.get' | 'settings.set' | 'settings.testServer';

export function settingsHandlers(host: SessionHost): HandlerMap<SettingsMethods> {
  return {
    'settings.get': () => {
      const w = host.wallet();
      // The RPC password stays in the core: the form leaves it empty to keep the saved one.
      return { autoLockMinutes: w.setting('auto-lock-minutes'), feeEstimates: w.feeEstimates(), backend: backendView(w, host.backend(), () => host.pins().all()), network: w.network };
    },
    'settings.set': async (p) => {
      const w = host.wallet();
      // Checked before anything changes: a refused backend leaves the auto-lock as it was, too.
      const plan = p.backend ? planFromCall(p.backend as BackendConfig, host.backend()) : undefined;
      if (p.autoLockMinutes !== undefined && p.autoLockMinutes !== w.setting('auto-lock-minutes')) {
        if (p.password === undefined) throw new CofferError('password-required', 'Changing the auto-lock needs your password.', { field: 'password' });
        w.checkPassword(p.password);
        w.setSetting('auto-lock-minutes', String(p.autoLockMinutes));
      }
      if (p.feeEstimates !== undefined) w.setSetting(FEE_ESTIMATES_SETTING, p.feeEstimates);
      if (plan) await host.backendChanged(storeBackend(w, plan).kind);
      return { ok: true as const };
    },
    'settings.testServer': async ({ server, proxy }) => {
      const w = host.wallet();
      const s = parseServerUrl(server);
      const { proxy: p } = electrumPlan([server], proxy);
      return probeServer(s, chainParams(w.network), { ...(p ? { proxy: parseProxyUrl(p) } : {}), ...(host.pins().get(`${s.host}:${s.port}`) ? { pinned: host.pins().get(`${s.host}:${s.port}`)! } : {}) });
    },
  };
}
