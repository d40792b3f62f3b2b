// Wallet transactions with their Merkle-proven confirmations.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 20,
  name: 'transactions',
  up(db) {
    db.exec(`
      CREATE TABLE wallet_txs (
        txid BLOB PRIMARY KEY CHECK (length(txid) = 32),
        raw BLOB NOT NULL,
        first_seen INTEGER NOT NULL,
        block_hash BLOB CHECK (block_hash IS NULL OR length(block_hash) = 32),
        block_height INTEGER,
        block_pos INTEGER,
        block_time INTEGER,
        CHECK ((block_hash IS NULL) = (block_height IS NULL)),
        CHECK ((block_hash IS NULL) = (block_pos IS NULL))
      ) STRICT;
      CREATE INDEX wallet_txs_height ON wallet_txs (block_height);
    `);
  },
};
