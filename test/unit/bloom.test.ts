// BIP37 bloom filters against Bitcoin Core's murmur3 and bloom filter vectors, plus properties.

import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import {
  BLOOM_UPDATE_ALL,
  BLOOM_UPDATE_NONE,
  BLOOM_UPDATE_P2PUBKEY_ONLY,
  BloomFilter,
  isWithinSizeLimits,
  MAX_BLOOM_FILTER_SIZE,
  MAX_HASH_FUNCS,
  murmur3,
} from '../../src/p2p/bloom.js';
import { decodeMessage, encodeMessage } from '../../src/p2p/messages.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Bitcoin Core src/test/hash_tests.cpp (murmurhash3): [expected, seed, data].
const MURMUR3: [number, number, string][] = [
  [0x00000000, 0x00000000, ''],
  [0x6a396f08, 0xfba4c795, ''],
  [0x81f16f39, 0xffffffff, ''],
  [0x514e28b7, 0x00000000, '00'],
  [0xea3f0b17, 0xfba4c795, '00'],
  [0xfd6cf10d, 0x00000000, 'ff'],
  [0x16c6b7ab, 0x00000000, '0011'],
  [0x8eb51c3d, 0x00000000, '001122'],
  [0xb4471bf8, 0x00000000, '00112233'],
  [0xe2301fa8, 0x00000000, '0011223344'],
  [0xfc2e4a15, 0x00000000, '001122334455'],
  [0xb074502c, 0x00000000, '00112233445566'],
  [0x8034d2a0, 0x00000000, '0011223344556677'],
  [0xb4698def, 0x00000000, '001122334455667788'],
];

// Bitcoin Core src/test/bloom_tests.cpp: the elements and the serialized filters.
const INSERTED = ['99108ad8ed9bb6274d3980bab5a85c048f0950c8', 'b5a2c786d9ef4658287ced5914b37a1b4aa32eee', 'b9300670b4c5366e95b2699e8b18bc75e5f729c5'];
const ONE_BIT_OFF = '19108ad8ed9bb6274d3980bab5a85c048f0950c8';
const SERIALIZED = '03614e9b050000000000000001';
const SERIALIZED_TWEAK = '03ce4299050000000100008001';
// bloom_create_insert_key: the public key of 5Kg1gnAjaLfKiwhhPpGS3QfRg2m6awQvaj98JCZBZQ5SuS2F15C.
const KEY_PUBKEY = '045b81f0017e2091e2edcd5eecf10d5bdd120a5514cb3ee65b8447ec18bfc4575c6d5bf415e54e03b1067934a0f0ba76b01c6b9ab227142ee1d543764b69d901e0';
const SERIALIZED_KEY = '038fc16b080000000000000001';

/** The filterload payload, which is how Core's tests serialize a filter. */
function serialize(f: BloomFilter): string {
  return toHex(encodeMessage({ type: 'filterload', ...f.toFilterload() }).payload);
}


const randomBytes = (rand: (n: number) => number, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rand(256));

describe('murmur3', () => {
  for (const [want, seed, data] of MURMUR3) {
    it(`seed ${seed.toString(16)}, data "${data}"`, () => {
      expect(murmur3(seed, hex(data))).toBe(want);
    });
  }
});

describe('Bitcoin Core bloom filter vectors', () => {
  it('3 elements at 1%, tweak 0, BLOOM_UPDATE_ALL', () => {
    const f = BloomFilter.create(3, 0.01, 0, BLOOM_UPDATE_ALL);
    expect(f.contains(hex(INSERTED[0]!))).toBe(false);
    f.insert(hex(INSERTED[0]!));
    expect(f.contains(hex(INSERTED[0]!))).toBe(true);
    expect(f.contains(hex(ONE_BIT_OFF))).toBe(false);
    for (const e of INSERTED.slice(1)) {
      f.insert(hex(e));
      expect(f.contains(hex(e))).toBe(true);
    }
    expect(serialize(f)).toBe(SERIALIZED);
    f.clear();
    expect(f.contains(hex(INSERTED[0]!))).toBe(false);
  });

  it('the same with tweak 2147483649', () => {
    const f = BloomFilter.create(3, 0.01, 2147483649, BLOOM_UPDATE_ALL);
    for (const e of INSERTED) f.insert(hex(e));
    expect(f.contains(hex(ONE_BIT_OFF))).toBe(false);
    expect(serialize(f)).toBe(SERIALIZED_TWEAK);
  });

  it('a public key and its hash160, 2 elements at 0.1%', () => {
    const pubkey = hex(KEY_PUBKEY);
    const f = BloomFilter.create(2, 0.001, 0, BLOOM_UPDATE_ALL);
    f.insert(pubkey);
    f.insert(ripemd160(sha256(pubkey)));
    expect(serialize(f)).toBe(SERIALIZED_KEY);
  });

  it('a filterload from the wire matches what was inserted', () => {
    const m = decodeMessage('filterload', hex(SERIALIZED));
    if (m.type !== 'filterload') throw new Error(m.type);
    const f = BloomFilter.fromFilterload(m);
    for (const e of INSERTED) expect(f.contains(hex(e))).toBe(true);
    expect(f.contains(hex(ONE_BIT_OFF))).toBe(false);
    expect(f.toFilterload()).toEqual({ filter: hex('614e9b'), hashFuncs: 5, tweak: 0, flags: BLOOM_UPDATE_ALL });
  });
});

