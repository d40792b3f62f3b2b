// The wallet's remote watchtowers in the contract: `tower.add|remove|list`, their params and
// results (kept here: contract.ts is at its size limit).

import { z } from 'zod';

export const hostPort = z.string().max(300).regex(/^[^\s]+:\d{1,5}$/);
/** A tower's id: its static public key, 33 bytes compressed, as `coffer watchtower serve` prints it. */
const towerId = z.string().regex(/^0[23][0-9a-f]{64}$/);

export const TOWER_METHODS = {
  /**
   * Pin a remote tower; the wallet pushes its keyless package to it from now on. With vaults, a
   * new version is signed for it at once: the wallet must be unlocked, or `password` given.
   */
  'tower.add': z.object({ address: hostPort, id: towerId, password: z.string().min(1).max(1024).optional() }).strict(),
  'tower.remove': z.object({ id: towerId }).strict(),
  'tower.list': z.object({}).strict(),
} as const;

export interface TowerInfo {
  address: string;
  id: string;
  /** When the tower last acknowledged this wallet's package (unix seconds). */
  lastConfirmedAt?: number;
  confirmedVersion?: number;
  /** A signed version the tower has not acknowledged yet. */
  pendingVersion?: number;
  /** No ack for the newest version within 10 minutes, or none at all for 24 hours. */
  stale: boolean;
  lastError?: string;
}

export interface TowerResults {
  'tower.add': TowerInfo;
  'tower.remove': { removed: true };
  'tower.list': { towers: TowerInfo[] };
}
