// Vaults: each vault's presigned set (never its presigning key, which is gone), the transactions
// seen spending or paying its outputs with their confirmations, and the watchtower files to serve.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 40,
  name: 'vaults',
  up(db) {
    db.exec(`
      CREATE TABLE vault_vaults (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE CHECK (seq >= 0),
        created_at INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        delay INTEGER NOT NULL CHECK (delay BETWEEN 1 AND 65535),
        recovery TEXT NOT NULL,
        recovery_script BLOB NOT NULL,
        deposit_txid BLOB NOT NULL CHECK (length(deposit_txid) = 32),
        deposit_vout INTEGER NOT NULL CHECK (deposit_vout >= 0),
        deposit_script BLOB NOT NULL,
        unvault_script BLOB NOT NULL,
        unvault_raw BLOB NOT NULL,
        cancels TEXT NOT NULL,
        emergencies TEXT NOT NULL,
        towers_served INTEGER NOT NULL DEFAULT 0 CHECK (towers_served IN (0, 1)),
        withdraw_started_at INTEGER,
        announcement TEXT,
        UNIQUE (deposit_txid, deposit_vout)
      ) STRICT;

      CREATE TABLE vault_txs (
        txid BLOB PRIMARY KEY CHECK (length(txid) = 32),
        vault_id TEXT NOT NULL REFERENCES vault_vaults (id),
        raw BLOB NOT NULL,
        first_seen INTEGER NOT NULL,
        block_hash BLOB CHECK (block_hash IS NULL OR length(block_hash) = 32),
        block_height INTEGER,
        CHECK ((block_hash IS NULL) = (block_height IS NULL))
      ) STRICT;
      CREATE INDEX vault_txs_vault ON vault_txs (vault_id);
    `);
  },
};
