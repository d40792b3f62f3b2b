// The encrypted keystore format: scrypt (memory-hard) + XChaCha20-Poly1305, no IO.
//
// Layout (version 1), all integers single bytes:
//   0  'CFKS' magic          4
//   4  format version (1)    1
//   5  kdf id (1 = scrypt)   1
//   6  log2 N, r, p          3
//   9  salt                 32
//  41  nonce                24
//  65  password check       16   bytes 32..47 of the scrypt output (the key is bytes 0..31)
//  81  ciphertext + tag      n   AEAD, associated data = bytes 0..80
//  ..  sha256 of all above  32
//
// The trailing checksum tells corruption (`keystore-corrupt`) apart from a wrong password
// before any key derivation runs; the password check tells a wrong password apart from a
// tampered ciphertext. KDF parameters below the floor are refused as corrupt (a downgrade),
// and parameters above the ceiling are refused before they can exhaust memory.

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';
import { LANGUAGES, type Language } from './mnemonic.js';
import type { Network } from './networks.js';

export interface KdfParams {
  logN: number;
  r: number;
  p: number;
}

/** 2^18 x 128 x 8 bytes = 256 MiB per derivation, the memory Sparrow's Argon2 uses. */
export const DEFAULT_KDF: KdfParams = { logN: 18, r: 8, p: 1 };
export const KDF_LIMITS = { logN: { min: 18, max: 20 }, r: { min: 8, max: 8 }, p: { min: 1, max: 4 } };
/** The least cost a regtest keystore may have: its coins are worthless (the test suite's wallets). */
export const REGTEST_MIN_LOGN = 10;

/**
 * The parameters a new keystore on `network` gets, and the least cost one opens with. Every
 * network but regtest: DEFAULT_KDF, and never below KDF_LIMITS. Regtest: `regtestLogN` (the
 * COFFER_REGTEST_KDF_LOGN setting, an integer from REGTEST_MIN_LOGN to 18) when given.
 */
export function kdfPolicy(network: Network, regtestLogN?: string): { create: KdfParams; minLogN: number } {
  if (network !== 'regtest') return { create: DEFAULT_KDF, minLogN: KDF_LIMITS.logN.min };
  const logN = Number(regtestLogN);
  const cheaper = regtestLogN !== undefined && Number.isInteger(logN) && logN >= REGTEST_MIN_LOGN && logN <= DEFAULT_KDF.logN;
  return { create: cheaper ? { ...DEFAULT_KDF, logN } : DEFAULT_KDF, minLogN: REGTEST_MIN_LOGN };
}

export interface KeystoreSecret {
  entropy: Uint8Array;
  language: Language;
  seed: Uint8Array;
}

const MAGIC = [0x43, 0x46, 0x4b, 0x53]; // 'CFKS'
const VERSION = 1;
const KDF_SCRYPT = 1;
const PAYLOAD_VERSION = 1;
const SALT_LEN = 32;
const NONCE_LEN = 24;
const CHECK_LEN = 16;
const HEADER_LEN = 9 + SALT_LEN + NONCE_LEN + CHECK_LEN;
const TAG_LEN = 16;
const SUM_LEN = 32;
const SEED_LEN = 64;
const MIN_PAYLOAD = 3 + 16 + SEED_LEN;
const MAX_PAYLOAD = 3 + 32 + SEED_LEN;
export const MIN_PASSWORD_LENGTH = 8;

function corrupt(reason: string): CofferError {
  return new CofferError('keystore-corrupt', `The keystore is damaged (${reason}); restore it from your recovery phrase.`, { reason });
}

function passwordBytes(password: string): Uint8Array {
  if (password.length === 0) throw new CofferError('password-required', 'A password is required.');
  return utf8ToBytes(password.normalize('NFKC'));
}

/** Refuse a password that is too short to protect a wallet. Applied only when setting one. */
export function checkNewPassword(password: string): void {
  if (password.length === 0) throw new CofferError('password-required', 'A password is required.');
  if ([...password.normalize('NFKC')].length < MIN_PASSWORD_LENGTH) {
    throw new CofferError(
      'password-too-short',
      `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`,
      { minLength: MIN_PASSWORD_LENGTH },
    );
  }
}

function derive(password: string, salt: Uint8Array, kdf: KdfParams): { key: Uint8Array; check: Uint8Array } {
  const pw = passwordBytes(password);
  try {
    const out = scrypt(pw, salt, { N: 2 ** kdf.logN, r: kdf.r, p: kdf.p, dkLen: 64, maxmem: 2 ** 31 });
    const key = out.slice(0, 32);
    const check = out.slice(32, 32 + CHECK_LEN);
    out.fill(0);
    return { key, check };
  } finally {
    pw.fill(0);
  }
}

function inLimits(kdf: KdfParams, minLogN: number): boolean {
  return (
    Number.isInteger(kdf.logN) && kdf.logN >= minLogN && kdf.logN <= KDF_LIMITS.logN.max &&
    Number.isInteger(kdf.r) && kdf.r >= KDF_LIMITS.r.min && kdf.r <= KDF_LIMITS.r.max &&
    Number.isInteger(kdf.p) && kdf.p >= KDF_LIMITS.p.min && kdf.p <= KDF_LIMITS.p.max
  );
}

