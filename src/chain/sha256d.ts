// Double SHA-256 of 80-byte block headers, many at a time, without allocating.
//
// Header validation is dominated by hashing; a general-purpose hasher spends most of its time on
// buffering and allocation for such short inputs. This one hard-codes the two padded blocks of an
// 80-byte message and the one padded block of the 32-byte second pass. Only public data (block
// headers) goes through it; tests check it against @noble/hashes on random input.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const H = new Int32Array(8);

/** One SHA-256 compression of W[0..15] into H. */
function compress(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + (g ^ (e & (f ^ g))) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

function be32(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

/**
 * Hash `count` consecutive 80-byte headers of `src` (from byte `srcOffset`) into `out` (32 bytes
 * each, from byte `outOffset`), in internal byte order (the order `prevHash` fields use).
 */
export function sha256dHeaders(src: Uint8Array, srcOffset: number, count: number, out: Uint8Array, outOffset: number): void {
  for (let n = 0; n < count; n++) {
    const o = srcOffset + n * 80;
    // First pass, block 1: bytes 0..63.
    H.set(IV);
    for (let i = 0; i < 16; i++) W[i] = be32(src, o + i * 4);
    compress();
    // Block 2: bytes 64..79, then 0x80, zeros, and the bit length 640.
    for (let i = 0; i < 4; i++) W[i] = be32(src, o + 64 + i * 4);
    W[4] = 0x80000000 | 0;
    for (let i = 5; i < 15; i++) W[i] = 0;
    W[15] = 640;
    compress();
    // Second pass: the 32-byte digest, 0x80, zeros, bit length 256.
    for (let i = 0; i < 8; i++) W[i] = H[i]!;
    W[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) W[i] = 0;
    W[15] = 256;
    H.set(IV);
    compress();
    const p = outOffset + n * 32;
    for (let i = 0; i < 8; i++) {
      const v = H[i]!;
      out[p + i * 4] = v >>> 24;
      out[p + i * 4 + 1] = v >>> 16;
      out[p + i * 4 + 2] = v >>> 8;
      out[p + i * 4 + 3] = v;
    }
  }
}

/** Double SHA-256 of one 80-byte header. */
export function headerHash(header: Uint8Array): Uint8Array {
  if (header.length !== 80) throw new RangeError('a block header is 80 bytes');
  const out = new Uint8Array(32);
  sha256dHeaders(header, 0, 1, out, 0);
  return out;
}
