// Banned peer addresses with the time each ban ends: bounded, and saved beside the address table
// (addrman.ts's peer file) so that a ban outlives a restart.

import { ByteReader, ByteWriter, DecodeError } from '../chain/bytes.js';

/** Bans kept at most; past this the one ending first makes room. */
export const MAX_BANS = 1000;
/** Addresses are host:port text; a longer one is not an address. */
const MAX_ADDRESS_TEXT = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A short UTF-8 string (an address, a source group); DecodeError when it is not one. */
export function readText(r: ByteReader, max = MAX_ADDRESS_TEXT): string {
  const bytes = r.varBytes(max);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DecodeError('text that is not UTF-8');
  }
}

export class BanList {
  private readonly bans = new Map<string, number>();

  get size(): number {
    return this.bans.size;
  }

  /** Ban `address` until `until` (unix seconds); an existing longer ban stays. */
  ban(address: string, until: number): void {
    if (address.length > MAX_ADDRESS_TEXT) return;
    const current = this.bans.get(address);
    if (current === undefined && this.bans.size >= MAX_BANS) {
      let first: [string, number] | undefined;
      for (const b of this.bans) if (!first || b[1] < first[1]) first = b;
      this.bans.delete(first![0]);
    }
    this.bans.set(address, Math.max(current ?? 0, until));
  }

  /** Whether `address` is banned at `now`; an expired ban is forgotten. */
  isBanned(address: string, now: number): boolean {
    const until = this.bans.get(address);
    if (until === undefined) return false;
    if (until > now) return true;
    this.bans.delete(address);
    return false;
  }

  write(w: ByteWriter, now: number): void {
    const live = [...this.bans].filter(([, until]) => until > now);
    w.varint(live.length);
    for (const [address, until] of live) w.varBytes(new TextEncoder().encode(address)).u32le(Math.min(until, 0xffffffff));
  }

  /** Read what `write` wrote; expired bans are dropped. Throws DecodeError. */
  static read(r: ByteReader, now: number): BanList {
    const list = new BanList();
    const n = r.count(5, MAX_BANS);
    for (let i = 0; i < n; i++) {
      const text = readText(r);
      const until = r.u32le();
      if (list.bans.has(text)) throw new DecodeError('a ban listed twice');
      if (until > now) list.bans.set(text, until);
    }
    return list;
  }
}
