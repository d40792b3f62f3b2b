// Spending: the status of our own transactions (pending until the network has them), frozen coins,
// and BIP329 labels.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 30,
  name: 'spending',
  up(db) {
    db.exec(`
      ALTER TABLE wallet_txs ADD COLUMN status TEXT NOT NULL DEFAULT 'seen'
        CHECK (status IN ('seen', 'pending', 'abandoned', 'replaced'));

      CREATE TABLE wallet_frozen (
        txid BLOB NOT NULL CHECK (length(txid) = 32),
        vout INTEGER NOT NULL CHECK (vout >= 0),
        PRIMARY KEY (txid, vout)
      ) STRICT;

      CREATE TABLE wallet_labels (
        type TEXT NOT NULL CHECK (type IN ('tx', 'addr', 'pubkey', 'input', 'output', 'xpub')),
        ref TEXT NOT NULL,
        label TEXT NOT NULL,
        origin TEXT,
        PRIMARY KEY (type, ref)
      ) STRICT;
    `);
  },
};
