// Gap-limit rules: derivation window and the next receive address.

import { describe, expect, it } from 'vitest';
import { derivationTarget, nextReceive, type PoolEntry } from '../../src/wallet/address-pool.js';

const pool = (n: number, f: (i: number) => Partial<PoolEntry> = () => ({})): PoolEntry[] =>
  Array.from({ length: n }, (_, index) => ({ index, issued: false, used: false, ...f(index) }));

describe('address pool', () => {
  it('derives gap addresses past the last used one', () => {
    expect(derivationTarget([], 20)).toBe(20);
    expect(derivationTarget(pool(20, (i) => ({ used: i === 4 })), 20)).toBe(25);
  });

  it('hands out fresh addresses in order', () => {
    expect(nextReceive(pool(20), 20)).toEqual({ index: 0, reused: false });
    expect(nextReceive(pool(20, (i) => ({ issued: i < 3 })), 20)).toEqual({ index: 3, reused: false });
  });

  it('skips used addresses even if never handed out, and never goes back below the last used one', () => {
    expect(nextReceive(pool(20, (i) => ({ used: i === 0 })), 20)).toEqual({ index: 1, reused: false });
    expect(nextReceive(pool(40, (i) => ({ used: i === 7 })), 20)).toEqual({ index: 8, reused: false });
  });

  it('never goes past the gap window; reuses the oldest unused handed-out address', () => {
    const all = pool(20, () => ({ issued: true }));
    expect(nextReceive(all, 20)).toEqual({ index: 0, reused: true });
    // Using address 5 opens the window up to 25.
    expect(nextReceive(pool(25, (i) => ({ issued: true, used: i === 5 })), 20)).toEqual({ index: 25, reused: false });
    expect(nextReceive(pool(30, (i) => ({ issued: true, used: i === 5 })), 20)).toEqual({ index: 6, reused: true });
  });
});
