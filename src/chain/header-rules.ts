// Contextual header validation: linkage, nBits (retargets, min-difficulty, BIP94), proof of work,
// median-time-past, the future limit, versions and checkpoints. Pure; ancestors come through a view.
//
// Built for speed: a run of headers is hashed in one pass, targets are compared as 32-bit words,
// the median-time-past test counts instead of sorting, and work is summed per run of equal nBits.

import { CofferError } from '../api/errors.js';
import { checkpointAt, type ChainParams } from './params.js';
import { bitsToTarget, bitsWork, hashMeetsTarget, targetToBits, targetWords } from './pow.js';
import { sha256dHeaders } from './sha256d.js';

export const MAX_FUTURE_SECONDS = 2 * 60 * 60;

/** Header fields of ancestors, by height. Heights below the view's start are never asked for. */
export interface AncestorView {
  /** Lowest height the view can answer for. */
  readonly firstHeight: number;
  hash(height: number): Uint8Array;
  time(height: number): number;
  bits(height: number): number;
}

export class HeaderError extends CofferError {
  constructor(
    readonly height: number,
    readonly reason: string,
    /** False for faults that may heal with time (a header from the future): do not ban for them. */
    readonly punish = true,
  ) {
    super('invalid-header', `height ${height}: ${reason}`, { height, reason });
  }
}

export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

const targetWordCache = new Map<number, Uint32Array | null>();
function wordsFor(bits: number): Uint32Array | null {
  let w = targetWordCache.get(bits);
  if (w === undefined) {
    const t = bitsToTarget(bits);
    w = t === undefined || t === 0n ? null : targetWords(t);
    if (targetWordCache.size > 10_000) targetWordCache.clear();
    targetWordCache.set(bits, w);
  }
  return w;
}

/** The nBits a retarget block must carry (Bitcoin Core's CalculateNextWorkRequired). */
export function retargetBits(p: ChainParams, baseBits: number, firstTime: number, lastTime: number): number {
  let span = lastTime - firstTime;
  if (span < p.targetTimespan / 4) span = p.targetTimespan / 4;
  if (span > p.targetTimespan * 4) span = p.targetTimespan * 4;
  let target = (bitsToTarget(baseBits) ?? p.powLimit) * BigInt(span) / BigInt(p.targetTimespan);
  if (target > p.powLimit) target = p.powLimit;
  return targetToBits(target);
}

export interface RunResult {
  /** Hashes of the run, 32 bytes each, internal order. */
  hashes: Uint8Array;
  /** Sum of the run's proof of work. */
  work: bigint;
}

/**
 * Validate `count` consecutive headers in `raw` whose first sits at `height` and whose parent is
 * the view's header at `height - 1` (or, when `parent` is given, that hash: a checkpoint start).
 * Throws HeaderError naming the first bad header. Mutates nothing.
 */