function encodePayload(secret: KeystoreSecret): Uint8Array {
  const { entropy, seed } = secret;
  if (![16, 20, 24, 28, 32].includes(entropy.length)) throw new RangeError('entropy must be 16..32 bytes');
  if (seed.length !== SEED_LEN) throw new RangeError('seed must be 64 bytes');
  const out = new Uint8Array(3 + entropy.length + SEED_LEN);
  out[0] = PAYLOAD_VERSION;
  out[1] = LANGUAGES.indexOf(secret.language);
  out[2] = entropy.length;
  out.set(entropy, 3);
  out.set(seed, 3 + entropy.length);
  return out;
}

function decodePayload(p: Uint8Array): KeystoreSecret {
  if (p.length < MIN_PAYLOAD || p.length > MAX_PAYLOAD || p[0] !== PAYLOAD_VERSION) throw corrupt('payload format');
  const language = LANGUAGES[p[1] ?? 255];
  const len = p[2] ?? 0;
  if (language === undefined || ![16, 20, 24, 28, 32].includes(len) || p.length !== 3 + len + SEED_LEN) {
    throw corrupt('payload format');
  }
  return { entropy: p.slice(3, 3 + len), language, seed: p.slice(3 + len) };
}

/** Seal at `kdf`, never below `minLogN` (the network's floor, kdfPolicy; 2^18 unless a regtest caller says otherwise). */
export function sealKeystore(secret: KeystoreSecret, password: string, kdf: KdfParams = DEFAULT_KDF, minLogN: number = KDF_LIMITS.logN.min): Uint8Array {
  if (!inLimits(kdf, Math.max(minLogN, REGTEST_MIN_LOGN))) throw new RangeError('KDF parameters outside the allowed range');
  const salt = randomBytes(SALT_LEN);
  const nonce = randomBytes(NONCE_LEN);
  const { key, check } = derive(password, salt, kdf);
  const header = new Uint8Array(HEADER_LEN);
  header.set(MAGIC, 0);
  header.set([VERSION, KDF_SCRYPT, kdf.logN, kdf.r, kdf.p], 4);
  header.set(salt, 9);
  header.set(nonce, 9 + SALT_LEN);
  header.set(check, 9 + SALT_LEN + NONCE_LEN);
  const payload = encodePayload(secret);
  try {
    const ct = xchacha20poly1305(key, nonce, header).encrypt(payload);
    const body = new Uint8Array(HEADER_LEN + ct.length + SUM_LEN);
    body.set(header, 0);
    body.set(ct, HEADER_LEN);
    body.set(sha256(body.subarray(0, HEADER_LEN + ct.length)), HEADER_LEN + ct.length);
    return body;
  } finally {
    key.fill(0);
    payload.fill(0);
  }
}

export interface KeystoreInfo {
  version: number;
  kdf: KdfParams;
}

/** Structural checks that need no password: length, magic, checksum, version, KDF parameters (at least `minLogN`). */
export function inspectKeystore(blob: Uint8Array, minLogN: number = KDF_LIMITS.logN.min): KeystoreInfo {
  const minLen = HEADER_LEN + MIN_PAYLOAD + TAG_LEN + SUM_LEN;
  const maxLen = HEADER_LEN + MAX_PAYLOAD + TAG_LEN + SUM_LEN;
  if (blob.length < minLen) throw corrupt('truncated');
  if (blob.length > maxLen) throw corrupt('unexpected length');
  if (!MAGIC.every((b, i) => blob[i] === b)) throw corrupt('not a Coffer keystore');
  const bodyLen = blob.length - SUM_LEN;
  if (!equalBytes(sha256(blob.subarray(0, bodyLen)), blob.subarray(bodyLen))) throw corrupt('checksum mismatch');
  if (blob[4] !== VERSION) throw corrupt(`unknown format version ${blob[4]}`);
  if (blob[5] !== KDF_SCRYPT) throw corrupt(`unknown key derivation function ${blob[5]}`);
  const kdf = { logN: blob[6] ?? 0, r: blob[7] ?? 0, p: blob[8] ?? 0 };
  if (!inLimits(kdf, minLogN)) throw corrupt('key derivation parameters outside the allowed range');
  return { version: VERSION, kdf };
}

export function openKeystore(blob: Uint8Array, password: string, minLogN: number = KDF_LIMITS.logN.min): KeystoreSecret {
  const { kdf } = inspectKeystore(blob, minLogN);
  const header = blob.subarray(0, HEADER_LEN);
  const salt = header.subarray(9, 9 + SALT_LEN);
  const nonce = header.subarray(9 + SALT_LEN, 9 + SALT_LEN + NONCE_LEN);
  const storedCheck = header.subarray(9 + SALT_LEN + NONCE_LEN);
  const { key, check } = derive(password, salt, kdf);
  try {
    if (!equalBytes(check, storedCheck)) {
      throw new CofferError('wrong-password', 'The password is not correct.');
    }
    let payload: Uint8Array;
    try {
      payload = xchacha20poly1305(key, nonce, header).decrypt(blob.subarray(HEADER_LEN, blob.length - SUM_LEN));
    } catch {
      throw corrupt('authentication failed');
    }
    try {
      return decodePayload(payload);
    } finally {
      payload.fill(0);
    }
  } finally {
    key.fill(0);
    check.fill(0);
  }
}

/** Constant-time comparison of equal-length byte strings. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function wipeSecret(s: KeystoreSecret): void {
  s.entropy.fill(0);
  s.seed.fill(0);
}
