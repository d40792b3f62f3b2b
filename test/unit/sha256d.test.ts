// The header hasher (src/chain/sha256d.ts) against @noble/hashes' SHA-256, twice, on seeded random input.
//
// The hasher takes 80-byte headers only, a run at a time. So random lengths here are the lengths of
// the buffers a run is read from (any offset, any number of whole headers, junk after them), and
// every other input length, SHA-256's padding edges included, must be refused by `headerHash`.
// A failure names its seed and case; COFFER_HASH_SEED=<n> replays that seed.

import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { headerHash, sha256dHeaders } from '../../src/chain/sha256d.js';
import { prng } from '../helpers/prng.js';

const SEEDS = process.env.COFFER_HASH_SEED ? [Number(process.env.COFFER_HASH_SEED)] : [1, 0x5eed, 0xdecaf, 20_261_205];
const EDGE_LENGTHS = [0, 1, 55, 56, 63, 64, 65, 79, 80, 81, 119, 120, 128, 159, 160, 161, 239, 240];

const oracle = (data: Uint8Array): string => bytesToHex(sha256(sha256(data)));
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Random bytes, often biased to the values that stress 32-bit arithmetic (sign bit, carries). */
function randomBytes(rand: (n: number) => number, length: number): Uint8Array {
  const mode = rand(4);
  const extremes = [0x00, 0xff, 0x80, 0x7f];
  return Uint8Array.from({ length }, () => {
    if (mode === 0) return 0;
    if (mode === 1) return extremes[rand(extremes.length)]!;
    return rand(256);
  });
}

describe('sha256d header hasher against @noble/hashes', () => {
  it('hashes random 80-byte headers as sha256(sha256(header))', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const failures: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const header = randomBytes(rand, 80);
        const copy = header.slice();
        const got = bytesToHex(headerHash(header));
        if (got !== oracle(header)) failures.push(`seed ${seed} case ${i}: header ${bytesToHex(copy)} hashed to ${got}`);
        if (!same(header, copy)) failures.push(`seed ${seed} case ${i}: input changed`);
      }
      expect(failures).toEqual([]);
    }
  });

  it('hashes runs of headers read from buffers of random and edge lengths, at any offsets, writing nothing else', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const lengths = [...EDGE_LENGTHS, ...Array.from({ length: 400 }, () => (rand(4) === 0 ? rand(8000) : rand(500)))];
      const failures: string[] = [];
      lengths.forEach((length, i) => {
        const src = randomBytes(rand, length);
        const srcCopy = src.slice();
        const srcOffset = rand(length + 1);
        const fits = Math.floor((length - srcOffset) / 80);
        const count = rand(3) === 0 ? rand(fits + 1) : fits;
        const outOffset = rand(50);
        const out = randomBytes(rand, outOffset + count * 32 + rand(50));
        const outBefore = out.slice();
        sha256dHeaders(src, srcOffset, count, out, outOffset);
        const where = `seed ${seed} case ${i}: length ${length}, srcOffset ${srcOffset}, count ${count}, outOffset ${outOffset}`;
        for (let n = 0; n < count; n++) {
          const header = src.subarray(srcOffset + n * 80, srcOffset + n * 80 + 80);
          if (bytesToHex(out.subarray(outOffset + n * 32, outOffset + n * 32 + 32)) !== oracle(header)) failures.push(`${where}: header ${n} hashed wrong`);
        }
        if (!same(out.subarray(0, outOffset), outBefore.subarray(0, outOffset))) failures.push(`${where}: wrote before outOffset`);
        if (!same(out.subarray(outOffset + count * 32), outBefore.subarray(outOffset + count * 32))) failures.push(`${where}: wrote past the run`);
        if (!same(src, srcCopy)) failures.push(`${where}: input changed`);
      });
      expect(failures).toEqual([]);
    }
  });

  it('refuses every length but 80, SHA-256 padding edges included', () => {
    for (const length of [...EDGE_LENGTHS.filter((l) => l !== 80), 1000]) {
      expect(() => headerHash(new Uint8Array(length)), `length ${length}`).toThrow(RangeError);
    }
  });

  it('hashes the first 10,237 mainnet headers in one run as @noble/hashes does, each linking to the one before', () => {
    const raw = new Uint8Array(fs.readFileSync(path.resolve(import.meta.dirname, '../vectors/mainnet-headers-000000-010236.bin')));
    const count = raw.length / 80;
    expect(count).toBe(10_237);
    const hashes = new Uint8Array(count * 32);
    sha256dHeaders(raw, 0, count, hashes, 0);
    // Block 0's hash, displayed (reversed) as in every explorer.
    expect(bytesToHex(hashes.subarray(0, 32).slice().reverse())).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    const failures: string[] = [];
    for (let n = 0; n < count; n++) {
      const hash = hashes.subarray(n * 32, n * 32 + 32);
      if (bytesToHex(hash) !== oracle(raw.subarray(n * 80, n * 80 + 80))) failures.push(`header ${n} hashed wrong`);
      if (n + 1 < count && !same(raw.subarray((n + 1) * 80 + 4, (n + 1) * 80 + 36), hash)) failures.push(`header ${n + 1} does not link to ${n}`);
    }
    expect(failures).toEqual([]);
  });
});
