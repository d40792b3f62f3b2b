// Fee estimates from recent blocks: each real block's fees, vsize and weight (Bitcoin Core's BIP158
// test blocks, testnet3, figures decoded independently of Coffer), the rule from six blocks, and
// the cache that fetches only the blocks it lacks and keeps their summaries on disk.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { checkMerkleRoot, parseBlock, type Block } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { BLOCK_FEES_FILE, RecentBlockFees } from '../../src/node/recent-blocks.js';
import { estimateFromBlocks, feeEstimateMode, subsidy, summarizeBlock, usesRecentBlocks, type BlockFeeSummary } from '../../src/wallet/block-fees.js';
import { expectCode } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

type Row = [number, string, string, ...unknown[]];
const rows = loadVectors<unknown[]>('bip158_blockfilters.json').slice(1) as Row[];
const raw = (height: number) => Buffer.from(rows.find((r) => r[0] === height)![2], 'hex');

describe('a block summary', () => {
  // Coinbase outputs less the subsidy, the non-coinbase transactions' vsize and the block's weight,
  // read from the bytes by a separate decoder (testnet3 halves every 210,000 blocks, like `test`).
  const known: [number, Omit<BlockFeeSummary, 'height' | 'hash'>][] = [
    [0, { feesSat: 0, vsize: 0, weight: 1140, txCount: 1 }],
    [49291, { feesSat: 100_000, vsize: 1408, weight: 6388, txCount: 2 }],
    [180480, { feesSat: 120_000, vsize: 1154, weight: 5376, txCount: 5 }],
    [926485, { feesSat: 51_300, vsize: 1445, weight: 7055, txCount: 5 }],
    [987876, { feesSat: 0, vsize: 0, weight: 772, txCount: 1 }],
    [1263442, { feesSat: 2_940, vsize: 120, weight: 1508, txCount: 2 }],
  ];
  for (const [height, want] of known) {
    it(`real block ${height}: fees ${want.feesSat} sats over ${want.vsize} vB`, () => {
      const block = parseBlock(raw(height));
      checkMerkleRoot(block);
      const hash = rows.find((r) => r[0] === height)![1];
      expect(summarizeBlock(block, height, 'test')).toEqual({ height, hash, ...want });
    });
  }

  it('a block without witnesses weighs four times its size', () => {
    for (const height of [49291, 180480]) expect(summarizeBlock(parseBlock(raw(height)), height, 'test').weight).toBe(raw(height).length * 4);
  });

  it('subsidy: 50 BTC halving every 210,000 blocks (150 on regtest), none after 64 halvings', () => {
    expect(subsidy(0, 'main')).toBe(5_000_000_000);
    expect(subsidy(209_999, 'main')).toBe(5_000_000_000);
    expect(subsidy(210_000, 'main')).toBe(2_500_000_000);
    expect(subsidy(840_000, 'main')).toBe(312_500_000);
    expect(subsidy(1_263_442, 'test')).toBe(78_125_000);
    expect(subsidy(149, 'regtest')).toBe(5_000_000_000);
    expect(subsidy(150, 'regtest')).toBe(2_500_000_000);
    expect(subsidy(450, 'regtest')).toBe(625_000_000);
    expect(subsidy(64 * 210_000, 'main')).toBe(0);
    expect(subsidy(33 * 210_000, 'main')).toBe(0); // 5e9 >> 33 rounds down to nothing
    expect(subsidy(32 * 210_000, 'main')).toBe(1);
  });

  it('a miner that claims less than the subsidy made no fees, never negative', () => {
    // Block 1263442 read as if it were at height 0: its coinbase claims less than 50 BTC.
    expect(summarizeBlock(parseBlock(raw(1263442)), 0, 'test').feesSat).toBe(0);
  });

  it('a truncated block, or one whose first transaction is no coinbase, is a typed error', () => {
    const bytes = raw(49291);
    for (const cut of [81, 200, bytes.length - 1]) expectCode(() => parseBlock(bytes.subarray(0, cut)), 'invalid-message');
    const block = parseBlock(bytes);
    const swapped: Block = { ...block, txs: [block.txs[1]!, block.txs[0]!] };
    expect(expectCode(() => summarizeBlock(swapped, 49291, 'test'), 'invalid-message').message).toMatch(/first transaction is not a coinbase/);
    const twice: Block = { ...block, txs: [block.txs[0]!, block.txs[0]!] };
    expectCode(() => summarizeBlock(twice, 49291, 'test'), 'invalid-message');
  });
});

