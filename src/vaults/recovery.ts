// The recovery destination of a vault, as the user gives it: a descriptor of a wallet that never
// touches this machine (its key also guards the deposit's recovery branch, for strays and
// emergencies), or a bare address (cancels pay to it; the deposit then has no recovery branch).
// A ranged descriptor gives each vault its own index: vault n pays to index n.

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
  /** The key of the deposit's recovery branch (compressed), when the destination came with one. */
  key?: Uint8Array;
}

function keyOf(d: Descriptor): KeyExpr | undefined {
  if (d.type === 'sh') return d.inner.key;
  return 'key' in d ? d.key : undefined;
}

export function parseRecovery(text: string, network: Network, index: number): Recovery {
  const t = text.trim();
  if (t.length === 0 || t.length > 1000) throw new CofferError('usage', 'Give the recovery destination as a descriptor or an address.');
  if (!t.includes('(')) return { script: addressToScript(t, network) };
  const d = parseDescriptor(t, network);
  const deriver = new ScriptDeriver(d, network);
  const script = deriver.scriptAt(index);
  if (!keyOf(d)) return { script };
  if (d.type === 'pk') throw new CofferError('invalid-descriptor', 'A bare pk() output has no address; use wpkh(), pkh(), sh(wpkh()) or tr().', { reason: 'pk' });
  const key = deriver.pubkeyAt(index);
  if (key.length !== 33) {
    throw new CofferError('invalid-descriptor', 'An x-only key cannot guard the deposit\'s recovery branch; give the key as a compressed public key or an xpub.', { reason: 'x-only' });
  }
  return { script, key };
}

/**
 * The recovery private key for `pub`, from a key file's text: a WIF key, or an extended private
 * key (the descriptor's own xprv, or the master one) from which the descriptor's path leads to
 * `pub`. The caller wipes the result.
 */
export function recoverySecret(fileText: string, recovery: string, network: Network, index: number, pub: Uint8Array): Uint8Array {
  const text = fileText.trim();
  const same = (s: Uint8Array | null | undefined) => s !== null && s !== undefined && Buffer.from(secp256k1.getPublicKey(s, true)).equals(Buffer.from(pub));
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
    tails.push([]);
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
