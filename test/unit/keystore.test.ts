// The keystore format: round trip, wrong password, every byte flip, truncation, downgrade.

import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  checkNewPassword,
  DEFAULT_KDF,
  kdfPolicy,
  REGTEST_MIN_LOGN,
  inspectKeystore,
  openKeystore,
  sealKeystore,
  type KeystoreSecret,
} from '../../src/keys/keystore.js';
import { codeOf, expectCode } from '../helpers/errors.js';

const PASSWORD = 'correct horse battery staple';
const secret = (): KeystoreSecret => ({
  entropy: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
  language: 'english',
  seed: Uint8Array.from({ length: 64 }, (_, i) => 200 - i),
});
const blob = sealKeystore(secret(), PASSWORD);

/** Recompute the trailing checksum, as an attacker editing the file would. */
function resum(b: Uint8Array): Uint8Array {
  const out = b.slice();
  out.set(sha256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

describe('keystore', () => {
  it('opens with the right password and returns the secret', () => {
    const s = openKeystore(blob, PASSWORD);
    expect(s).toEqual(secret());
    expect(inspectKeystore(blob).kdf).toEqual(DEFAULT_KDF);
  });

  it('uses scrypt with N >= 2^17 and a random salt and nonce', () => {
    expect(2 ** DEFAULT_KDF.logN).toBeGreaterThanOrEqual(2 ** 17);
    const again = sealKeystore(secret(), PASSWORD);
    expect(again.subarray(9, 41)).not.toEqual(blob.subarray(9, 41));
    expect(again.subarray(41, 65)).not.toEqual(blob.subarray(41, 65));
  });

  it('a wrong password is wrong-password', () => {
    expectCode(() => openKeystore(blob, 'correct horse battery stapler'), 'wrong-password');
    expectCode(() => openKeystore(blob, ''), 'password-required');
  });

  it('treats NFC and NFD spellings of a password alike', () => {
    const b = sealKeystore(secret(), 'caf\u00e9 au lait');
    expect(openKeystore(b, 'cafe\u0301 au lait').seed).toEqual(secret().seed);
  });

  it('detects every single-byte flip as keystore-corrupt', () => {
    let checked = 0;
    for (let i = 0; i < blob.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = blob.slice();
        bad[i] = (bad[i] ?? 0) ^ mask;
        expect(codeOf(() => openKeystore(bad, PASSWORD))).toBe('keystore-corrupt');
        checked++;
      }
    }
    expect(checked).toBe(blob.length * 3);
  });

  it('detects every truncation and extension', () => {
    for (let len = 0; len < blob.length; len++) {
      expect(codeOf(() => openKeystore(blob.subarray(0, len), PASSWORD))).toBe('keystore-corrupt');
    }
    expect(codeOf(() => openKeystore(Uint8Array.of(...blob, 0), PASSWORD))).toBe('keystore-corrupt');
  });

  it('refuses a KDF downgrade even with a recomputed checksum', () => {
    for (const [offset, value] of [[6, 17], [6, 10], [7, 1], [8, 0]] as const) {
      const bad = blob.slice();
      bad[offset] = value;
      const e = expectCode(() => openKeystore(resum(bad), PASSWORD), 'keystore-corrupt');
      expect(e.details['reason']).toMatch(/parameters/);
    }
  });

  it('refuses parameters that would exhaust memory before running the KDF', () => {
    const bad = blob.slice();
    bad[6] = 40;
    expectCode(() => inspectKeystore(resum(bad)), 'keystore-corrupt');
  });

  it('a tampered ciphertext with a recomputed checksum is keystore-corrupt, never garbage keys', () => {
    const bad = blob.slice();
    const i = 81 + 5;
    bad[i] = (bad[i] ?? 0) ^ 0x01;
    expectCode(() => openKeystore(resum(bad), PASSWORD), 'keystore-corrupt');
  });

  it('a tampered header (nonce) with a recomputed checksum fails authentication', () => {
    const bad = blob.slice();
    bad[45] = (bad[45] ?? 0) ^ 0x01;
    expectCode(() => openKeystore(resum(bad), PASSWORD), 'keystore-corrupt');
  });

  it('random bytes are keystore-corrupt', () => {
    for (let i = 0; i < 200; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(i * 2));
      expect(codeOf(() => openKeystore(junk, PASSWORD))).toBe('keystore-corrupt');
    }
  });

  it('new passwords need 8 characters', () => {
    expectCode(() => checkNewPassword('short'), 'password-too-short');
    expectCode(() => checkNewPassword(''), 'password-required');
    expect(() => checkNewPassword('long enough')).not.toThrow();
  });
});

describe('the cost per network', () => {
  it('every network but regtest creates at DEFAULT_KDF and opens nothing cheaper, whatever the setting says', () => {
    for (const network of ['main', 'test', 'signet'] as const) {
      expect(kdfPolicy(network, '12')).toEqual({ create: DEFAULT_KDF, minLogN: 18 });
    }
    const cheap = sealKeystore(secret(), PASSWORD, { ...DEFAULT_KDF, logN: 12 }, REGTEST_MIN_LOGN);
    expect(inspectKeystore(cheap, REGTEST_MIN_LOGN).kdf.logN).toBe(12);
    expect(openKeystore(cheap, PASSWORD, kdfPolicy('regtest').minLogN).seed).toEqual(secret().seed);
    expect(expectCode(() => openKeystore(cheap, PASSWORD, kdfPolicy('main').minLogN), 'keystore-corrupt').message).toMatch(/outside the allowed range/);
  });

  it('regtest takes COFFER_REGTEST_KDF_LOGN from 10 to 18, and the default for anything else', () => {
    expect(kdfPolicy('regtest')).toEqual({ create: DEFAULT_KDF, minLogN: 10 });
    expect(kdfPolicy('regtest', '12').create).toEqual({ ...DEFAULT_KDF, logN: 12 });
    expect(kdfPolicy('regtest', '10').create.logN).toBe(10);
    for (const bad of ['9', '19', '12.5', 'twelve', '']) expect(kdfPolicy('regtest', bad).create).toEqual(DEFAULT_KDF);
    expect(() => sealKeystore(secret(), PASSWORD, { ...DEFAULT_KDF, logN: 9 }, REGTEST_MIN_LOGN)).toThrow(RangeError);
    // Without a regtest caller's floor, sealing below 2^18 is refused too.
    expect(() => sealKeystore(secret(), PASSWORD, { ...DEFAULT_KDF, logN: 12 })).toThrow(RangeError);
  });
});
