// The wallet's own vault keys, derived from its seed on a dedicated hardened branch so that the
// words back them up: one hot key per vault (spends an unvault output after the delay) and one
// announcement key (BIP340, signs the wallet's withdrawals for its watchtowers).
//
//   hot key of vault n:  m / 1776' / coin' / 0' / n'
//   announcement key:    m / 1776' / coin' / 1' / 0'
//   vault backup key:    HKDF-SHA256 of m / 1776' / coin' / 2'
//   vault note key:      HKDF-SHA256 of m / 1776' / coin' / 3'  (vault-note.ts; kept in the
//                        database like the account xpubs: it reveals vaults, moves nothing)

import { HDKey } from '@scure/bip32';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { HARDENED } from '../keys/descriptors.js';
import { masterFromSeed } from '../keys/accounts.js';
import { keyParams, type Network } from '../keys/networks.js';

export const VAULT_PURPOSE = 1776;

/** The key at m / path' (every step hardened); the caller wipes it. */
export function deriveHardened(seed: Uint8Array, network: Network, path: number[]): HDKey {
  const master = masterFromSeed(seed, network);
  try {
    let hd = master;
    for (const step of path) hd = hd.deriveChild(step + HARDENED);
    return hd;
  } finally {
    master.wipePrivateData();
  }
}

export function coin(network: Network): number {
  return keyParams(network).coinType;
}

/** The hot key pair of vault `seq`; the caller wipes `secret`. */
export function hotKey(seed: Uint8Array, network: Network, seq: number): { secret: Uint8Array; pub: Uint8Array } {
  const hd = deriveHardened(seed, network, [VAULT_PURPOSE, coin(network), 0, seq]);
  try {
    return { secret: Uint8Array.from(hd.privateKey!), pub: Uint8Array.from(hd.publicKey!) };
  } finally {
    hd.wipePrivateData();
  }
}

/** The announcement key; the caller wipes `secret`. `pub` is x-only (BIP340). */
export function announceKey(seed: Uint8Array, network: Network): { secret: Uint8Array; pub: Uint8Array } {
  const hd = deriveHardened(seed, network, [VAULT_PURPOSE, coin(network), 1, 0]);
  try {
    const secret = Uint8Array.from(hd.privateKey!);
    return { secret, pub: schnorr.getPublicKey(secret) };
  } finally {
    hd.wipePrivateData();
  }
}

function hkdfAt(seed: Uint8Array, network: Network, branch: number, info: string): Uint8Array {
  const hd = deriveHardened(seed, network, [VAULT_PURPOSE, coin(network), branch]);
  try {
    return hkdf(sha256, hd.privateKey!, undefined, new TextEncoder().encode(info), 32);
  } finally {
    hd.wipePrivateData();
  }
}

/** The vault backup file's key (vault-backup.ts); the caller wipes it. */
export function vaultBackupKey(seed: Uint8Array, network: Network): Uint8Array {
  return hkdfAt(seed, network, 2, 'coffer vault backup v1');
}

/** The key of the vault notes in deposits (vault-note.ts). */
export function vaultNoteKey(seed: Uint8Array, network: Network): Uint8Array {
  return hkdfAt(seed, network, 3, 'coffer vault note v1');
}