/** A summary at `height` paying `rate` sat/vB over 999,000 vB, full unless said. */
const block = (height: number, rate: number, full = true): BlockFeeSummary => {
  const vsize = full ? 999_000 : 1_000;
  return { height, hash: height.toString(16).padStart(64, '0'), feesSat: Math.round(rate * vsize), vsize, weight: full ? 4 * vsize : 4 * vsize + 1000, txCount: 2 };
};
const chain = (rates: (number | 'room')[], from = 100) => rates.map((r, i) => (r === 'room' ? block(from + i, 50, false) : block(from + i, r)));

describe('the rule from six blocks', () => {
  it('fast: highest of the last 3; normal: median of 6; slow: lowest of 6', () => {
    expect(estimateFromBlocks(chain([30, 4, 12, 8, 20, 6]), 1)).toEqual({ fast: 20, normal: 10, slow: 4 });
  });

  it('a block with room counts at the relay floor, whatever it paid', () => {
    expect(estimateFromBlocks(chain([30, 'room', 12, 8, 'room', 6]), 1)).toEqual({ fast: 8, normal: 7, slow: 1 });
    expect(estimateFromBlocks(chain(['room', 'room', 'room', 'room', 'room', 'room']), 2.5)).toEqual({ fast: 2.5, normal: 2.5, slow: 2.5 });
  });

  it('90% full (3,600,000 WU) is full; one weight unit less is not', () => {
    const at = (weight: number) => ({ ...block(105, 40), weight });
    expect(estimateFromBlocks([...chain([5, 5, 5, 5, 5]), at(3_600_000)], 1)!.fast).toBe(40);
    expect(estimateFromBlocks([...chain([5, 5, 5, 5, 5]), at(3_599_999)], 1)!.fast).toBe(5);
  });

  it('no rate is below the floor, and fast >= normal >= slow', () => {
    expect(estimateFromBlocks(chain([2, 2, 2, 2, 2, 2]), 3)).toEqual({ fast: 3, normal: 3, slow: 3 });
    // The last three paid little, the first three much: fast (last 3) would be below the median.
    expect(estimateFromBlocks(chain([50, 50, 50, 2, 2, 2]), 1)).toEqual({ fast: 26, normal: 26, slow: 2 });
  });

  it('rounds up to 0.1 sat/vB', () => {
    const odd = (h: number): BlockFeeSummary => ({ ...block(h, 1), feesSat: 1_234_567, vsize: 1_000_000 });
    // 1.234567 sat/vB: 1.3; the floor 1.001 (a feefilter of 1,001 sat/kvB) is 1.1.
    expect(estimateFromBlocks([100, 101, 102, 103, 104, 105].map(odd), 1)).toEqual({ fast: 1.3, normal: 1.3, slow: 1.3 });
    expect(estimateFromBlocks(chain(['room', 'room', 'room', 'room', 'room', 'room']), 1.001)).toEqual({ fast: 1.1, normal: 1.1, slow: 1.1 });
    expect(estimateFromBlocks(chain([1.1, 1.1, 1.1, 1.1, 1.1, 1.1]), 1)).toEqual({ fast: 1.1, normal: 1.1, slow: 1.1 });
  });

  it('fewer than 6 blocks, or a gap, give no estimate; more use the 6 highest, in any order', () => {
    expect(estimateFromBlocks(chain([10, 10, 10, 10, 10]), 1)).toBeUndefined();
    expect(estimateFromBlocks([], 1)).toBeUndefined();
    const gap = chain([10, 10, 10, 10, 10, 10]).map((s, i) => (i === 5 ? { ...s, height: s.height + 1 } : s));
    expect(estimateFromBlocks(gap, 1)).toBeUndefined();
    expect(estimateFromBlocks(chain([99, 99, 4, 12, 8, 20, 6, 30]).reverse(), 1)).toEqual({ fast: 30, normal: 10, slow: 4 });
  });

  it('the setting: auto estimates from blocks except on regtest; blocks everywhere; presets nowhere', () => {
    expect(usesRecentBlocks('auto', 'main')).toBe(true);
    expect(usesRecentBlocks('auto', 'signet')).toBe(true);
    expect(usesRecentBlocks('auto', 'regtest')).toBe(false);
    expect(usesRecentBlocks('blocks', 'regtest')).toBe(true);
    expect(usesRecentBlocks('presets', 'main')).toBe(false);
    expect(feeEstimateMode('blocks')).toBe('blocks');
    expect(feeEstimateMode('BLOCKS')).toBeUndefined();
    expect(feeEstimateMode(undefined)).toBeUndefined();
  });
});

