// BIP158 basic compact block filters: build one from a block and the scripts its inputs spend,
// hash it into the filter-header chain, and match a wallet's scripts against it.
//
// A filter is CompactSize N followed by a Golomb-Rice coded set (P = 19) of N values: each
// element (an output script, or a spent output's script) is SipHash-2-4'd under a key taken from
// the block hash and mapped uniformly into [0, N * M) with M = 784931. Values stay below 2^53
// because N is capped at 2^32 - 1, so plain numbers hold them exactly.

import { CofferError } from '../api/errors.js';
import type { Block } from './block.js';
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';
import { sha256d } from './tx.js';

export const BASIC_FILTER_P = 19;
export const BASIC_FILTER_M = 784931;
const MAX_ELEMENTS = 0xffff_ffff;
const OP_RETURN = 0x6a;
const TWO_32 = 0x1_0000_0000;

function bad(reason: string): CofferError {
  return new CofferError('invalid-message', `The compact block filter is invalid: ${reason}.`, { reason, command: 'cfilter' });
}

/** SipHash key words [k0 high, k0 low, k1 high, k1 low] from 16 bytes (two little-endian 64-bit words). */
function keyWords(key: Uint8Array): Uint32Array {
  const le32 = (o: number) => (key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24)) >>> 0;
  return Uint32Array.of(le32(4), le32(0), le32(12), le32(8));
}

/** A block's filter key: the first 16 bytes of its hash in internal byte order. */
function keyOf(blockHash: Uint8Array): Uint32Array {
  if (blockHash.length !== 32) throw new RangeError('a block hash is 32 bytes');
  return keyWords(blockHash);
}

/**
 * SipHash-2-4 of `data` under the 128-bit key `key` (16 bytes, read as two little-endian 64-bit
 * words), as the high and low 32 bits of the 64-bit result. 64-bit lanes are kept as 32-bit halves.
 */
export function siphash24(key: Uint8Array, data: Uint8Array): { hi: number; lo: number } {
  if (key.length !== 16) throw new RangeError('a SipHash key is 16 bytes');
  const k = keyWords(key);
  const out = new Uint32Array(2);
  sip(k, data, out);
  return { hi: out[0]!, lo: out[1]! };
}

/**
 * SipHash-2-4 with key words k = [k0hi, k0lo, k1hi, k1lo]; writes [hi, lo] into out. The state
 * v0..v3 lives in local int32 high/low halves (no allocation; V8 keeps them in registers): one
 * pass per message word (c = 2 rounds), the last word carrying the length, then d = 4 rounds.
 */
