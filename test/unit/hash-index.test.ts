// The compact hash -> position index: lookups, truncation by size, reuse of stale slots, growth.

import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../src/chain/hash-index.js';

describe('HashIndex', () => {
  it('finds every live position and nothing else, across truncations and growth', () => {
    const buf = new Uint8Array(6000 * 32);
    const hashes: Uint8Array[] = [];
    let size = 0;
    const index = new HashIndex(() => buf, () => size, 4);
    const rand = () => crypto.getRandomValues(new Uint8Array(32));
    const put = (i: number) => {
      hashes[i] = rand();
      buf.set(hashes[i]!, i * 32);
      size++;
      index.add(i);
    };
    for (let i = 0; i < 5000; i++) put(i);
    for (let i = 0; i < 5000; i += 7) expect(index.find(hashes[i]!)).toBe(i);
    expect(index.find(rand())).toBe(-1);
    // Truncate to 3000 and append different hashes at 3000..5999.
    const old = hashes.slice(3000);
    size = 3000;
    for (let i = 3000; i < 6000; i++) put(i);
    for (const h of old) expect(index.find(h)).toBe(-1);
    for (let i = 0; i < 6000; i += 3) expect(index.find(hashes[i]!)).toBe(i);
    index.rebuild();
    for (let i = 0; i < 6000; i += 5) expect(index.find(hashes[i]!)).toBe(i);
  });

  it('keys that collide in their first four bytes still resolve by the full hash', () => {
    const hashes = [0, 1, 2].map((n) => {
      const h = new Uint8Array(32);
      h[31] = n;
      return h;
    });
    const buf = new Uint8Array(96);
    hashes.forEach((h, i) => buf.set(h, i * 32));
    const index = new HashIndex(() => buf, () => 3);
    hashes.forEach((_, i) => index.add(i));
    expect(hashes.map((h) => index.find(h))).toEqual([0, 1, 2]);
  });
});