export function validateRun(
  p: ChainParams,
  view: AncestorView,
  height: number,
  raw: Uint8Array,
  now: number,
  start?: { parentHash: Uint8Array; bits: number },
): RunResult {
  const count = raw.length / 80;
  if (!Number.isInteger(count) || count === 0) throw new RangeError('headers come in 80-byte records');
  const hashes = new Uint8Array(count * 32);
  sha256dHeaders(raw, 0, count, hashes, 0);

  const limit = now + MAX_FUTURE_SECONDS;
  const lastCheckpoint = p.checkpoints.at(-1)?.height ?? -1;
  const [bip34, bip66, bip65] = p.versionHeights;
  // Recent times for median-time-past, oldest first.
  const recent: number[] = [];
  for (let h = Math.max(view.firstHeight, height - 11); h < height; h++) recent.push(view.time(h));
  const timeAt = (h: number) => (h >= height ? u32(raw, (h - height) * 80 + 68) : view.time(h));
  const bitsAt = (h: number) => (h >= height ? u32(raw, (h - height) * 80 + 72) : view.bits(h));
  let prevBits = start ? -1 : view.bits(height - 1);
  let prevTime = recent.at(-1) ?? 0;
  let lastNormalBits = p.allowMinDifficulty && !start ? lastNonMinBits(p, view, height - 1) : prevBits;

  let work = 0n;
  let runBits = -1;
  let runCount = 0;
  for (let i = 0; i < count; i++) {
    const h = height + i;
    const o = i * 80;
    // Linkage.
    const parent = i > 0 ? hashes.subarray((i - 1) * 32, i * 32) : (start?.parentHash ?? view.hash(h - 1));
    for (let k = 0; k < 32; k++) {
      if (raw[o + 4 + k] !== parent[k]) throw new HeaderError(h, 'previous hash does not match');
    }
    // Version (BIP34/66/65 forbid the old versions once active). Versions are signed.
    const version = u32(raw, o) | 0;
    if ((version < 2 && h >= bip34) || (version < 3 && h >= bip66) || (version < 4 && h >= bip65)) {
      throw new HeaderError(h, `obsolete version ${version}`);
    }
    // Difficulty.
    const bits = u32(raw, o + 72);
    const time = u32(raw, o + 68);
    let expected: number;
    if (start && i === 0) expected = start.bits;
    else if (h % p.interval === 0) {
      if (p.noRetargeting) expected = prevBits;
      else {
        const first = h - p.interval;
        if (first < view.firstHeight && first < height) throw new HeaderError(h, 'retarget needs headers before the chain start');
        expected = retargetBits(p, p.bip94 ? bitsAt(first) : prevBits, timeAt(first), timeAt(h - 1));
      }
    } else if (p.allowMinDifficulty) {
      expected = time > prevTime + 2 * p.targetSpacing ? p.powLimitBits : lastNormalBits;
    } else expected = prevBits;
    if (bits !== expected) {
      throw new HeaderError(h, `wrong difficulty bits ${hex32(bits)}, expected ${hex32(expected)}`);
    }
    const words = wordsFor(bits);
    if (!words) throw new HeaderError(h, `invalid difficulty bits ${hex32(bits)}`);
    if (!hashMeetsTarget(hashes, i * 32, words)) throw new HeaderError(h, 'proof of work does not meet the target');
    // Time: above the median of the previous 11 (count instead of sorting), and not too far ahead.
    if (recent.length > 0) {
      let below = 0;
      for (const t of recent) if (t < time) below++;
      if (below * 2 <= recent.length) throw new HeaderError(h, 'time is not after the median of the previous 11 blocks');
    }
    if (time > limit) throw new HeaderError(h, 'time is more than two hours in the future', false);
    if (p.bip94 && h % p.interval === 0 && !(start && i === 0) && time < prevTime - 600) {
      throw new HeaderError(h, 'time warp: period starts more than 10 minutes before its parent');
    }
    // Checkpoints.
    if (h <= lastCheckpoint) {
      const cp = checkpointAt(p, h);
      if (cp && !sameBytes(hashes, i * 32, cp.hash)) throw new HeaderError(h, 'does not match the checkpoint');
    }
    // Accept.
    if (recent.length === 11) recent.shift();
    recent.push(time);
    prevTime = time;
    prevBits = bits;
    if (h % p.interval === 0 || bits !== p.powLimitBits) lastNormalBits = bits;
    if (bits === runBits) runCount++;
    else {
      if (runCount > 0) work += bitsWork(runBits) * BigInt(runCount);
      runBits = bits;
      runCount = 1;
    }
  }
  if (runCount > 0) work += bitsWork(runBits) * BigInt(runCount);
  return { hashes, work };
}

/** Testnet: the nBits of the last block not mined under the 20-minute minimum-difficulty rule. */
function lastNonMinBits(p: ChainParams, view: AncestorView, from: number): number {
  let h = from;
  while (h > view.firstHeight && h % p.interval !== 0 && view.bits(h) === p.powLimitBits) h--;
  return view.bits(h);
}

function sameBytes(buf: Uint8Array, off: number, other: Uint8Array): boolean {
  for (let k = 0; k < 32; k++) if (buf[off + k] !== other[k]) return false;
  return true;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
