// The filter-header chain's pure parts: windows between checkpoints, headers chained from filter
// hashes (against Bitcoin Core's BIP158 vectors), and whether a filter can be a block's.

import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { basicFilterElements, encodeFilter, filterHash } from '../../src/chain/bip158.js';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex, hexToHash } from '../../src/chain/bytes.js';
import { chainHeaders, filterFitsBlock, nextHeader, windowOf } from '../../src/node/filter-headers.js';
import { loadVectors } from '../helpers/vectors.js';

type Row = [number, string, string, string[], string, string, string, string];
const rows = loadVectors<unknown[]>('bip158_blockfilters.json').slice(1) as Row[];

describe('windows', () => {
  it('run from one checkpoint to the next: 0..1000, then 1001..2000, ...', () => {
    expect(windowOf(0)).toEqual({ index: 0, start: 0, end: 1000 });
    expect(windowOf(1)).toEqual({ index: 0, start: 0, end: 1000 });
    expect(windowOf(1000)).toEqual({ index: 0, start: 0, end: 1000 });
    expect(windowOf(1001)).toEqual({ index: 1, start: 1001, end: 2000 });
    expect(windowOf(2000)).toEqual({ index: 1, start: 1001, end: 2000 });
    expect(windowOf(953_567)).toEqual({ index: 953, start: 953_001, end: 954_000 });
  });
});

describe('filter headers', () => {
  it('chain from filter hashes as BIP157 says: each vector row\'s header from its filter and the previous header', () => {
    for (const [, , , , prev, filter, header] of rows) {
      expect(hashToHex(nextHeader(filterHash(hexToBytes(filter)), hexToHash(prev)!))).toBe(header);
      expect(hashToHex(chainHeaders(hexToHash(prev)!, [filterHash(hexToBytes(filter))]))).toBe(header);
    }
  });

  it('chain a run of hashes to the header after the last, and a run of none to the one before', () => {
    const prev = new Uint8Array(32).fill(7);
    const hashes = rows.map((r) => filterHash(hexToBytes(r[5])));
    const stepwise = hashes.reduce((h, f) => nextHeader(f, h), prev);
    expect(chainHeaders(prev, hashes)).toEqual(stepwise);
    expect(chainHeaders(prev, [])).toEqual(prev);
  });
});

describe('a filter that fits its block', () => {
  it('holds every output script but OP_RETURN; one that leaves any out does not fit', () => {
    for (const [, , blockHex, prevouts, , filterHex] of rows) {
      const block = parseBlock(hexToBytes(blockHex));
      expect(filterFitsBlock(hexToBytes(filterHex), block)).toBe(true);
      const outputs = basicFilterElements(block, prevouts.map(() => new Uint8Array(0)));
      // Without the spent scripts (all a light client can check) it still fits.
      expect(filterFitsBlock(encodeFilter(block.hash, outputs), block)).toBe(true);
      if (outputs.length === 0) continue;
      for (let i = 0; i < outputs.length; i++) {
        expect(filterFitsBlock(encodeFilter(block.hash, outputs.filter((_, j) => j !== i)), block)).toBe(false);
      }
      expect(filterFitsBlock(encodeFilter(block.hash, []), block)).toBe(false);
    }
  });
});
