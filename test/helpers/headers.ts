// Builds valid header chains under easy proof-of-work rules (regtest-like targets) for tests.

import { bitsToTarget, hashMeetsTarget, targetWords } from '../../src/chain/pow.js';
import { headerHash } from '../../src/chain/sha256d.js';

export interface MineOptions {
  bits?: number;
  /** Time of the first header (default 1,600,000,000). */
  time?: number;
  /** Seconds between headers (default 600). */
  spacing?: number;
  version?: number;
  /** Per-header overrides by index: bits and time. */
  each?: (i: number) => { bits?: number; time?: number; version?: number };
  /** Salt so two branches from the same parent differ. */
  salt?: number;
  /** Merkle root for every header (default: derived from the salt and index). */
  merkleRoot?: Uint8Array;
}

/** Mine `count` consecutive headers on `parent`, returning their concatenated bytes and the last hash. */
export function mineHeaders(parent: Uint8Array, count: number, opts: MineOptions = {}): { raw: Uint8Array; tip: Uint8Array; hashes: Uint8Array[] } {
  const raw = new Uint8Array(count * 80);
  const hashes: Uint8Array[] = [];
  let prev = parent;
  const spacing = opts.spacing ?? 600;
  let time = (opts.time ?? 1_600_000_000) - spacing;
  for (let i = 0; i < count; i++) {
    const o = opts.each?.(i) ?? {};
    const bits = o.bits ?? opts.bits ?? 0x207fffff;
    time = o.time ?? time + spacing;
    const h = raw.subarray(i * 80, i * 80 + 80);
    const v = new DataView(h.buffer, h.byteOffset, 80);
    v.setInt32(0, o.version ?? opts.version ?? 0x20000000, true);
    h.set(prev, 4);
    if (opts.merkleRoot) h.set(opts.merkleRoot, 36);
    else {
      v.setUint32(36, (opts.salt ?? 0) + 1, true);
      v.setUint32(40, i, true);
    }
    v.setUint32(68, time, true);
    v.setUint32(72, bits, true);
    const words = targetWords(bitsToTarget(bits) ?? 0n);
    for (let nonce = 0; ; nonce++) {
      v.setUint32(76, nonce, true);
      const hash = headerHash(h);
      if (hashMeetsTarget(hash, 0, words)) {
        hashes.push(hash);
        prev = hash;
        break;
      }
    }
  }
  return { raw, tip: prev, hashes };
}
