// The Lightning node's routing knowledge: the network graph learned from gossip (or a Rapid
// Gossip Sync snapshot) and the probabilistic scorer's channel estimates, one serialized blob each.
// Both are caches: an unreadable one is dropped at start, never a reason to refuse it.

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 90,
  name: 'chan-graph',
  up(db) {
    db.exec(`
      CREATE TABLE chan_graph (
        name TEXT PRIMARY KEY CHECK (name IN ('graph', 'scorer')),
        data BLOB NOT NULL,
        written_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
