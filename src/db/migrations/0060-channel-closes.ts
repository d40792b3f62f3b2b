// Channels as they closed: why, with whom and how large, so the channel list can go on showing a
// force-closed channel while its funds wait their delay (LDK forgets the channel at once).

import type { Migration } from './index.js';

export const migration: Migration = {
  version: 60,
  name: 'channel-closes',
  up(db) {
    db.exec(`
      CREATE TABLE chan_closes (
        channel_id TEXT PRIMARY KEY,
        counterparty TEXT NOT NULL,
        reason TEXT NOT NULL,
        cooperative INTEGER NOT NULL CHECK (cooperative IN (0, 1)),
        capacity_sat INTEGER NOT NULL,
        funding_outpoint TEXT,
        closed_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
