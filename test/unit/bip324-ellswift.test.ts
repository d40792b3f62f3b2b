// BIP324's ElligatorSwift: the official decode and inverse vectors, every row, and round trips.

import { describe, expect, it } from 'vitest';
import { hex } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { ellswiftCreate, ellswiftDecode, ellswiftEcdhXonly, ellswiftEncode, xswiftec, xswiftecInv } from '../../src/p2p/ellswift.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';
import { loadVectors } from '../helpers/vectors.js';

interface Vectors {
  ellswift_decode: { ellswift: string; x: string; comment: string }[];
  xswiftec_inv: { u: string; x: string; t: string[]; comment: string }[];
}
const V = loadVectors<Vectors>('bip324_vectors.json');
const num = (s: string): bigint => bytesToNumberBE(hex.decode(s));

describe('ElligatorSwift (BIP324 vectors)', () => {
  it.each(V.ellswift_decode)('decodes $comment', (row) => {
    expect(hex.encode(ellswiftDecode(hex.decode(row.ellswift)))).toBe(row.x);
  });

  it.each(V.xswiftec_inv)('inverts u=$u for each case', (row) => {
    const u = num(row.u);
    const x = num(row.x);
    for (let c = 0; c < 8; c++) {
      const t = xswiftecInv(x, u, c);
      expect(t === undefined ? '' : hex.encode(numberToBytesBE(t, 32)), `case ${c}`).toBe(row.t[c]);
      if (t !== undefined) expect(xswiftec(u, t)).toBe(x);
    }
  });

  it('encodes a key so that it decodes to the key, and the ECDH agrees both ways', () => {
    const next = prng(324);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => next(256));
    for (let i = 0; i < 8; i++) {
      const a = ellswiftCreate(bytes);
      const b = ellswiftCreate(bytes);
      expect(ellswiftDecode(a.encoding)).toEqual(secp256k1.getPublicKey(a.priv, true).subarray(1));
      expect(ellswiftEcdhXonly(b.encoding, a.priv)).toEqual(ellswiftEcdhXonly(a.encoding, b.priv));
      const again = ellswiftEncode(secp256k1.getPublicKey(a.priv, true).subarray(1), bytes);
      expect(again).not.toEqual(a.encoding);
      expect(ellswiftDecode(again)).toEqual(ellswiftDecode(a.encoding));
    }
  });

  it('refuses an encoding that is not 64 bytes', () => {
    expectCode(() => ellswiftDecode(new Uint8Array(63)), 'invalid-message');
  });
});
