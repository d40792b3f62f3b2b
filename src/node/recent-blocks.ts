// What the last blocks of a light client's header chain paid (wallet/block-fees.ts): each block
// fetched whole once, summarised, and the summaries kept by hash in memory and in
// <network dir>/block-fees.json, so a one-shot command does not download six blocks every time.

import fs from 'node:fs';
import path from 'node:path';
import { CofferError } from '../api/errors.js';
import type { Block } from '../chain/block.js';
import { hashToHex } from '../chain/bytes.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { Network } from '../keys/networks.js';
import { readTextFile, writeRegularFile } from '../service/files.js';
import { FEE_BLOCKS, summarizeBlock, type BlockFeeSummary } from '../wallet/block-fees.js';

export const BLOCK_FEES_FILE = 'block-fees.json';
/** Summaries kept on disk: the last blocks, and a few a reorganisation replaced. */
const KEEP = 2 * FEE_BLOCKS;
/** A tip older than this (a chain not synced lately) says nothing of today's fees. */
export const STALE_TIP_SECONDS = 3 * 60 * 60;

export interface RecentBlocksHost {
  chain: Pick<HeaderChain, 'baseHeight' | 'height' | 'hashAt' | 'timeAt'>;
  network: Network;
  /** The network's directory (beside the headers). */
  dir: string;
  /** The whole block with this hash, checked against it (Merkle root, witness commitment). */
  block(hash: Uint8Array): Promise<Block>;
  log(event: string, fields: Record<string, string | number | boolean>): void;
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function isSummary(x: unknown): x is BlockFeeSummary {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return isCount(s.height) && typeof s.hash === 'string' && /^[0-9a-f]{64}$/.test(s.hash) && isCount(s.feesSat) && isCount(s.vsize) && isCount(s.weight) && isCount(s.txCount);
}

export class RecentBlockFees {
  private readonly known = new Map<string, BlockFeeSummary>();
  private loaded = false;
  /** One download at a time: a second ask waits for the same one. */
  private fetching: Promise<void> | undefined;

  constructor(private readonly host: RecentBlocksHost) {}

  private get file(): string {
    return path.join(this.host.dir, BLOCK_FEES_FILE);
  }

  /**
   * The summaries of the chain's last 6 blocks: those missing are fetched (at most 6), and waited
   * for `waitMs` at most (`backend-unavailable` after that; the download goes on for the next ask).
   * Fewer than 6 when the chain is shorter; none fetched when its tip is stale (`backend-unavailable`).
   */
  async lastBlocks(waitMs: number, now = Math.floor(Date.now() / 1000)): Promise<BlockFeeSummary[]> {
    this.load();
    const chain = this.host.chain;
    if (chain.height < chain.baseHeight) return [];
    const age = now - chain.timeAt(chain.height);
    if (age > STALE_TIP_SECONDS) {
      throw new CofferError('backend-unavailable', `The newest block known is ${Math.floor(age / 3600)} hours old: its fees say nothing of today's (sync first).`);
    }
    const from = Math.max(chain.baseHeight, chain.height - FEE_BLOCKS + 1);
    const wanted: { height: number; hash: Uint8Array }[] = [];
    for (let h = from; h <= chain.height; h++) wanted.push({ height: h, hash: chain.hashAt(h).slice() });
    const missing = wanted.filter((w) => !this.known.has(hashToHex(w.hash)));
    if (missing.length > 0) {
      this.fetching ??= this.fetch(missing).finally(() => (this.fetching = undefined));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs)));
      try {
        if (await Promise.race([this.fetching.then(() => false), late])) {
          throw new CofferError('backend-unavailable', `No peer sent the last ${FEE_BLOCKS} blocks within ${waitMs / 1000} seconds.`);
        }
      } finally {
        clearTimeout(timer);
      }
    }
    return wanted.map((w) => this.known.get(hashToHex(w.hash))).filter((s): s is BlockFeeSummary => s !== undefined);
  }

  private async fetch(blocks: { height: number; hash: Uint8Array }[]): Promise<void> {
    for (const { height, hash } of blocks) {
      const summary = summarizeBlock(await this.host.block(hash), height, this.host.network);
      this.known.set(summary.hash, summary);
      this.host.log('fees.block', { height, feesSat: summary.feesSat, vsize: summary.vsize, weight: summary.weight });
      this.save();
    }
  }

  /** The saved summaries; a file that cannot be read or holds something else is ignored (and replaced at the next save). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!fs.lstatSync(this.file, { throwIfNoEntry: false })) return;
    try {
      const data = JSON.parse(readTextFile(this.file, 'state', 'block fees')) as { blocks?: unknown };
      if (!Array.isArray(data.blocks)) throw new CofferError('invalid-message', 'no list of blocks', { reason: 'no list of blocks' });
      for (const s of data.blocks) if (isSummary(s)) this.known.set(s.hash, s);
    } catch (e) {
      this.host.log('fees.block-file-ignored', { reason: e instanceof Error ? e.message : String(e) });
    }
  }

  private save(): void {
    const keep = [...this.known.values()].sort((a, b) => b.height - a.height).slice(0, KEEP);
    this.known.clear();
    for (const s of keep) this.known.set(s.hash, s);
    try {
      const tmp = `${this.file}.tmp`;
      writeRegularFile(tmp, `${JSON.stringify({ blocks: keep })}\n`, 'block fees');
      fs.renameSync(tmp, this.file);
    } catch (e) {
      // Only a cache: the next ask fetches again.
      this.host.log('fees.block-file-unwritten', { reason: e instanceof Error ? e.message : String(e) });
    }
  }
}
