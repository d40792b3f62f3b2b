// Older versions kept the Bitcoin Core RPC password typed in the app in plain text, in the backend
// setting. The key that now encrypts it (derived from the wallet seed) is not at hand when the
// database opens, so the password is removed (the app asks for it again) and the WAL that may
// still hold it is checkpointed and truncated.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 70,
  name: 'rpc-password',
  checkpoint: true,
  up(db) {
    const row = db.prepare("SELECT value FROM wallet_meta WHERE key = 'backend'").get() as { value: string } | undefined;
    if (!row) return;
    let setting: unknown;
    try {
      setting = JSON.parse(row.value);
    } catch {
      return; // damaged: the core reports it (database-corrupt) and the user chooses again
    }
    if (typeof setting !== 'object' || setting === null || !Object.hasOwn(setting, 'password')) return;
    const { password, ...rest } = setting as Record<string, unknown>;
    db.prepare("UPDATE wallet_meta SET value = ? WHERE key = 'backend'").run(JSON.stringify(rest));
    if (typeof password === 'string' && password !== '') {
      db.prepare("INSERT INTO wallet_meta (key, value) VALUES ('rpc_password_removed', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
    }
  },
};
