// Lightning channels: LDK's own serialized state (the channel manager and one monitor per
// channel, each rewritten whole and durably before LDK hears the write completed), the chain
// transactions LDK asked to watch, funding transactions held back until LDK releases them,
// the peers to reconnect to, and payments made and received.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 50,
  name: 'channels',
  up(db) {
    db.exec(`
      CREATE TABLE chan_manager (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        data BLOB NOT NULL,
        written_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE chan_monitors (
        funding_outpoint TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        update_id INTEGER NOT NULL,
        written_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE chan_txs (
        txid BLOB PRIMARY KEY CHECK (length(txid) = 32),
        raw BLOB NOT NULL,
        block_hash BLOB,
        block_height INTEGER,
        block_pos INTEGER,
        fed INTEGER NOT NULL DEFAULT 0 CHECK (fed IN (0, 1))
      ) STRICT;
      CREATE TABLE chan_watch (
        kind TEXT NOT NULL CHECK (kind IN ('script', 'outpoint')),
        item BLOB NOT NULL,
        PRIMARY KEY (kind, item)
      ) STRICT;
      CREATE TABLE chan_funding (
        txid BLOB PRIMARY KEY CHECK (length(txid) = 32),
        temporary_channel_id TEXT NOT NULL,
        counterparty TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('held', 'released', 'discarded'))
      ) STRICT;
      CREATE TABLE chan_peers (
        node_id TEXT PRIMARY KEY,
        address TEXT NOT NULL
      ) STRICT;
      CREATE TABLE chan_payments (
        payment_hash TEXT PRIMARY KEY,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        amount_msat INTEGER,
        fee_msat INTEGER,
        preimage TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        bolt11 TEXT,
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      ) STRICT;
      CREATE TABLE chan_sweeps (
        descriptor BLOB PRIMARY KEY,
        channel_id TEXT,
        sweep_txid BLOB,
        created_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
