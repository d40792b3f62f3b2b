// Proof of work: compact nBits <-> 256-bit targets, hash-vs-target checks, work per target.

/** Decode nBits; undefined for negative or overflowing encodings (invalid as a header target). */
export function bitsToTarget(bits: number): bigint | undefined {
  const exponent = bits >>> 24;
  let word = bits & 0x007fffff;
  if (exponent <= 3) word >>>= 8 * (3 - exponent);
  if (word !== 0 && (bits & 0x00800000) !== 0) return undefined;
  if (word !== 0 && (exponent > 34 || (word > 0xff && exponent > 33) || (word > 0xffff && exponent > 32))) return undefined;
  return exponent <= 3 ? BigInt(word) : BigInt(word) << BigInt(8 * (exponent - 3));
}

/** Encode a target as nBits (Bitcoin Core's GetCompact), never setting the sign bit. */
export function targetToBits(target: bigint): number {
  if (target <= 0n) return 0;
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let mantissa = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  if (mantissa & 0x00800000) {
    mantissa >>>= 8;
    size++;
  }
  return ((size << 24) | mantissa) >>> 0;
}

/** Work represented by a target: 2^256 / (target + 1). */
export function targetWork(target: bigint): bigint {
  return (1n << 256n) / (target + 1n);
}

const workCache = new Map<number, bigint>();

/** Work of one header with these (valid) bits, cached: bits change at most once per 2016 blocks. */
export function bitsWork(bits: number): bigint {
  let w = workCache.get(bits);
  if (w === undefined) {
    const target = bitsToTarget(bits);
    w = target === undefined || target === 0n ? 0n : targetWork(target);
    if (workCache.size > 10_000) workCache.clear();
    workCache.set(bits, w);
  }
  return w;
}

/** The target as eight big-endian 32-bit words, for allocation-free comparison with hashes. */
export function targetWords(target: bigint): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 7; i >= 0; i--) {
    words[i] = Number(target & 0xffffffffn);
    target >>= 32n;
  }
  return words;
}

/**
 * Whether a hash (internal byte order, as hashed) is at or below a target given as big-endian
 * words. The hash is a little-endian number, so compare from its last byte down.
 */
export function hashMeetsTarget(hash: Uint8Array, offset: number, target: Uint32Array): boolean {
  for (let w = 0; w < 8; w++) {
    const p = offset + 31 - w * 4;
    const hw = ((hash[p]! << 24) | (hash[p - 1]! << 16) | (hash[p - 2]! << 8) | hash[p - 3]!) >>> 0;
    const tw = target[w]!;
    if (hw < tw) return true;
    if (hw > tw) return false;
  }
  return true;
}

