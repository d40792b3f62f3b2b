// A compact hash -> position index over a chain's hash array: open addressing on 32-bit keys,
// a few bytes per header instead of a Map entry, so a million headers cost a few megabytes.

export class HashIndex {
  private slots: Uint32Array;
  private used = 0;

  /**
   * `hashes()` is the chain's hash array (32 bytes per position; the index keeps positions, not
   * hashes); `size()` is how many positions are currently valid. Entries for positions at or
   * above `size()` are stale and ignored, so truncating the chain needs no deletes here.
   */
  constructor(
    private readonly hashes: () => Uint8Array,
    private readonly size: () => number,
    capacity = 1024,
  ) {
    let c = 1024;
    while (c < capacity * 2) c *= 2;
    this.slots = new Uint32Array(c);
  }

  // The low bytes of a block hash are uniformly random (proof of work zeroes the high ones).
  private static key(h: Uint8Array, o: number): number {
    return (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) >>> 0;
  }

  /** Position of `hash` (32 bytes at `offset`), or -1. */
  find(hash: Uint8Array, offset = 0): number {
    const mask = this.slots.length - 1;
    const n = this.size();
    const buf = this.hashes();
    for (let s = HashIndex.key(hash, offset) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      const pos = v - 1;
      if (pos < n) {
        const o = pos * 32;
        let k = 0;
        while (k < 32 && buf[o + k] === hash[offset + k]) k++;
        if (k === 32) return pos;
      }
    }
  }

  /** Record that position `pos` holds the hash already stored there in the chain's array. */
  add(pos: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.rebuild(this.slots.length * 2);
    this.place(pos);
  }

  private place(pos: number): void {
    const mask = this.slots.length - 1;
    const n = this.size();
    for (let s = HashIndex.key(this.hashes(), pos * 32) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      // Reuse a stale slot (a position no longer on the chain) or take an empty one.
      if (v === 0 || v - 1 >= n || v - 1 === pos) {
        if (v === 0) this.used++;
        this.slots[s] = pos + 1;
        return;
      }
    }
  }

  /** Rebuild from the live positions (after loading, or when the table fills). */
  rebuild(capacity = this.slots.length): void {
    const n = this.size();
    let c = 1024;
    while (c < Math.max(capacity, n * 2 + 2)) c *= 2;
    this.slots = new Uint32Array(c);
    this.used = 0;
    for (let i = 0; i < n; i++) this.place(i);
  }

  get bytes(): number {
    return this.slots.byteLength;
  }
}