describe('the recent blocks cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-block-fees-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // A chain of the BIP158 blocks at made-up consecutive heights: the summaries are what matter.
  const blocks = rows.map((r) => parseBlock(Buffer.from(r[2], 'hex')));
  /** The tip was mined ten minutes before the tests started. */
  const started = Math.floor(Date.now() / 1000);
  const fakeChain = (tip: number) => ({ baseHeight: 0, height: tip, hashAt: (h: number) => blocks[h]!.hash, timeAt: () => started - 600 });
  const host = (tip: number, fetched: number[], block?: (hash: Uint8Array) => Promise<Block>) => ({
    chain: fakeChain(tip),
    network: 'test' as const,
    dir,
    log: () => {},
    block:
      block ??
      (async (hash: Uint8Array) => {
        const i = blocks.findIndex((b) => hashToHex(b.hash) === hashToHex(hash));
        fetched.push(i);
        return blocks[i]!;
      }),
  });

  it('fetches the last 6 blocks once, then only a new one; a new process reads them from disk', async () => {
    const fetched: number[] = [];
    const recent = new RecentBlockFees(host(6, fetched));
    const first = await recent.lastBlocks(5_000);
    expect(first.map((s) => s.height)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fetched).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first[3]!.feesSat).toBe(summarizeBlock(blocks[4]!, 4, 'test').feesSat);
    await recent.lastBlocks(5_000);
    expect(fetched).toHaveLength(6);
    // A later process with one more block: five summaries come from the file.
    const later: number[] = [];
    const again = await new RecentBlockFees(host(7, later)).lastBlocks(5_000);
    expect(later).toEqual([7]);
    expect(again.map((s) => s.hash)).toEqual([2, 3, 4, 5, 6, 7].map((h) => hashToHex(blocks[h]!.hash)));
  });

  it('a damaged file is ignored and replaced', async () => {
    fs.writeFileSync(path.join(dir, BLOCK_FEES_FILE), '{"blocks": [{"height": -1}');
    const fetched: number[] = [];
    expect(await new RecentBlockFees(host(6, fetched)).lastBlocks(5_000)).toHaveLength(6);
    expect(fetched).toHaveLength(6);
    expect(JSON.parse(fs.readFileSync(path.join(dir, BLOCK_FEES_FILE), 'utf8')).blocks).toHaveLength(6);
  });

  it('a peer that does not answer in time is a typed error, not a hang; the download goes on for the next ask', async () => {
    fs.rmSync(path.join(dir, BLOCK_FEES_FILE));
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const slowPeer = async (hash: Uint8Array) => {
      await held;
      return blocks.find((b) => hashToHex(b.hash) === hashToHex(hash))!;
    };
    const recent = new RecentBlockFees(host(6, [], slowPeer));
    const err = await recent.lastBlocks(50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CofferError);
    expect((err as CofferError).code).toBe('backend-unavailable');
    release();
    expect(await recent.lastBlocks(5_000)).toHaveLength(6);
  });

  it('a block with two coinbases fails the fetch with its typed error', async () => {
    fs.rmSync(path.join(dir, BLOCK_FEES_FILE), { force: true });
    const recent = new RecentBlockFees(host(6, [], async () => ({ ...blocks[1]!, txs: [blocks[1]!.txs[0]!, blocks[1]!.txs[0]!] })));
    await expect(recent.lastBlocks(5_000)).rejects.toMatchObject({ code: 'invalid-message' });
  });

  it('a tip older than 3 hours is stale: nothing fetched, a typed error', async () => {
    const fetched: number[] = [];
    const recent = new RecentBlockFees(host(6, fetched));
    await expect(recent.lastBlocks(5_000, started + 3 * 3600 - 600)).resolves.toHaveLength(6);
    const n = fetched.length;
    await expect(recent.lastBlocks(5_000, started + 3 * 3600 - 599)).rejects.toMatchObject({ code: 'backend-unavailable', message: expect.stringContaining('3 hours old') });
    expect(fetched).toHaveLength(n);
  });

  it('a chain shorter than 6 blocks gives what there is (and no estimate)', async () => {
    const short = await new RecentBlockFees(host(2, [])).lastBlocks(5_000);
    expect(short.map((s) => s.height)).toEqual([0, 1, 2]);
    expect(estimateFromBlocks(short, 1)).toBeUndefined();
  });
});