describe('sizing', () => {
  it('follows BIP37 with Core integer truncation', () => {
    // 20 elements at 1%: 191.7 bits -> 23 bytes; 184 / 20 -> 9 (integer division) * ln2 = 6.2 -> 6.
    const f = BloomFilter.create(20, 0.01, 0, BLOOM_UPDATE_NONE);
    expect([f.size, f.hashFuncs]).toEqual([23, 6]);
    // 11 elements at 20%: 36.8 bits -> 4 bytes; 32 / 11 -> 2 * ln2 = 1.39 -> 1 hash function.
    // Dividing in floating point would give 2.91 * ln2 = 2.02 -> 2, and a filter Core disagrees with.
    const g = BloomFilter.create(11, 0.2, 0, BLOOM_UPDATE_NONE);
    expect([g.size, g.hashFuncs]).toEqual([4, 1]);
  });

  it('caps the size at 36,000 bytes and the hash functions at 50', () => {
    const big = BloomFilter.create(1_000_000, 0.0001, 0, BLOOM_UPDATE_P2PUBKEY_ONLY);
    expect(big.size).toBe(MAX_BLOOM_FILTER_SIZE);
    expect(big.hashFuncs).toBeLessThanOrEqual(MAX_HASH_FUNCS);
    const sharp = BloomFilter.create(1, 1e-30, 0, 0);
    expect(sharp.hashFuncs).toBe(MAX_HASH_FUNCS);
    expect(isWithinSizeLimits(big.toFilterload())).toBe(true);
  });

  it('an empty filter matches everything, as in Core', () => {
    const f = BloomFilter.create(1, 0.99, 0, 0);
    expect(f.size).toBe(0);
    f.insert(hex('00'));
    expect(f.contains(hex('1234'))).toBe(true);
  });

  it('refuses nonsense arguments', () => {
    expect(() => BloomFilter.create(0, 0.01, 0, 0)).toThrow(RangeError);
    expect(() => BloomFilter.create(10, 0, 0, 0)).toThrow(RangeError);
    expect(() => BloomFilter.create(10, 1, 0, 0)).toThrow(RangeError);
    expect(() => BloomFilter.create(10, 0.01, 2 ** 32, 0)).toThrow(RangeError);
  });

  it('refuses a filterload beyond the BIP37 limits', () => {
    const ok = { filter: new Uint8Array(MAX_BLOOM_FILTER_SIZE), hashFuncs: MAX_HASH_FUNCS, tweak: 0, flags: 0 };
    expect(BloomFilter.fromFilterload(ok).size).toBe(MAX_BLOOM_FILTER_SIZE);
    expect(isWithinSizeLimits({ ...ok, hashFuncs: 51 })).toBe(false);
    expectCode(() => BloomFilter.fromFilterload({ ...ok, filter: new Uint8Array(MAX_BLOOM_FILTER_SIZE + 1) }), 'invalid-message');
    expectCode(() => BloomFilter.fromFilterload({ ...ok, hashFuncs: 51 }), 'invalid-message');
    expectCode(() => BloomFilter.fromFilterload({ ...ok, tweak: -1 }), 'invalid-message');
    expectCode(() => BloomFilter.fromFilterload({ ...ok, flags: 256 }), 'invalid-message');
  });

  it('does not share its bits with the filterload it came from or gave out', () => {
    const fields = { filter: new Uint8Array(10), hashFuncs: 3, tweak: 5, flags: 0 };
    const f = BloomFilter.fromFilterload(fields);
    f.insert(hex('abcd'));
    expect(fields.filter.every((b) => b === 0)).toBe(true);
    f.toFilterload().filter.fill(0);
    expect(f.contains(hex('abcd'))).toBe(true);
  });
});

describe('properties', () => {
  it('never forgets an element, and false positives stay near the target rate', () => {
    const rand = prng(99);
    const f = BloomFilter.create(1000, 0.01, 123456, BLOOM_UPDATE_ALL);
    const inserted = Array.from({ length: 1000 }, () => randomBytes(rand, 1 + rand(40)));
    for (const e of inserted) f.insert(e);
    for (const e of inserted) expect(f.contains(e)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (f.contains(randomBytes(rand, 33))) hits++;
    expect(hits).toBeGreaterThan(20);
    expect(hits).toBeLessThan(250);
  });

  it('different tweaks set different bits', () => {
    const a = BloomFilter.create(10, 0.01, 1, 0);
    const b = BloomFilter.create(10, 0.01, 2, 0);
    a.insert(hex('deadbeef'));
    b.insert(hex('deadbeef'));
    expect(toHex(a.toFilterload().filter)).not.toBe(toHex(b.toFilterload().filter));
  });

  it('murmur3 handles every tail length and gives unsigned 32-bit results', () => {
    const rand = prng(5);
    for (let i = 0; i < 2000; i++) {
      const v = murmur3(rand(2 ** 31) * 2 + rand(2), randomBytes(rand, rand(70)));
      expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
    }
  });

  it('filterload fields from anywhere give a filter or CofferError, 1,500 cases', () => {
    const rand = prng(77);
    let built = 0;
    for (let i = 0; i < 1500; i++) {
      const fields = { filter: randomBytes(rand, rand(3) === 0 ? 36_000 + rand(3) : rand(50)), hashFuncs: rand(60), tweak: rand(2 ** 31) * 2, flags: rand(300) };
      try {
        const f = BloomFilter.fromFilterload(fields);
        f.insert(randomBytes(rand, 8));
        built++;
      } catch (e) {
        if (!(e instanceof CofferError) || e.code !== 'invalid-message') throw e;
      }
    }
    expect(built).toBeGreaterThan(500);
  });
});
