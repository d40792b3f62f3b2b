// Keystore, wallet facts and settings, accounts (descriptors) and derived addresses.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 10,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE keys_keystore (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        blob BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE wallet_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE wallet_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE wallet_accounts (
        id INTEGER PRIMARY KEY,
        script TEXT NOT NULL CHECK (script IN ('pkh', 'sh-wpkh', 'wpkh', 'tr')),
        account INTEGER NOT NULL CHECK (account >= 0),
        fingerprint TEXT NOT NULL,
        xpub TEXT NOT NULL,
        external_desc TEXT NOT NULL,
        internal_desc TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'discover')),
        UNIQUE (script, account)
      ) STRICT;

      CREATE TABLE wallet_addresses (
        account_id INTEGER NOT NULL REFERENCES wallet_accounts (id),
        chain INTEGER NOT NULL CHECK (chain IN (0, 1)),
        idx INTEGER NOT NULL CHECK (idx >= 0),
        script BLOB NOT NULL,
        address TEXT NOT NULL,
        issued INTEGER NOT NULL DEFAULT 0 CHECK (issued IN (0, 1)),
        used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
        PRIMARY KEY (account_id, chain, idx)
      ) STRICT;

      CREATE UNIQUE INDEX wallet_addresses_script ON wallet_addresses (script);
    `);
  },
};
