// Small secrets a setting needs (the Bitcoin Core RPC password), encrypted under a key derived from
// the wallet seed, so they can be read only while the wallet is unlocked. No IO.
//
// Box (text): "sb1." + base64url(nonce 24 || XChaCha20-Poly1305 ciphertext+tag). The key is
// HKDF-SHA256(seed, salt "coffer seed box v1", info = purpose), so a box opens only for the
// purpose it was made for: the RPC password's purpose names the node's URL and user, and a box
// moved to another URL does not open.

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { CofferError } from '../api/errors.js';

const PREFIX = 'sb1.';
const SALT = utf8ToBytes('coffer seed box v1');
const NONCE_LEN = 24;
const TAG_LEN = 16;
/** Settings' secrets are short; a longer box is damaged or not ours. */
const MAX_PLAINTEXT = 4096;

function boxKey(seed: Uint8Array, purpose: string): Uint8Array {
  if (seed.length !== 64) throw new RangeError('seed must be 64 bytes');
  return hkdf(sha256, seed, SALT, utf8ToBytes(purpose), 32);
}

export function sealWithSeed(seed: Uint8Array, purpose: string, secret: string): string {
  const plain = utf8ToBytes(secret);
  if (plain.length > MAX_PLAINTEXT) throw new RangeError('secret too long');
  const key = boxKey(seed, purpose);
  const nonce = randomBytes(NONCE_LEN);
  try {
    const ct = xchacha20poly1305(key, nonce).encrypt(plain);
    const out = new Uint8Array(NONCE_LEN + ct.length);
    out.set(nonce, 0);
    out.set(ct, NONCE_LEN);
    return PREFIX + base64urlnopad.encode(out);
  } finally {
    key.fill(0);
    plain.fill(0);
  }
}

/** The secret in `box`; `keystore-corrupt` when the box is damaged or made for another purpose. */
export function openWithSeed(seed: Uint8Array, purpose: string, box: string): string {
  const bad = () => new CofferError('keystore-corrupt', 'A saved secret cannot be decrypted with this wallet; enter it again.', { reason: 'seed box' });
  if (!box.startsWith(PREFIX) || box.length > PREFIX.length + Math.ceil(((NONCE_LEN + TAG_LEN + MAX_PLAINTEXT) * 4) / 3)) throw bad();
  let raw: Uint8Array;
  try {
    raw = base64urlnopad.decode(box.slice(PREFIX.length));
  } catch {
    throw bad();
  }
  if (raw.length < NONCE_LEN + TAG_LEN) throw bad();
  const key = boxKey(seed, purpose);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, raw.subarray(0, NONCE_LEN)).decrypt(raw.subarray(NONCE_LEN));
  } catch {
    throw bad();
  } finally {
    key.fill(0);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw bad();
  } finally {
    plain.fill(0);
  }
}
