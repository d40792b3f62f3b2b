// ElligatorSwift public keys for BIP324: the XSwiftEC map, its inverse, encoding and x-only ECDH.
//
// Pure. Field arithmetic is bigint modulo secp256k1's p; the scalar multiplication is noble's, so
// private keys only pass through @noble/curves. Nothing here is secret except `priv`.

import { mod, pow, invert } from '@noble/curves/abstract/modular.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';

export const ELLSWIFT_SIZE = 64;

const P = secp256k1.Point.Fp.ORDER;
const SQRT_EXP = (P + 1n) / 4n;
/** c = sqrt(-3) mod p, the root that is itself a square (BIP324). */
const C = 0xa2d2ba93507f1df233770c2a797962cc61f6d15da14ecd47d8d27ae1cd5f852n;

const add = (a: bigint, b: bigint): bigint => mod(a + b, P);
const sub = (a: bigint, b: bigint): bigint => mod(a - b, P);
const mul = (a: bigint, b: bigint): bigint => mod(a * b, P);
const div = (a: bigint, b: bigint): bigint => mul(a, invert(b, P));
const half = (a: bigint): bigint => div(a, 2n);

/** BIP324's square root: a^((p+1)/4) when that squares back to a, else none. */
function sqrt(a: bigint): bigint | undefined {
  const r = pow(a, SQRT_EXP, P);
  return mul(r, r) === mod(a, P) ? r : undefined;
}

/** u^3 + 7: the curve's right-hand side at x = u. */
const curve = (u: bigint): bigint => add(pow(u, 3n, P), 7n);

/** lift_x(x) succeeds: x is the X coordinate of a point on the curve. */
const isValidX = (x: bigint): boolean => sqrt(curve(x)) !== undefined;

/** XSwiftEC(u, t): the X coordinate a pair of field elements maps to. */
export function xswiftec(uIn: bigint, tIn: bigint): bigint {
  const u = mod(uIn, P) === 0n ? 1n : mod(uIn, P);
  let t = mod(tIn, P) === 0n ? 1n : mod(tIn, P);
  if (add(curve(u), mul(t, t)) === 0n) t = mul(2n, t);
  const X = div(sub(curve(u), mul(t, t)), mul(2n, t));
  const Y = div(add(X, t), mul(C, u));
  const XdivY = div(X, Y);
  for (const x of [add(u, mul(4n, mul(Y, Y))), half(sub(P - XdivY, u)), half(sub(XdivY, u))]) {
    if (isValidX(x)) return x;
  }
  // The map is proven to hit one of the three for every input; reaching here is a bug.
  throw new Error('XSwiftEC found no curve point');
}

/** XSwiftECInv(x, u, case): a t with XSwiftEC(u, t) = x, or none for this case (0..7). */
export function xswiftecInv(x: bigint, u: bigint, branch: number): bigint | undefined {
  let v: bigint;
  let s: bigint;
  if ((branch & 2) === 0) {
    if (isValidX(sub(P - x, u))) return undefined;
    v = x;
    s = div(P - curve(u), add(mul(u, u), add(mul(u, v), mul(v, v))));
  } else {
    s = sub(x, u);
    if (s === 0n) return undefined;
    const r = sqrt(mul(P - s, add(mul(4n, curve(u)), mul(3n, mul(s, mul(u, u))))));
    if (r === undefined) return undefined;
    if ((branch & 1) === 1 && r === 0n) return undefined;
    v = half(sub(div(r, s), u));
  }
  const w = sqrt(s);
  if (w === undefined) return undefined;
  const minusC = (P - C) % P;
  switch (branch & 5) {
    case 0:
      return mod(-mul(w, add(half(mul(u, add(1n, minusC))), v)), P);
    case 1:
      return mul(w, add(half(mul(u, add(1n, C))), v));
    case 4:
      return mul(w, add(half(mul(u, add(1n, minusC))), v));
    default:
      return mod(-mul(w, add(half(mul(u, add(1n, C))), v)), P);
  }
}

/** The X coordinate a 64-byte encoding stands for (u and t are read mod p). */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  if (encoding.length !== ELLSWIFT_SIZE) {
    throw new CofferError('invalid-message', 'An ElligatorSwift key is 64 bytes.', { reason: 'bad ellswift length' });
  }
  const x = xswiftec(bytesToNumberBE(encoding.subarray(0, 32)), bytesToNumberBE(encoding.subarray(32)));
  return numberToBytesBE(x, 32);
}

/** A uniformly random 64-byte encoding of the X coordinate `x32` (XElligatorSwift). */
export function ellswiftEncode(x32: Uint8Array, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const x = bytesToNumberBE(x32);
  for (;;) {
    const r = random(33);
    const u = mod(bytesToNumberBE(r.subarray(0, 32)), P);
    const t = u === 0n ? undefined : xswiftecInv(x, u, r[32]! & 7);
    if (t !== undefined) {
      const out = new Uint8Array(ELLSWIFT_SIZE);
      out.set(numberToBytesBE(u, 32), 0);
      out.set(numberToBytesBE(t, 32), 32);
      return out;
    }
  }
}

export interface EllswiftKey {
  priv: Uint8Array;
  encoding: Uint8Array;
}

/** ellswift_create: a fresh private key and an encoding of its public key. */
export function ellswiftCreate(random: (n: number) => Uint8Array = randomBytes): EllswiftKey {
  const priv = secp256k1.utils.randomSecretKey();
  return { priv, encoding: ellswiftEncode(secp256k1.getPublicKey(priv, true).subarray(1), random) };
}

/** ellswift_ecdh_xonly: x(priv * lift_x(XSwiftEC(theirs))), 32 bytes. */
export function ellswiftEcdhXonly(theirs: Uint8Array, priv: Uint8Array): Uint8Array {
  const pub = new Uint8Array(33);
  pub[0] = 2;
  pub.set(ellswiftDecode(theirs), 1);
  const shared = secp256k1.getSharedSecret(priv, pub, true);
  const x = shared.slice(1);
  shared.fill(0);
  return x;
}

/** BIP324's shared secret: tagged hash of both encodings (initiator's first) and the ECDH x. */
export function v2Ecdh(priv: Uint8Array, theirs: Uint8Array, ours: Uint8Array, initiating: boolean): Uint8Array {
  const x = ellswiftEcdhXonly(theirs, priv);
  const [first, second] = initiating ? [ours, theirs] : [theirs, ours];
  const secret = schnorr.utils.taggedHash('bip324_ellswift_xonly_ecdh', first, second, x);
  x.fill(0);
  return secret;
}
