// The recovery destination of a vault, as the user gives it: a descriptor of a wallet that never
// touches this machine, whose key also guards the recovery branches of the deposit and of the
// unvault output. A bare address, or a descriptor without a single key, is refused: its vault
// would depend on the presigned set alone, which a lost database takes with it. A ranged
// descriptor gives each vault its own index: vault n pays to (and is guarded by) index n.

import { HDKey } from '@scure/bip32';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as btc from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { addressToScript } from '../keys/address.js';
import { parseDescriptor, ScriptDeriver, type Descriptor, type KeyExpr } from '../keys/descriptors.js';
import { keyParams, type Network } from '../keys/networks.js';

export interface Recovery {
  /** Where cancels pay. */
  script: Uint8Array;
  /** The key of the recovery branches (compressed). */
  key: Uint8Array;
}

function keyOf(d: Descriptor): KeyExpr | undefined {
  if (d.type === 'sh') return d.inner.key;
  return 'key' in d ? d.key : undefined;
}

export function parseRecovery(text: string, network: Network, index: number): Recovery {
  const t = text.trim();
  if (t.length === 0 || t.length > 1000) throw new CofferError('usage', 'Give the recovery destination as a descriptor or an address.');
  const noKey = () =>
    new CofferError('invalid-descriptor', 'A vault needs its recovery wallet\'s key, not only an address: give its descriptor, e.g. wpkh([fingerprint/84h/0h/0h]xpub.../0/*). With the key, the words and that wallet can always get the coins back, even with this computer gone.', { reason: 'no-recovery-key' });
  if (!t.includes('(')) {
    addressToScript(t, network);
    throw noKey();
  }
  const d = parseDescriptor(t, network);
  const deriver = new ScriptDeriver(d, network);
  const script = deriver.scriptAt(index);
  if (!keyOf(d)) throw noKey();
  if (d.type === 'pk') throw new CofferError('invalid-descriptor', 'A bare pk() output has no address; use wpkh(), pkh(), sh(wpkh()) or tr().', { reason: 'pk' });
  const key = deriver.pubkeyAt(index);
  if (key.length !== 33) {
    throw new CofferError('invalid-descriptor', 'An x-only key cannot guard the deposit\'s recovery branch; give the key as a compressed public key or an xpub.', { reason: 'x-only' });
  }
  return { script, key };
}

/** Where the recovery key may sit under an extended key when the descriptor is not known (restored from the words alone). */
function guessedTails(index: number, network: Network): number[][] {
  const H = 0x80000000;
  const coin = keyParams(network).coinType;
  return [[0, index], [index], [], ...[84, 49, 44].map((purpose) => [purpose + H, coin + H, H, 0, index])];
}

/**
 * The recovery private key from a key file's text: a WIF key, or an extended private key (the
 * descriptor's own xprv, or the master one) from which the descriptor's path, or when the
 * descriptor is unknown (`recovery` empty) a usual one, leads to a key `fits` accepts. The
 * caller wipes the result.
 */
export function recoverySecret(fileText: string, recovery: string, network: Network, index: number, fits: (pub: Uint8Array) => boolean): Uint8Array {
  const text = fileText.trim();
  const same = (s: Uint8Array | null | undefined) => s !== null && s !== undefined && fits(secp256k1.getPublicKey(s, true));
  if (/^[xt]prv/.test(text)) {
    let root: HDKey;
    try {
      root = HDKey.fromExtendedKey(text, keyParams(network).bip32);
    } catch {
      throw new CofferError('invalid-descriptor', 'The key file does not hold a valid extended private key for this network.', { reason: 'xprv' });
    }
    const key = recovery.includes('(') ? keyOf(parseDescriptor(recovery, network)) : undefined;
    const tails: number[][] = [];
    if (key?.kind === 'xpub') {
      const tail = [...key.path, ...(key.wildcard ? [index] : [])];
      tails.push(tail, [...(key.origin?.path ?? []), ...tail]);
    }
    tails.push(...(recovery === '' ? guessedTails(index, network) : [[]]));
    try {
      for (const path of tails) {
        let hd = root;
        for (const step of path) hd = hd.deriveChild(step);
        if (same(hd.privateKey)) return Uint8Array.from(hd.privateKey!);
      }
    } finally {
      root.wipePrivateData();
    }
  } else {
    let secret: Uint8Array | undefined;
    try {
      secret = btc.WIF(network === 'main' ? btc.NETWORK : btc.TEST_NETWORK).decode(text);
    } catch {
      throw new CofferError('invalid-descriptor', 'The key file holds neither a WIF private key nor an extended private key.', { reason: 'format' });
    }
    if (same(secret)) return secret;
    secret.fill(0);
  }
  throw new CofferError('invalid-descriptor', 'The key in the file is not this vault\'s recovery key.', { reason: 'mismatch' });
}
