// The contract's settings: `settings.get|set` (the auto-lock and the chain source). A new chain
// source is checked and saved here; the core closes the old one (backend-setting.ts has the rules).

import type { BackendConfig } from '../../api/contract.js';
import { CofferError } from '../../api/errors.js';
import { backendView, planFromCall, storeBackend } from '../backend-setting.js';
import type { HandlerMap, SessionHost } from './handler.js';

export type SettingsMethods = 'settings.get' | 'settings.set';

export function settingsHandlers(host: SessionHost): HandlerMap<SettingsMethods> {
  return {
    'settings.get': () => {
      const w = host.wallet();
      // The RPC password stays in the core: the form leaves it empty to keep the saved one.
      return { autoLockMinutes: w.setting('auto-lock-minutes'), backend: backendView(w, host.backend()), network: w.network };
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
      if (plan) await host.backendChanged(storeBackend(w, plan).kind);
      return { ok: true as const };
    },
  };
}