function sip(k: Uint32Array, m: Uint8Array, out: Uint32Array): void {
  let v0h = (k[0]! ^ 0x736f6d65) | 0, v0l = (k[1]! ^ 0x70736575) | 0;
  let v1h = (k[2]! ^ 0x646f7261) | 0, v1l = (k[3]! ^ 0x6e646f6d) | 0;
  let v2h = (k[0]! ^ 0x6c796765) | 0, v2l = (k[1]! ^ 0x6e657261) | 0;
  let v3h = (k[2]! ^ 0x74656462) | 0, v3l = (k[3]! ^ 0x79746573) | 0;
  const len = m.length;
  const whole = len - (len % 8);
  let mh = 0, ml = 0, lo = 0, h = 0, l = 0;
  for (let i = 0; i <= whole + 8; i += 8) {
    let rounds = 2;
    if (i < whole) {
      ml = (m[i]! | (m[i + 1]! << 8) | (m[i + 2]! << 16) | (m[i + 3]! << 24)) | 0;
      mh = (m[i + 4]! | (m[i + 5]! << 8) | (m[i + 6]! << 16) | (m[i + 7]! << 24)) | 0;
    } else if (i === whole) {
      // The last word: the remaining bytes, and the length's low byte in the top byte.
      ml = 0;
      mh = (len & 0xff) << 24;
      for (let j = whole; j < len; j++) {
        const shift = (j - whole) * 8;
        if (shift < 32) ml |= m[j]! << shift;
        else mh |= m[j]! << (shift - 32);
      }
          } else {
      mh = ml = 0;
      v2l = (v2l ^ 0xff) | 0;
      rounds = 4;
    }
    v3h = (v3h ^ mh) | 0;
    v3l = (v3l ^ ml) | 0;
    for (let r = 0; r < rounds; r++) {
      // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
      lo = (v0l + v1l) | 0;
      v0h = (v0h + v1h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      h = ((v1h << 13) | (v1l >>> 19)) | 0;
      l = ((v1l << 13) | (v1h >>> 19)) | 0;
      v1h = (h ^ v0h) | 0;
      v1l = (l ^ v0l) | 0;
      lo = v0h;
      v0h = v0l;
      v0l = lo;
      // v2 += v3; v3 = rotl(v3, 16) ^ v2
      lo = (v2l + v3l) | 0;
      v2h = (v2h + v3h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      h = ((v3h << 16) | (v3l >>> 16)) | 0;
      l = ((v3l << 16) | (v3h >>> 16)) | 0;
      v3h = (h ^ v2h) | 0;
      v3l = (l ^ v2l) | 0;
      // v0 += v3; v3 = rotl(v3, 21) ^ v0
      lo = (v0l + v3l) | 0;
      v0h = (v0h + v3h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      h = ((v3h << 21) | (v3l >>> 11)) | 0;
      l = ((v3l << 21) | (v3h >>> 11)) | 0;
      v3h = (h ^ v0h) | 0;
      v3l = (l ^ v0l) | 0;
      // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
      lo = (v2l + v1l) | 0;
      v2h = (v2h + v1h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      h = ((v1h << 17) | (v1l >>> 15)) | 0;
      l = ((v1l << 17) | (v1h >>> 15)) | 0;
      v1h = (h ^ v2h) | 0;
      v1l = (l ^ v2l) | 0;
      lo = v2h;
      v2h = v2l;
      v2l = lo;
    }
    v0h = (v0h ^ mh) | 0;
    v0l = (v0l ^ ml) | 0;
  }
  out[0] = (v0h ^ v1h ^ v2h ^ v3h) | 0;
  out[1] = (v0l ^ v1l ^ v2l ^ v3l) | 0;
}

/** floor(x * f / 2^64) for a 64-bit x (hi, lo) and f < 2^53, by 16-bit limbs so every step is exact. */
function mulHigh(hi: number, lo: number, f: number): number {
  const a0 = lo & 0xffff, a1 = lo >>> 16, a2 = hi & 0xffff, a3 = hi >>> 16;
  const fl = f % TWO_32;
  const fh = (f - fl) / TWO_32;
  const b0 = fl & 0xffff, b1 = fl >>> 16, b2 = fh & 0xffff, b3 = fh >>> 16;
  let c = a0 * b0;
  c = Math.floor(c / 65536) + a0 * b1 + a1 * b0;
  c = Math.floor(c / 65536) + a0 * b2 + a1 * b1 + a2 * b0;
  c = Math.floor(c / 65536) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  c = Math.floor(c / 65536) + a1 * b3 + a2 * b2 + a3 * b1;
  const r0 = c % 65536;
  c = Math.floor(c / 65536) + a2 * b3 + a3 * b2;
  const r1 = c % 65536;
  c = Math.floor(c / 65536) + a3 * b3;
  return c * TWO_32 + r1 * 65536 + r0;
}

/** Each script hashed under the block's key and mapped into [0, n * M), sorted ascending. */
function hashedSet(blockHash: Uint8Array, scripts: readonly Uint8Array[], n: number): Float64Array {
  const k = keyOf(blockHash);
  const f = n * BASIC_FILTER_M;
  const out = new Float64Array(scripts.length);
  const h = new Uint32Array(2);
  for (let i = 0; i < scripts.length; i++) {
    sip(k, scripts[i]!, h);
    out[i] = mulHigh(h[0]!, h[1]!, f);
  }
  return out.sort();
}

/** Unique, non-empty elements of a block's basic filter (BIP158): output scripts (not OP_RETURN) and spent scripts. */
export function basicFilterElements(block: Block, prevoutScripts: readonly Uint8Array[]): Uint8Array[] {
  const spends = block.txs.reduce((n, t, i) => (i === 0 ? n : n + t.tx.inputs.length), 0);
  if (prevoutScripts.length !== spends) {
    throw new CofferError('invalid-message', `The block spends ${spends} outputs but ${prevoutScripts.length} previous output scripts were given.`, {
      reason: 'prevout count mismatch',
    });
  }
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const add = (s: Uint8Array) => {
    const key = Buffer.from(s.buffer, s.byteOffset, s.length).toString('latin1');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(s);
    }
  };
  for (const t of block.txs) for (const o of t.tx.outputs) if (o.script.length > 0 && o.script[0] !== OP_RETURN) add(o.script);
  for (const s of prevoutScripts) if (s.length > 0) add(s);
  return out;
}

/** Golomb-Rice coded set of the elements, with its CompactSize count: the filter's bytes. */
export function encodeFilter(blockHash: Uint8Array, elements: readonly Uint8Array[]): Uint8Array {
  const n = elements.length;
  if (n > MAX_ELEMENTS) throw new RangeError('too many filter elements');
  const values = hashedSet(blockHash, elements, n);
  const w = new ByteWriter(16 + n * 3).varint(n);
  let acc = 0; // bits not yet written, at most 7 + 8
  let bits = 0;
  const put = (value: number, count: number) => {
    // count <= 8 per call keeps acc within 32 bits
    acc = (acc << count) | value;
    bits += count;
    while (bits >= 8) {
      bits -= 8;
      w.u8((acc >>> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  };
  let last = 0;
  for (const v of values) {
    const delta = v - last;
    last = v;
    let q = Math.floor(delta / 2 ** BASIC_FILTER_P);
    const r = delta % 2 ** BASIC_FILTER_P;
    while (q >= 8) {
      put(0xff, 8);
      q -= 8;
    }
    put(((1 << q) - 1) << 1, q + 1);
    put(r >>> 16, BASIC_FILTER_P - 16);
    put((r >>> 8) & 0xff, 8);
    put(r & 0xff, 8);
  }
  if (bits > 0) w.u8((acc << (8 - bits)) & 0xff);
  return w.finish();
}

/** The basic filter of a block, given the scripts its non-coinbase inputs spend, in input order. */
export function basicFilter(block: Block, prevoutScripts: readonly Uint8Array[]): Uint8Array {
  return encodeFilter(block.hash, basicFilterElements(block, prevoutScripts));
}

export function filterHash(filter: Uint8Array): Uint8Array {
  return sha256d(filter);
}

/** The filter header: double SHA-256 of the filter's hash and the previous block's filter header. */
export function filterHeader(filter: Uint8Array, prevHeader: Uint8Array): Uint8Array {
  if (prevHeader.length !== 32) throw new RangeError('a filter header is 32 bytes');
  const joined = new Uint8Array(64);
  joined.set(filterHash(filter), 0);
  joined.set(prevHeader, 32);
  return sha256d(joined);
}

/** Reads a filter's coded values one at a time (MSB first), refusing to run past its end. */
class GolombReader {
  private pos = 0; // bit position
  private readonly bitLen: number;
  private last = 0;

  constructor(private readonly data: Uint8Array) {
    this.bitLen = data.length * 8;
  }

  next(): number {
    const d = this.data;
    let pos = this.pos;
    let q = 0;
    // The quotient in unary: a run of 1 bits ended by a 0.
    for (;;) {
      if (pos >= this.bitLen) throw bad('truncated');
      if (((d[pos >>> 3]! >>> (7 - (pos & 7))) & 1) === 0) break;
      pos++;
      q++;
    }
    pos++;
    if (pos + BASIC_FILTER_P > this.bitLen) throw bad('truncated');
    // The P-bit remainder from a 32-bit window (P + 7 <= 32); bytes past the end read as 0.
    const b = pos >>> 3;
    const window = ((d[b]! << 24) | ((d[b + 1] ?? 0) << 16) | ((d[b + 2] ?? 0) << 8) | (d[b + 3] ?? 0)) >>> 0;
    const r = ((window << (pos & 7)) >>> 0) >>> (32 - BASIC_FILTER_P);
    this.pos = pos + BASIC_FILTER_P;
    this.last += q * 2 ** BASIC_FILTER_P + r;
    return this.last;
  }
}

function openFilter(filter: Uint8Array): { n: number; values: GolombReader } {
  try {
    const r = new ByteReader(filter);
    const n = r.varint();
    if (n > MAX_ELEMENTS) throw bad('too many elements');
    // Every value takes at least P + 1 bits.
    if (n * (BASIC_FILTER_P + 1) > r.remaining * 8) throw bad('truncated');
    return { n, values: new GolombReader(r.rest()) };
  } catch (e) {
    if (e instanceof DecodeError) throw bad(e.message);
    throw e;
  }
}

/** All values of a filter, in order (for tests and checks; matching streams them instead). */
export function decodeFilter(filter: Uint8Array): number[] {
  const { n, values } = openFilter(filter);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(values.next());
  return out;
}

/**
 * Whether any of `scripts` is (probably: false positives at about 1 in 784,931 per script) in the
 * block's filter. The query set is hashed and sorted once, then walked alongside the filter's
 * sorted values, as BIP158 describes: one pass over each.
 */
export function matchAny(filter: Uint8Array, blockHash: Uint8Array, scripts: readonly Uint8Array[]): boolean {
  const { n, values } = openFilter(filter);
  if (n === 0 || scripts.length === 0) return false;
  const query = hashedSet(blockHash, scripts, n);
  let qi = 0;
  for (let i = 0; i < n; i++) {
    const v = values.next();
    while (qi < query.length && query[qi]! < v) qi++;
    if (qi === query.length) return false;
    if (query[qi] === v) return true;
  }
  return false;
}
