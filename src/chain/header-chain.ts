// The best header chain and its competitors: connects headers, chooses the most work, reorgs.
//
// The best chain lives in flat typed arrays (hash, time, nBits per height): about 40 bytes per
// header plus the hash index. Competing branches are kept in a bounded map until they win or fall
// far behind. Pure: `add` returns the change for the caller to persist (truncate, append).

import { equalBytes, hashToHex } from './bytes.js';
import { HashIndex } from './hash-index.js';
import { HeaderError, u32, validateRun, type AncestorView } from './header-rules.js';
import { checkpointAt, type ChainParams } from './params.js';
import { bitsWork } from './pow.js';
import { headerHash } from './sha256d.js';

/** Where the stored chain begins: genesis, or the period after a checkpoint. */
export type ChainStart = { height: 0 } | { height: number; parentHash: Uint8Array; bits: number };

export function genesisStart(): ChainStart {
  return { height: 0 };
}

/** Start right after a checkpoint (at the first height of a difficulty period). */
export function checkpointStart(p: ChainParams, height: number): ChainStart {
  const cp = checkpointAt(p, height - 1);
  if (height === 0) return { height: 0 };
  if (!cp) throw new HeaderError(height, `no checkpoint at height ${height - 1}`);
  return { height, parentHash: cp.hash, bits: cp.nextBits };
}

export interface ChainChange {
  /** Best-chain headers above this height were replaced (equal to the old tip when none were). */
  forkHeight: number;
  /** Hashes of the removed best-chain headers, lowest first. */
  disconnected: Uint8Array[];
  /** New best-chain headers from forkHeight + 1: raw 80-byte records and their hashes. */
  headers: Uint8Array;
  hashes: Uint8Array;
}

export interface AddResult {
  /** Set when the best chain changed. */
  change?: ChainChange;
  /** The first header's parent is unknown: ask the peer again with a locator. */
  unconnected: boolean;
  /** Headers that were new to us (best chain or side branch). */
  added: number;
}

interface SideHeader {
  raw: Uint8Array;
  hash: Uint8Array;
  height: number;
  parentKey: string;
}

const MAX_SIDE = 50_000;

function key(hash: Uint8Array): string {
  return String.fromCharCode(...hash);
}

export class HeaderChain {
  readonly params: ChainParams;
  readonly start: ChainStart;
  private n = 0;
  private hashBuf = new Uint8Array(32 * 1024);
  private timeBuf = new Uint32Array(1024);
  private bitsBuf = new Uint32Array(1024);
  private work = 0n;
  private readonly index: HashIndex;
  private readonly side = new Map<string, SideHeader>();

  constructor(params: ChainParams, start: ChainStart = genesisStart()) {
    this.params = params;
    this.start = start;
    this.index = new HashIndex(() => this.hashBuf, () => this.n);
    if (start.height === 0) {
      const g = params.genesis;
      this.push(g, headerHash(g), 0);
      this.work = bitsWork(u32(g, 72));
    }
  }

  get baseHeight(): number {
    return this.start.height;
  }

  get height(): number {
    return this.start.height + this.n - 1;
  }

  /** Stored best-chain headers (the parent of a checkpoint start is not stored). */
  get length(): number {
    return this.n;
  }

  get chainWork(): bigint {
    return this.work;
  }

  get tipHash(): Uint8Array {
    if (this.n === 0) return 'parentHash' in this.start ? this.start.parentHash : new Uint8Array(32);
    return this.hashAt(this.height);
  }

  hashAt(height: number): Uint8Array {
    const i = height - this.start.height;
    if (i < 0 || i >= this.n) throw new RangeError(`no header at height ${height}`);
    return this.hashBuf.subarray(i * 32, i * 32 + 32);
  }

  timeAt(height: number): number {
    return this.timeBuf[height - this.start.height]!;
  }

  bitsAt(height: number): number {
    return this.bitsBuf[height - this.start.height]!;
  }

  /** Height of a best-chain header, or undefined. */
  heightOf(hash: Uint8Array): number | undefined {
    const pos = this.index.find(hash);
    return pos < 0 ? undefined : this.start.height + pos;
  }

