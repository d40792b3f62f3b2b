// A compact hash -> height index over a chain's hash array: open addressing on 32-bit keys,
// a few bytes per header instead of a Map entry, so a million headers cost a few megabytes.

export class HashIndex {
  private slots: Uint32Array;
  private used = 0;

  /**
   * `hashAt(i)` returns the 32-byte hash stored at position i (the index keeps positions, not
   * hashes); `size()` is how many positions are currently valid. Entries for positions at or
   * above `size()` are stale and ignored, so truncating the chain needs no deletes here.
   */
  constructor(
    private readonly hashAt: (i: number) => Uint8Array,
    private readonly size: () => number,
    capacity = 1024,
  ) {
    let c = 1024;
    while (c < capacity * 2) c *= 2;
    this.slots = new Uint32Array(c);
  }

  private static key(h: Uint8Array): number {
    // The low bytes of a block hash are uniformly random (proof of work zeroes the high ones).
    return (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
  }

  private static same(a: Uint8Array, b: Uint8Array): boolean {
    for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Position of `hash`, or -1. */
  find(hash: Uint8Array): number {
    const mask = this.slots.length - 1;
    const n = this.size();
    for (let s = HashIndex.key(hash) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      const pos = v - 1;
      if (pos < n && HashIndex.same(this.hashAt(pos), hash)) return pos;
    }
  }

  /** Record that position `pos` holds `hash` (positions are added in increasing order). */
  add(hash: Uint8Array, pos: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.rebuild(this.slots.length * 2);
    this.place(hash, pos);
  }

  private place(hash: Uint8Array, pos: number): void {
    const mask = this.slots.length - 1;
    const n = this.size();
    for (let s = HashIndex.key(hash) & mask; ; s = (s + 1) & mask) {
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
    for (let i = 0; i < n; i++) this.place(this.hashAt(i), i);
  }

  get bytes(): number {
    return this.slots.byteLength;
  }
}
