// The best header chain on disk: headers.bin (80-byte headers, flat, append-only, truncated on
// reorg), headers.idx (their 32-byte hashes, so a restart need not rehash) and headers.json
// (network and start height). Loading checks linkage and rehashes only the tail.

import fs from 'node:fs';
import { CofferError } from '../api/errors.js';
import path from 'node:path';
import { HeaderChain, type ChainChange, type ChainStart } from '../chain/header-chain.js';
import { HeaderError } from '../chain/header-rules.js';
import type { ChainParams } from '../chain/params.js';
import { sha256dHeaders } from '../chain/sha256d.js';
import { equalBytes } from '../chain/bytes.js';
import { readTextFile } from '../service/files.js';

const CHUNK = 1 << 16;
const TAIL_CHECK = 64;

interface Meta {
  format: 1;
  network: string;
  startHeight: number;
}

export class HeaderStore {
  readonly chain: HeaderChain;
  private readonly headersFd: number;
  private readonly hashesFd: number;

  private constructor(
    readonly dir: string,
    chain: HeaderChain,
    headersFd: number,
    hashesFd: number,
  ) {
    this.chain = chain;
    this.headersFd = headersFd;
    this.hashesFd = hashesFd;
    chain.oldHeaders = (from, to) => this.readRange(from, to);
  }

  /**
   * Open (or create) the store in `dir`. If the stored chain starts later than `start`, or
   * belongs to another network, it is discarded and the chain starts over at `start`.
   */
  static open(dir: string, params: ChainParams, start: ChainStart): HeaderStore {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const metaFile = path.join(dir, 'headers.json');
    const binFile = path.join(dir, 'headers.bin');
    const idxFile = path.join(dir, 'headers.idx');
    let meta: Meta | undefined;
    try {
      meta = JSON.parse(readTextFile(metaFile, 'state')) as Meta;
    } catch {
      meta = undefined;
    }
    const usable =
      meta?.format === 1 && meta.network === params.network && meta.startHeight <= start.height &&
      startFromMeta(params, meta.startHeight) !== undefined;
    if (!usable) {
      fs.rmSync(binFile, { force: true });
      fs.rmSync(idxFile, { force: true });
      meta = { format: 1, network: params.network, startHeight: start.height };
      fs.writeFileSync(metaFile, JSON.stringify(meta));
    }
    const chainStart = meta!.startHeight === start.height ? start : (startFromMeta(params, meta!.startHeight) ?? start);
    const chain = new HeaderChain(params, chainStart);
    const headersFd = fs.openSync(binFile, fs.existsSync(binFile) ? 'r+' : 'w+', 0o600);
    const hashesFd = fs.openSync(idxFile, fs.existsSync(idxFile) ? 'r+' : 'w+', 0o600);
    const store = new HeaderStore(dir, chain, headersFd, hashesFd);
    store.load();
    return store;
  }

  /** Records on disk, excluding a genesis header the chain holds from its parameters. */
  private get offset(): number {
    return this.chain.baseHeight === 0 ? 1 : 0;
  }

