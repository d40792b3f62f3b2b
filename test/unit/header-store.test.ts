// The header files: restart without revalidation, reorg truncation, and recovery from damage.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointStart, genesisStart } from '../../src/chain/header-chain.js';
import { chainParams } from '../../src/chain/params.js';
import { headerHash } from '../../src/chain/sha256d.js';
import { HeaderStore } from '../../src/db/header-store.js';
import { mineHeaders } from '../helpers/headers.js';
import { tmpDir } from '../helpers/tmp.js';

const regtest = chainParams('regtest');
const NOW = 1_800_000_000;
const genesisHash = headerHash(regtest.genesis);

function build(dir: string, count: number): { store: HeaderStore; hashes: Uint8Array[] } {
  const store = HeaderStore.open(dir, regtest, genesisStart());
  const m = mineHeaders(genesisHash, count);
  for (let i = 0; i < count; i += 1000) {
    const r = store.chain.add(m.raw.subarray(i * 80, Math.min(count, i + 1000) * 80), NOW);
    if (r.change) store.apply(r.change);
  }
  return { store, hashes: m.hashes };
}

describe('HeaderStore', () => {
  it('resumes after a restart with the same chain', () => {
    const dir = tmpDir();
    const { store, hashes } = build(dir, 3000);
    store.close();
    expect(fs.statSync(path.join(dir, 'headers.bin')).size).toBe(3000 * 80);
    const again = HeaderStore.open(dir, regtest, genesisStart());
    expect(again.chain.height).toBe(3000);
    expect(again.chain.tipHash).toEqual(hashes[2999]);
    expect(again.chain.heightOf(hashes[1234]!)).toBe(1235);
    expect(headerHash(again.readHeader(1235))).toEqual(hashes[1234]);
    expect(again.readHeader(0)).toEqual(regtest.genesis);
    again.close();
  });

  it('a reorg truncates and appends, and survives a restart', () => {
    const dir = tmpDir();
    const { store, hashes } = build(dir, 200);
    const branch = mineHeaders(hashes[99]!, 150, { salt: 5, time: 1_600_000_000 + 100 * 600 });
    const r = store.chain.add(branch.raw, NOW);
    expect(r.change?.forkHeight).toBe(100);
    store.apply(r.change!);
    store.close();
    const again = HeaderStore.open(dir, regtest, genesisStart());
    expect(again.chain.height).toBe(250);
    expect(again.chain.tipHash).toEqual(branch.tip);
    expect(again.chain.heightOf(hashes[150]!)).toBeUndefined();
    again.close();
  });

  it('recovers from a torn write, a missing hash tail and a damaged header', () => {
    const dir = tmpDir();
    const { store, hashes } = build(dir, 500);
    store.close();
    const bin = path.join(dir, 'headers.bin');
    const idx = path.join(dir, 'headers.idx');
    // Torn write: half a header at the end; the hash file lost its last 10 entries.
    fs.appendFileSync(bin, new Uint8Array(40));
    fs.truncateSync(idx, 490 * 32);
    let s = HeaderStore.open(dir, regtest, genesisStart());
    expect(s.chain.height).toBe(500);
    expect(s.chain.heightOf(hashes[499]!)).toBe(500);
    s.close();
    // A flipped byte in header 300's link to its parent: keep what is before it. (Loading does
    // not rehash the whole file, only the tail; links are what it checks everywhere.)
    const data = fs.readFileSync(bin);
    data[299 * 80 + 10] = (data[299 * 80 + 10] ?? 0) ^ 1;
    fs.writeFileSync(bin, data);
    s = HeaderStore.open(dir, regtest, genesisStart());
    expect(s.chain.height).toBe(299);
    expect(fs.statSync(bin).size).toBe(299 * 80);
    s.close();
  });

  it('a store for another network or a later start is discarded', () => {
    const dir = tmpDir();
    build(dir, 50).store.close();
    const json = path.join(dir, 'headers.json');
    fs.writeFileSync(json, JSON.stringify({ format: 1, network: 'main', startHeight: 0 }));
    const s = HeaderStore.open(dir, regtest, genesisStart());
    expect(s.chain.height).toBe(0);
    s.close();
  });

  it('starts at a mainnet checkpoint with the real headers', () => {
    const dir = tmpDir();
    const main = chainParams('main');
    const file = path.resolve(import.meta.dirname, '../vectors/mainnet-headers-000000-010236.bin');
    const raw = new Uint8Array(fs.readFileSync(file)).subarray(8064 * 80);
    const s = HeaderStore.open(dir, main, checkpointStart(main, 8064));
    const r = s.chain.add(raw, NOW);
    s.apply(r.change!);
    s.close();
    const again = HeaderStore.open(dir, main, checkpointStart(main, 8064));
    expect(again.chain.height).toBe(10236);
    expect(again.readHeader(8064)).toEqual(raw.subarray(0, 80));
    again.close();
  });
});
