// Vaults found on chain: a wallet restored from its words reads each deposit's vault note
// (vaults/vault-note.ts) and keeps what it says until the recovery key sweeps the vault or a
// vault backup brings its presigned set back. Their transactions go to `vault_txs` like any
// vault's, so that table no longer points at `vault_vaults` alone.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 80,
  name: 'vault-found',
  up(db) {
    db.exec(`
      CREATE TABLE vault_found (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        found_at INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        delay INTEGER NOT NULL CHECK (delay BETWEEN 1 AND 65535),
        k_pub BLOB NOT NULL CHECK (length(k_pub) = 33),
        deposit_txid BLOB NOT NULL CHECK (length(deposit_txid) = 32),
        deposit_vout INTEGER NOT NULL CHECK (deposit_vout >= 0),
        UNIQUE (deposit_txid, deposit_vout)
      ) STRICT;

      CREATE TABLE vault_txs_new (
        txid BLOB PRIMARY KEY CHECK (length(txid) = 32),
        vault_id TEXT NOT NULL,
        raw BLOB NOT NULL,
        first_seen INTEGER NOT NULL,
        block_hash BLOB CHECK (block_hash IS NULL OR length(block_hash) = 32),
        block_height INTEGER,
        CHECK ((block_hash IS NULL) = (block_height IS NULL))
      ) STRICT;
      INSERT INTO vault_txs_new SELECT txid, vault_id, raw, first_seen, block_hash, block_height FROM vault_txs;
      DROP TABLE vault_txs;
      ALTER TABLE vault_txs_new RENAME TO vault_txs;
      CREATE INDEX vault_txs_vault ON vault_txs (vault_id);
    `);
  },
};