  private load(): void {
    let nb = Math.floor(fs.fstatSync(this.headersFd).size / 80);
    const ni = Math.floor(fs.fstatSync(this.hashesFd).size / 32);
    // A crash can leave the hash file behind the header file: hash what is missing.
    if (ni < nb) {
      const raw = this.readRecords(ni, nb - ni);
      const hashes = new Uint8Array((nb - ni) * 32);
      sha256dHeaders(raw, 0, nb - ni, hashes, 0);
      fs.writeSync(this.hashesFd, hashes, 0, hashes.length, ni * 32);
    }
    this.chain.reserve(nb);
    let loaded = 0;
    const rawBuf = new Uint8Array(Math.min(CHUNK, nb) * 80);
    const hashBuf = new Uint8Array(Math.min(CHUNK, nb) * 32);
    try {
      for (let i = 0; i < nb; i += CHUNK) {
        const n = Math.min(CHUNK, nb - i);
        const raw = rawBuf.subarray(0, n * 80);
        const hashes = hashBuf.subarray(0, n * 32);
        // A file cut short under us: keep what was read, like a header that does not connect.
        if (fs.readSync(this.headersFd, raw, 0, raw.length, i * 80) !== raw.length) break;
        if (fs.readSync(this.hashesFd, hashes, 0, hashes.length, i * 32) !== hashes.length) break;
        this.chain.load(raw, hashes);
        loaded = i + n;
      }
    } catch (e) {
      if (!(e instanceof HeaderError)) throw e;
      loaded = this.chain.length - this.offset;
    }
    nb = loaded;
    // Rehash the tail: the hash file must agree with the headers it indexes.
    const tail = Math.min(TAIL_CHECK, nb);
    if (tail > 0) {
      const raw = this.readRecords(nb - tail, tail);
      const fresh = new Uint8Array(tail * 32);
      sha256dHeaders(raw, 0, tail, fresh, 0);
      for (let k = 0; k < tail; k++) {
        const height = this.chain.baseHeight + this.offset + nb - tail + k;
        if (!equalBytes(fresh.subarray(k * 32, k * 32 + 32), this.chain.hashAt(height))) {
          this.chain.truncate(height - 1);
          nb = nb - tail + k;
          break;
        }
      }
    }
    // Cut off anything past the last good record (torn writes, damage); leave intact files alone.
    if (fs.fstatSync(this.headersFd).size !== nb * 80) fs.ftruncateSync(this.headersFd, nb * 80);
    if (fs.fstatSync(this.hashesFd).size !== nb * 32) fs.ftruncateSync(this.hashesFd, nb * 32);
    this.chain.finishLoad();
  }

  private readRecords(first: number, count: number): Uint8Array {
    const raw = new Uint8Array(count * 80);
    const got = fs.readSync(this.headersFd, raw, 0, raw.length, first * 80);
    if (got !== raw.length) throw new CofferError('database-corrupt', 'The stored block headers are shorter than expected; Coffer will download them again if you delete headers.bin.', { reason: 'short-read' });
    return raw;
  }

  /** Persist a change returned by HeaderChain.add. */
  apply(change: ChainChange): void {
    const keep = change.forkHeight - this.chain.baseHeight + 1 - this.offset;
    const records = Math.floor(fs.fstatSync(this.headersFd).size / 80);
    if (records > keep) {
      fs.ftruncateSync(this.headersFd, keep * 80);
      fs.ftruncateSync(this.hashesFd, keep * 32);
    }
    fs.writeSync(this.headersFd, change.headers, 0, change.headers.length, keep * 80);
    fs.writeSync(this.hashesFd, change.hashes, 0, change.hashes.length, keep * 32);
    fs.fdatasyncSync(this.headersFd);
    fs.fdatasyncSync(this.hashesFd);
  }

  /** Raw best-chain headers from `from` to `to` inclusive. */
  readRange(from: number, to: number): Uint8Array {
    if (this.chain.baseHeight === 0 && from === 0) {
      const out = new Uint8Array((to + 1) * 80);
      out.set(this.chain.params.genesis);
      if (to > 0) out.set(this.readRecords(0, to), 80);
      return out;
    }
    return this.readRecords(from - this.chain.baseHeight - this.offset, to - from + 1);
  }

  readHeader(height: number): Uint8Array {
    return this.readRange(height, height);
  }

  close(): void {
    fs.closeSync(this.headersFd);
    fs.closeSync(this.hashesFd);
  }
}

function startFromMeta(params: ChainParams, height: number): ChainStart | undefined {
  if (height === 0) return { height: 0 };
  const cp = params.checkpoints.find((c) => c.height === height - 1);
  return cp ? { height, parentHash: cp.hash, bits: cp.nextBits } : undefined;
}
