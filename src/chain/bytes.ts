// Bitcoin serialization primitives: a bounds-checked reader and a growable writer.
//
// The reader never reads past its input and never allocates more than the input holds: every
// length prefix is checked against what remains before it is used. Failures throw DecodeError,
// which each parser turns into its own typed error.

export class DecodeError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DecodeError';
  }
}

export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) throw new DecodeError(`truncated ${what}`);
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16le(): number {
    this.need(2, 'u16');
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  u16be(): number {
    this.need(2, 'u16');
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32le(): number {
    this.need(4, 'u32');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  i32le(): number {
    return this.u32le() | 0;
  }

  /** A 64-bit little-endian integer; throws unless it fits in a safe JS integer. */
  u64le(): number {
    const lo = this.u32le();
    const hi = this.u32le();
    if (hi > 0x1fffff) throw new DecodeError('64-bit value out of range');
    return hi * 0x1_0000_0000 + lo;
  }

  /** The raw 8 bytes of a 64-bit value (nonces, service flags) as a bigint. */
  u64leBig(): bigint {
    const lo = this.u32le();
    const hi = this.u32le();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** CompactSize; non-canonical encodings are refused, as Bitcoin Core does. */
  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const v = this.u16le();
      if (v < 0xfd) throw new DecodeError('non-canonical varint');
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32le();
      if (v < 0x10000) throw new DecodeError('non-canonical varint');
      return v;
    }
    const v = this.u64le();
    if (v < 0x1_0000_0000) throw new DecodeError('non-canonical varint');
    return v;
  }

  /** A count of items each at least `minItemSize` bytes long, checked against what remains. */
  count(minItemSize: number, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.varint();
    if (n > max) throw new DecodeError(`count ${n} above limit ${max}`);
    if (n * minItemSize > this.remaining) throw new DecodeError(`count ${n} exceeds remaining bytes`);
    return n;
  }

  /** `n` bytes as a view into the input (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n, 'bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  varBytes(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    return this.bytes(this.count(1, max));
  }

  hash(): Uint8Array {
    return this.bytes(32);
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Throw unless every byte has been read. */
  end(what = 'message'): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes after ${what}`);
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16le(v: number): this {
    this.grow(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    return this;
  }

  u16be(v: number): this {
    this.grow(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32le(v: number): this {
    this.grow(4);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 24) & 0xff;
    return this;
  }

  i32le(v: number): this {
    return this.u32le(v >>> 0);
  }

  u64le(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('u64 must be a non-negative safe integer');
    this.u32le(v % 0x1_0000_0000);
    return this.u32le(Math.floor(v / 0x1_0000_0000));
  }

  u64leBig(v: bigint): this {
    this.u32le(Number(v & 0xffffffffn));
    return this.u32le(Number((v >> 32n) & 0xffffffffn));
  }

  varint(n: number): this {
    if (n < 0xfd) return this.u8(n);
    if (n <= 0xffff) return this.u8(0xfd).u16le(n);
    if (n <= 0xffffffff) return this.u8(0xfe).u32le(n);
    return this.u8(0xff).u64le(n);
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  varBytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  get length(): number {
    return this.len;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Hex of a hash in display order (reversed), as explorers and RPCs show it. */
export function hashToHex(hash: Uint8Array): string {
  let s = '';
  for (let i = hash.length - 1; i >= 0; i--) s += hash[i]!.toString(16).padStart(2, '0');
  return s;
}

/** A display-order hex hash back to internal byte order; undefined unless 64 hex digits. */
export function hexToHash(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[31 - i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
