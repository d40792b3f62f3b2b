// Lightning keys from the wallet seed, on their own hardened branch, so the words back them up:
//
//   LDK's KeysManager seed (node key and every channel key):  m / 9735' / coin' / 0'
//   the channel backup file's key (HKDF-SHA256 of):            m / 9735' / coin' / 1'

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Network } from '../keys/networks.js';
import { coin, deriveHardened } from '../vaults/vault-keys.js';

export const LIGHTNING_PURPOSE = 9735;
const BACKUP_INFO = new TextEncoder().encode('coffer channel backup v1');

function branchKey(seed: Uint8Array, network: Network, branch: number): Uint8Array {
  const hd = deriveHardened(seed, network, [LIGHTNING_PURPOSE, coin(network), branch]);
  try {
    return Uint8Array.from(hd.privateKey!);
  } finally {
    hd.wipePrivateData();
  }
}

/** The 32 bytes LDK's KeysManager is seeded with; the caller wipes them. */
export function ldkSeed(seed: Uint8Array, network: Network): Uint8Array {
  return branchKey(seed, network, 0);
}

/** The channel backup key; the caller wipes it. */
export function backupKey(seed: Uint8Array, network: Network): Uint8Array {
  const k = branchKey(seed, network, 1);
  try {
    return hkdf(sha256, k, undefined, BACKUP_INFO, 32);
  } finally {
    k.fill(0);
  }
}