  /** Block locator: the last 10 hashes, then exponentially sparser, then the chain's first. */
  locator(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.n === 0) return [this.tipHash];
    let step = 1;
    for (let h = this.height; h > this.start.height; h -= step) {
      out.push(this.hashAt(h).slice());
      if (out.length >= 10) step *= 2;
    }
    out.push(this.hashAt(this.start.height).slice());
    if ('parentHash' in this.start) out.push(this.start.parentHash);
    return out;
  }

  /** Make room for `count` more best-chain headers at once (loading, big batches). */
  reserve(count: number): void {
    this.grow(this.n + count);
  }

  private grow(need: number): void {
    if (need <= this.timeBuf.length) return;
    let cap = this.timeBuf.length;
    while (cap < need) cap *= 2;
    const h = new Uint8Array(cap * 32);
    h.set(this.hashBuf.subarray(0, this.n * 32));
    const t = new Uint32Array(cap);
    t.set(this.timeBuf.subarray(0, this.n));
    const b = new Uint32Array(cap);
    b.set(this.bitsBuf.subarray(0, this.n));
    this.hashBuf = h;
    this.timeBuf = t;
    this.bitsBuf = b;
  }

  private push(raw: Uint8Array, hashes: Uint8Array, i = 0): void {
    this.grow(this.n + 1);
    const h = this.hashBuf;
    const n = this.n;
    for (let k = 0; k < 32; k++) h[n * 32 + k] = hashes[i * 32 + k]!;
    this.timeBuf[n] = u32(raw, i * 80 + 68);
    this.bitsBuf[n] = u32(raw, i * 80 + 72);
    this.n++;
    this.index.add(n);
  }

  private mainView(): AncestorView {
    return {
      firstHeight: this.start.height,
      hash: (h) => this.hashAt(h),
      time: (h) => this.timeAt(h),
      bits: (h) => this.bitsAt(h),
    };
  }

  /**
   * Load headers that were validated before (from our own disk) without validating them again:
   * only linkage and, when `hashes` is given, nothing else is recomputed.
   */
  load(raw: Uint8Array, hashes: Uint8Array): void {
    const count = raw.length / 80;
    this.grow(this.n + count);
    let runBits = -1;
    let run = 0;
    try {
      for (let i = 0; i < count; i++) {
        const parent = this.n === 0 ? this.tipHash : this.hashBuf.subarray((this.n - 1) * 32, this.n * 32);
        for (let k = 0; k < 32; k++) {
          if (raw[i * 80 + 4 + k] !== parent[k]) throw new HeaderError(this.start.height + this.n, 'stored headers do not link');
        }
        this.hashBuf.set(hashes.subarray(i * 32, i * 32 + 32), this.n * 32);
        this.timeBuf[this.n] = u32(raw, i * 80 + 68);
        const bits = u32(raw, i * 80 + 72);
        this.bitsBuf[this.n] = bits;
        this.n++;
        if (bits !== runBits) {
          this.work += bitsWork(runBits) * BigInt(run);
          runBits = bits;
          run = 0;
        }
        run++;
      }
    } finally {
      this.work += bitsWork(runBits) * BigInt(run);
    }
  }

  /** Rebuild the hash index after `load` calls. */
  finishLoad(): void {
    this.index.rebuild();
  }

  /** Drop best-chain headers above `height` (used when stored data turns out damaged). */
  truncate(height: number): void {
    while (this.height > height && this.n > (this.start.height === 0 ? 1 : 0)) {
      this.n--;
      this.work -= bitsWork(this.bitsBuf[this.n]!);
    }
  }

  /**
   * Add consecutive headers (one `headers` message). Validates everything before changing any
   * state; throws HeaderError for the first invalid header.
   */
  add(raw: Uint8Array, now: number = Math.floor(Date.now() / 1000)): AddResult {
    const count = raw.length / 80;
    if (count === 0) return { unconnected: false, added: 0 };
    const prev = raw.subarray(4, 36);
    const tip = this.tipHash;
    if (equalBytes(prev, tip)) return this.extend(raw, now);

    const forkParent = this.heightOf(prev);
    if (forkParent !== undefined) {
      // Skip headers we already have on the best chain (peers resend after reorgs and races).
      let skip = 0;
      while (skip < count && forkParent + 1 + skip <= this.height) {
        const h = headerHash(raw.subarray(skip * 80, skip * 80 + 80));
        if (!equalBytes(h, this.hashAt(forkParent + 1 + skip))) break;
        skip++;
      }
      if (skip === count) return { unconnected: false, added: 0 };
      const rest = raw.subarray(skip * 80);
      if (forkParent + skip === this.height) return this.extend(rest, now);
      return this.branch(forkParent + skip, [], rest, now);
    }
    const sideParent = this.side.get(key(prev));
    if (sideParent) return this.branch(undefined, this.sideAncestors(sideParent), raw, now);
    return { unconnected: true, added: 0 };
  }

  private extend(raw: Uint8Array, now: number): AddResult {
    const height = this.height + 1;
    const start = this.n === 0 && 'parentHash' in this.start ? this.start : undefined;
    const { hashes, work } = validateRun(this.params, this.mainView(), height, raw, now, start);
    const count = raw.length / 80;
    this.grow(this.n + count);
    for (let i = 0; i < count; i++) this.push(raw, hashes, i);
    this.work += work;
    return { change: { forkHeight: height - 1, disconnected: [], headers: raw, hashes }, unconnected: false, added: count };
  }

  /** Side-branch headers from the fork point up to `tip`, lowest first. */
  private sideAncestors(tip: SideHeader): SideHeader[] {
    const out: SideHeader[] = [];
    for (let s: SideHeader | undefined = tip; s; s = this.side.get(s.parentKey)) out.push(s);
    return out.reverse();
  }

  /** Work of the best chain up to `height`. */
  private workAt(height: number): bigint {
    let w = this.work;
    for (let h = this.height; h > height; h--) w -= bitsWork(this.bitsAt(h));
    return w;
  }

  /**
   * Headers that fork from the best chain: after `forkHeight` (a best-chain height) come the
   * known side headers `known` (if any) and then `raw`.
   */
  private branch(forkHeight: number | undefined, known: SideHeader[], raw: Uint8Array, now: number): AddResult {
    const first = known[0];
    const fork = forkHeight ?? (first ? this.heightOf(first.raw.subarray(4, 36)) : undefined);
    if (fork === undefined) return { unconnected: true, added: 0 };
    const lastCheckpoint = this.params.checkpoints.at(-1)?.height ?? -1;
    const firstHeight = fork + 1;
    if (firstHeight <= lastCheckpoint) throw new HeaderError(firstHeight, 'forks below the last checkpoint are not accepted');
    if (fork < this.start.height) throw new HeaderError(firstHeight, 'fork below the start of the stored chain');

    const knownRaw = known.map((s) => s.raw);
    const view: AncestorView = {
      firstHeight: this.start.height,
      hash: (h) => (h <= fork ? this.hashAt(h) : known[h - firstHeight]!.hash),
      time: (h) => (h <= fork ? this.timeAt(h) : u32(knownRaw[h - firstHeight]!, 68)),
      bits: (h) => (h <= fork ? this.bitsAt(h) : u32(knownRaw[h - firstHeight]!, 72)),
    };
    const height = firstHeight + known.length;
    const { hashes, work } = validateRun(this.params, view, height, raw, now);
    const count = raw.length / 80;

    let branchWork = this.workAt(fork) + work;
    for (const s of known) branchWork += bitsWork(u32(s.raw, 72));
    if (branchWork <= this.work) {
      // Keep it as a side branch: it may win later.
      let parentKey = key(raw.subarray(4, 36));
      for (let i = 0; i < count; i++) {
        const hash = hashes.slice(i * 32, i * 32 + 32);
        this.side.set(key(hash), { raw: raw.slice(i * 80, i * 80 + 80), hash, height: height + i, parentKey });
        parentKey = key(hash);
      }
      this.pruneSide();
      return { unconnected: false, added: count };
    }

    // Reorg: the old best headers above the fork become a side branch.
    const disconnected: Uint8Array[] = [];
    for (let h = fork + 1; h <= this.height; h++) disconnected.push(this.hashAt(h).slice());
    const newRaw = new Uint8Array((known.length + count) * 80);
    const newHashes = new Uint8Array((known.length + count) * 32);
    known.forEach((s, i) => {
      newRaw.set(s.raw, i * 80);
      newHashes.set(s.hash, i * 32);
      this.side.delete(key(s.hash));
    });
    newRaw.set(raw, known.length * 80);
    newHashes.set(hashes, known.length * 32);
    const oldRaw = this.oldHeaders?.(fork + 1, this.height);
    this.truncate(fork);
    if (oldRaw) {
      let parentKey = key(this.hashAt(fork));
      disconnected.forEach((hash, i) => {
        this.side.set(key(hash), { raw: oldRaw.slice(i * 80, i * 80 + 80), hash, height: fork + 1 + i, parentKey });
        parentKey = key(hash);
      });
    }
    const total = known.length + count;
    this.grow(this.n + total);
    for (let i = 0; i < total; i++) this.push(newRaw, newHashes, i);
    this.work = branchWork;
    this.pruneSide();
    return { change: { forkHeight: fork, disconnected, headers: newRaw, hashes: newHashes }, unconnected: false, added: count };
  }

  /**
   * Reads raw best-chain headers back from storage (the chain keeps only hashes, times and
   * bits in memory). Set by the owner; without it, reorged-out headers are simply forgotten.
   */
  oldHeaders?: (from: number, to: number) => Uint8Array;

  private pruneSide(): void {
    if (this.side.size <= MAX_SIDE) return;
    const floor = this.height - 2 * this.params.interval;
    for (const [k, s] of this.side) if (s.height < floor || this.side.size > MAX_SIDE) this.side.delete(k);
  }

  describeTip(): { height: number; hash: string } {
    return { height: this.height, hash: hashToHex(this.tipHash) };
  }
}
