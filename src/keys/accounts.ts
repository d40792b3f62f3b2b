// Standard single-key accounts (BIP44/49/84/86) and their external/internal descriptors.

import { HDKey } from '@scure/bip32';
import { bytesToHex } from '@noble/hashes/utils.js';
import { formatDescriptor, HARDENED, type Descriptor, type KeyExpr } from './descriptors.js';
import { keyParams, type Network } from './networks.js';

export const SCRIPT_KINDS = ['wpkh', 'tr', 'sh-wpkh', 'pkh'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export const PURPOSE: Record<ScriptKind, number> = { pkh: 44, 'sh-wpkh': 49, wpkh: 84, tr: 86 };

export interface Account {
  script: ScriptKind;
  /** m/purpose'/coin'/account' as numbers (hardened bit set). */
  path: number[];
  /** Master key fingerprint, 8 lowercase hex characters. */
  fingerprint: string;
  xpub: string;
}

export function masterFromSeed(seed: Uint8Array, network: Network): HDKey {
  return HDKey.fromMasterSeed(seed, keyParams(network).bip32);
}

export function fingerprintOf(master: HDKey): string {
  return bytesToHex(Uint8Array.of(master.fingerprint >>> 24, master.fingerprint >>> 16, master.fingerprint >>> 8, master.fingerprint));
}

export function accountPath(script: ScriptKind, network: Network, account = 0): number[] {
  return [PURPOSE[script] + HARDENED, keyParams(network).coinType + HARDENED, account + HARDENED];
}

/** Derive an account's extended public key. The master key stays with the caller, who wipes it. */
export function deriveAccount(master: HDKey, script: ScriptKind, network: Network, account = 0): Account {
  const path = accountPath(script, network, account);
  let hd = master;
  for (const step of path) hd = hd.deriveChild(step);
  const xpub = hd.publicExtendedKey;
  hd.wipePrivateData();
  return { script, path, fingerprint: fingerprintOf(master), xpub };
}

/** The ranged descriptor for one chain of an account: 0 = external (receive), 1 = internal (change). */
export function accountDescriptor(a: Account, chain: 0 | 1): Descriptor {
  const key: KeyExpr = {
    kind: 'xpub',
    origin: { fingerprint: a.fingerprint, path: a.path },
    xpub: a.xpub,
    path: [chain],
    wildcard: true,
  };
  switch (a.script) {
    case 'pkh':
      return { type: 'pkh', key };
    case 'sh-wpkh':
      return { type: 'sh', inner: { type: 'wpkh', key } };
    case 'wpkh':
      return { type: 'wpkh', key };
    case 'tr':
      return { type: 'tr', key };
  }
}

export function accountDescriptorText(a: Account, chain: 0 | 1): string {
  return formatDescriptor(accountDescriptor(a, chain));
}
