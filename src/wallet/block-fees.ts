// Fee estimates from recent blocks, for the light clients (which see no mempool and run no
// estimator): what each block paid, from its coinbase, and a rule from the last six to rates.
//
// A block's fees are its coinbase's outputs less the subsidy at its height (50 BTC halving every
// 210,000 blocks, every 150 on regtest), so no previous output is needed; its vsize is that of its
// other transactions. A miner that claims less than it may makes the figure low, never high.
//
// The rule, from the last 6 blocks of the chain (fewer: no estimate; the presets apply):
//  - a block's clearing rate is its average fee rate if it was at least 90% full (3,600,000 WU),
//    else the relay floor: a block with room took everything that paid the floor;
//  - fast = the highest clearing rate of the last 3; normal = the median of the 6; slow = the
//    lowest of the 6;
//  - each at least the floor, fast >= normal >= slow, rounded up to 0.1 sat/vB.

import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import type { Block } from '../chain/block.js';
import { isCoinbase, vsize, weight } from '../chain/tx.js';
import type { Network } from '../keys/networks.js';

/** Blocks the estimate needs. */
export const FEE_BLOCKS = 6;
/** A block at least this heavy (90% of the 4,000,000 WU limit) is full: its rate cleared the market. */
export const FULL_BLOCK_WEIGHT = 3_600_000;
/** How `fees.get` names estimates made by this rule. */
export const BLOCK_FEES_SOURCE = `the last ${FEE_BLOCKS} blocks' fee rates (blocks with room count at the relay floor)`;

/** The wallet's `fee-estimates` setting: a light client estimates from recent blocks, or always uses the presets. */
export const FEE_ESTIMATES_SETTING = 'fee-estimates';
export const FEE_ESTIMATE_MODES = ['auto', 'blocks', 'presets'] as const;
export type FeeEstimateMode = (typeof FEE_ESTIMATE_MODES)[number];

/** The mode a setting's text names, if any. */
export function feeEstimateMode(text: string | undefined): FeeEstimateMode | undefined {
  return FEE_ESTIMATE_MODES.find((m) => m === text);
}

/** What one block paid. */
export interface BlockFeeSummary {
  height: number;
  /** Display hex. */
  hash: string;
  /** Satoshis paid by its transactions (coinbase outputs less the subsidy). */
  feesSat: number;
  /** Virtual size of its transactions other than the coinbase. */
  vsize: number;
  /** The whole block's weight. */
  weight: number;
  txCount: number;
}

export interface BlockEstimates {
  fast: number;
  normal: number;
  slow: number;
}

/** Whether a light client estimates from recent blocks: `auto` does everywhere but regtest, which has no fee market. */
export function usesRecentBlocks(mode: FeeEstimateMode, network: Network): boolean {
  return mode === 'blocks' || (mode === 'auto' && network !== 'regtest');
}

/** The block subsidy at a height, in satoshis. */
export function subsidy(height: number, network: Network): number {
  const halvings = Math.floor(height / (network === 'regtest' ? 150 : 210_000));
  return halvings >= 64 ? 0 : Math.floor(5_000_000_000 / 2 ** halvings);
}

function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** What a block paid; the block is one whose Merkle root and witnesses were checked (its source does). */
export function summarizeBlock(block: Block, height: number, network: Network): BlockFeeSummary {
  const [coinbase, ...rest] = block.txs;
  const bad = (reason: string) => new CofferError('invalid-message', `The block at height ${height} is invalid: ${reason}.`, { reason });
  if (!coinbase || !isCoinbase(coinbase.tx)) throw bad('its first transaction is not a coinbase');
  if (rest.some((t) => isCoinbase(t.tx))) throw bad('a second coinbase');
  const claimed = coinbase.tx.outputs.reduce((sum, o) => sum + o.value, 0);
  const txWeight = block.txs.reduce((sum, t) => sum + weight(t.tx), 0);
  return {
    height,
    hash: hashToHex(block.hash),
    feesSat: Math.max(0, claimed - subsidy(height, network)),
    vsize: rest.reduce((sum, t) => sum + vsize(t.tx), 0),
    weight: (80 + varintSize(block.txs.length)) * 4 + txWeight,
    txCount: block.txs.length,
  };
}

/** A rate in tenths of a sat/vB, rounded up (rates come with at most three decimals: feefilter / 1000). */
function tenths(rate: number): number {
  return Math.ceil(Math.round(rate * 1000) / 100);
}

/** A block's clearing rate in tenths of a sat/vB: its average rate when full, else the floor. */
function clearing(s: BlockFeeSummary, floor: number): number {
  return s.weight >= FULL_BLOCK_WEIGHT && s.vsize > 0 ? Math.max(floor, Math.ceil((s.feesSat * 10) / s.vsize)) : floor;
}

/**
 * The rule above, over the summaries of the chain's last blocks (in any order; the 6 highest
 * consecutive heights are used), or undefined when fewer than 6 are there.
 */
export function estimateFromBlocks(summaries: BlockFeeSummary[], floorRate: number): BlockEstimates | undefined {
  const last = [...summaries].sort((a, b) => a.height - b.height).slice(-FEE_BLOCKS);
  if (last.length < FEE_BLOCKS || last.some((s, i) => i > 0 && s.height !== last[i - 1]!.height + 1)) return undefined;
  const floor = tenths(floorRate);
  const rates = last.map((s) => clearing(s, floor));
  const sorted = [...rates].sort((a, b) => a - b);
  const slow = sorted[0]!;
  const normal = Math.max(slow, Math.ceil((sorted[2]! + sorted[3]!) / 2));
  const fast = Math.max(normal, ...rates.slice(-3));
  return { fast: fast / 10, normal: normal / 10, slow: slow / 10 };
}
