// BIP158 basic filters: SipHash-2-4's reference vectors, every row of Bitcoin Core's filter vectors
// (filter bytes, headers, matching), and typed errors for malformed filters and inputs.

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import {
  BASIC_FILTER_M,
  basicFilter,
  basicFilterElements,
  decodeFilter,
  encodeFilter,
  filterHeader,
  matchAny,
  siphash24,
} from '../../src/chain/bip158.js';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex, hexToHash } from '../../src/chain/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';
import { loadVectors } from '../helpers/vectors.js';

type Row = [number, string, string, string[], string, string, string, string];
const rows = loadVectors<unknown[]>('bip158_blockfilters.json').slice(1) as Row[];

function randomScripts(seed: number, count: number, length = 22): Uint8Array[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length }, () => rand(256)));
}

describe('SipHash-2-4', () => {
  // The reference implementation's 64 vectors: key 00..0f, message 00..(i-1); output bytes little-endian.
  const v = loadVectors<{ key: string; outputs: string[] }>('siphash24_vectors.json');
  it.each(v.outputs.map((out, i) => [i, out] as const))('message of %i bytes', (len, expected) => {
    const { hi, lo } = siphash24(hexToBytes(v.key), Uint8Array.from({ length: len }, (_, i) => i));
    const le = new Uint8Array(8);
    new DataView(le.buffer).setUint32(0, lo, true);
    new DataView(le.buffer).setUint32(4, hi, true);
    expect(bytesToHex(le)).toBe(expected);
  });
});

describe('basic filters: Bitcoin Core vectors', () => {
  it.each(rows)('height %i', (height, hash, blockHex, prevouts, prevHeader, filterHex, headerHex) => {
    const block = parseBlock(hexToBytes(blockHex));
    expect(hashToHex(block.hash)).toBe(hash);
    const filter = basicFilter(block, prevouts.map(hexToBytes));
    expect(bytesToHex(filter)).toBe(filterHex);
    const header = filterHeader(filter, hexToHash(prevHeader)!);
    expect(hashToHex(header)).toBe(headerHex);
    expect(height).toBeGreaterThanOrEqual(0);
  });

  it.each(rows)('height %i: every element matches, alone and among many scripts', (_h, _hash, blockHex, prevouts, _p, filterHex) => {
    const block = parseBlock(hexToBytes(blockHex));
    const filter = hexToBytes(filterHex);
    const elements = basicFilterElements(block, prevouts.map(hexToBytes));
    expect(decodeFilter(filter)).toHaveLength(elements.length);
    const others = randomScripts(elements.length + 7, 1000);
    for (const e of elements) {
      expect(matchAny(filter, block.hash, [e])).toBe(true);
      expect(matchAny(filter, block.hash, [...others.slice(0, 500), e, ...others.slice(500)])).toBe(true);
    }
    // 1,000 scripts not in the block: a false positive has odds of about N * 1000 / 784,931; seeded, so stable.
    expect(matchAny(filter, block.hash, others)).toBe(false);
  });

  it('leaves out OP_RETURN and empty scripts, and counts each script once', () => {
    const row = rows.find((r) => r[7] === 'Duplicate pushdata 913bcc2be49cb534c20474c4dee1e9c4c317e7eb')!;
    const block = parseBlock(hexToBytes(row[2]));
    const prevouts = row[3].map(hexToBytes);
    const elements = basicFilterElements(block, prevouts);
    const hexes = elements.map(bytesToHex);
    expect(new Set(hexes).size).toBe(hexes.length);
    expect(hexes.every((h) => h.length > 0 && !h.startsWith('6a'))).toBe(true);
    expect(elements.length).toBeLessThan(block.txs.flatMap((t) => t.tx.outputs).length + prevouts.length);
  });
});

describe('filter coding', () => {
  it('decodes to the sorted values it was built from, within [0, N * M)', () => {
    const hash = new Uint8Array(32).fill(7);
    const scripts = randomScripts(1, 3000, 34);
    const filter = encodeFilter(hash, scripts);
    const values = decodeFilter(filter);
    expect(values).toHaveLength(3000);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values[values.length - 1]!).toBeLessThan(3000 * BASIC_FILTER_M);
    expect(scripts.every((s) => matchAny(filter, hash, [s]))).toBe(true);
  });

  it('an empty set is the single byte 00 and matches nothing', () => {
    const hash = new Uint8Array(32);
    const filter = encodeFilter(hash, []);
    expect(bytesToHex(filter)).toBe('00');
    expect(matchAny(filter, hash, randomScripts(2, 10))).toBe(false);
  });
});

describe('malformed filters and inputs', () => {
  const hash = new Uint8Array(32).fill(3);
  const good = encodeFilter(hash, randomScripts(3, 50));

  it('a truncated filter is invalid-message', () => {
    for (const cut of [0, 1, 5, good.length - 10]) {
      const err = expectCode(() => decodeFilter(good.subarray(0, cut)), 'invalid-message');
      expect(err.message).toMatch(/compact block filter/);
    }
    expectCode(() => matchAny(good.subarray(0, good.length - 10), hash, randomScripts(4, 5)), 'invalid-message');
  });

  it('a count larger than the data can hold is invalid-message', () => {
    expectCode(() => decodeFilter(hexToBytes('fe00000001ffff')), 'invalid-message');
    expectCode(() => decodeFilter(hexToBytes('ff0000000001000000')), 'invalid-message');
  });

  it('a wrong number of previous output scripts is invalid-message', () => {
    const row = rows.find((r) => r[3].length > 0)!;
    const block = parseBlock(hexToBytes(row[2]));
    expectCode(() => basicFilter(block, row[3].slice(1).map(hexToBytes)), 'invalid-message');
    expectCode(() => basicFilter(block, [...row[3], '51'].map(hexToBytes)), 'invalid-message');
  });

  it('random bytes give a boolean or a typed error, never a crash', () => {
    const rand = prng(99);
    const query = randomScripts(5, 20);
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: rand(64) }, () => rand(256));
      try {
        expect(typeof matchAny(bytes, hash, query)).toBe('boolean');
        decodeFilter(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(CofferError);
        expect((e as CofferError).code).toBe('invalid-message');
      }
    }
  });
});
