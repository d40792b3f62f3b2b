// BIP37 bloom filters: the 32-bit murmur3 hash, Bitcoin Core's sizing rules and filterload fields.
//
// The filter must set exactly the bits Bitcoin Core would: a peer tests our filter with its own
// code, and any difference in sizing or hashing means it silently drops our transactions. So the
// sizing follows Core's arithmetic step by step, integer truncations included.

import { CofferError } from '../api/errors.js';

/** BIP37 limits: a filterload above either is refused by peers. */
export const MAX_BLOOM_FILTER_SIZE = 36_000;
export const MAX_HASH_FUNCS = 50;

/** What a peer adds to the filter when a transaction matches (BIP37 nFlags). */
export const BLOOM_UPDATE_NONE = 0;
export const BLOOM_UPDATE_ALL = 1;
export const BLOOM_UPDATE_P2PUBKEY_ONLY = 2;

// Core's own literals: Math.LN2 ** 2 can differ in the last bit, which can move a boundary.
const LN2SQUARED = 0.4804530139182014246671025263266649717305529515945455;
const LN2 = 0.6931471805599453094172321214581765680755001343602552;

/** Each hash function's seed is this times its index, plus the tweak (BIP37). */
const SEED_STEP = 0xfba4c795;

/** The fields of a filterload message. */
export interface FilterLoad {
  filter: Uint8Array;
  hashFuncs: number;
  tweak: number;
  flags: number;
}

/** MurmurHash3 x86 32-bit, as BIP37 uses it; the result is an unsigned 32-bit integer. */
export function murmur3(seed: number, data: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = data.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= data[tail + 2]! << 16;
    if (rest >= 2) k ^= data[tail + 1]! << 8;
    k ^= data[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when a peer would accept a filter of this size and number of hash functions. */
export function isWithinSizeLimits(f: { filter: Uint8Array; hashFuncs: number }): boolean {
  return f.filter.length <= MAX_BLOOM_FILTER_SIZE && f.hashFuncs <= MAX_HASH_FUNCS;
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

export class BloomFilter {
  private constructor(
    private readonly bits: Uint8Array,
    readonly hashFuncs: number,
    readonly tweak: number,
    readonly flags: number,
  ) {}

  /**
   * A filter sized for `elements` items at the given false-positive rate. Arguments come from
   * our own code, so bad ones are a programming error (RangeError), not a peer's fault.
   */
  static create(elements: number, falsePositiveRate: number, tweak: number, flags: number): BloomFilter {
    if (!Number.isSafeInteger(elements) || elements < 1) throw new RangeError('elements must be a positive integer');
    if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) throw new RangeError('falsePositiveRate must be between 0 and 1');
    if (!isU32(tweak)) throw new RangeError('tweak must be a u32');
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) throw new RangeError('flags must be a byte');
    // Core: min((unsigned)(-1 / LN2SQUARED * n * log(p)), MAX * 8) / 8, evaluated left to right.
    const wantBits = (-1 / LN2SQUARED) * elements * Math.log(falsePositiveRate);
    const bytes = Math.floor(Math.min(Math.trunc(wantBits), MAX_BLOOM_FILTER_SIZE * 8) / 8);
    // Core: min((unsigned)(size * 8 / n * LN2), 50), where size * 8 / n is integer division.
    const hashFuncs = Math.min(Math.trunc(Math.floor((bytes * 8) / elements) * LN2), MAX_HASH_FUNCS);
    return new BloomFilter(new Uint8Array(bytes), hashFuncs, tweak, flags);
  }

  /** A filter from filterload fields (a peer's, or our own stored one). */
  static fromFilterload(f: FilterLoad): BloomFilter {
    if (!isWithinSizeLimits(f) || !isU32(f.hashFuncs)) {
      throw new CofferError('invalid-message', 'The bloom filter is larger than BIP37 allows.', { reason: 'filter too large' });
    }
    if (!isU32(f.tweak) || !Number.isInteger(f.flags) || f.flags < 0 || f.flags > 0xff) {
      throw new CofferError('invalid-message', 'The bloom filter has an out-of-range tweak or flags.', { reason: 'bad tweak or flags' });
    }
    return new BloomFilter(f.filter.slice(), f.hashFuncs, f.tweak, f.flags);
  }

  /** Size of the bit array in bytes. */
  get size(): number {
    return this.bits.length;
  }

  private bitIndex(n: number, data: Uint8Array): number {
    const seed = (Math.imul(n, SEED_STEP) + this.tweak) >>> 0;
    return murmur3(seed, data) % (this.bits.length * 8);
  }

  insert(data: Uint8Array): void {
    // An empty filter matches everything (as in Core, which also avoids the modulo by zero).
    if (this.bits.length === 0) return;
    for (let n = 0; n < this.hashFuncs; n++) {
      const i = this.bitIndex(n, data);
      this.bits[i >>> 3]! |= 1 << (i & 7);
    }
  }

  contains(data: Uint8Array): boolean {
    if (this.bits.length === 0) return true;
    for (let n = 0; n < this.hashFuncs; n++) {
      const i = this.bitIndex(n, data);
      if ((this.bits[i >>> 3]! & (1 << (i & 7))) === 0) return false;
    }
    return true;
  }

  /** Forget every element (for rebuilding with a new tweak, say) while keeping the size. */
  clear(): void {
    this.bits.fill(0);
  }

  toFilterload(): FilterLoad {
    return { filter: this.bits.slice(), hashFuncs: this.hashFuncs, tweak: this.tweak, flags: this.flags };
  }
}
