// The app's Electrum server setting in the contract: `settings.testServer`, the network settings'
// test-connection button (kept here: contract.ts is at its size limit).

import { z } from 'zod';

export const ELECTRUM_METHODS = {
  /**
   * Connect to an Electrum server as a sync would (through `proxy` when given), check its network,
   * and say its tip and TLS certificate; pins nothing (the first sync pins the certificate).
   */
  'settings.testServer': z.object({ server: z.string().min(1).max(300), proxy: z.string().max(300).optional() }).strict(),
} as const;

export interface ServerTest {
  server: string;
  tipHeight: number;
  /** SHA-256 of the TLS certificate (DER), hex; absent over plain TCP. */
  fingerprint?: string;
  /**
   * tcp: no TLS; trusted: the system's CAs vouch for it; new: not pinned yet (the first sync pins
   * it); same: the pinned one; changed: not the pinned one (a sync refuses it).
   */
  certificate: 'tcp' | 'trusted' | 'new' | 'same' | 'changed';
}

export interface ElectrumResults {
  'settings.testServer': ServerTest;
}
