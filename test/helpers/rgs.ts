// A Rapid Gossip Sync snapshot, format version 1, written from the format's description in LDK's
// lightning-rapid-gossip-sync documentation: the graphs the tests and the bench import.

/** A channel between nodes[node1] and nodes[node2] (node1's key sorts first), with one update per direction. */
export interface RgsChannel {
  scid: bigint;
  node1: number;
  node2: number;
  /** The channel's policy in each direction (0: from node1, 1: from node2). */
  policy: { cltvExpiryDelta: number; htlcMinimumMsat: bigint; htlcMaximumMsat: bigint; feeBaseMsat: number; feePpm: number };
}

function bigSize(n: bigint): number[] {
  if (n < 0xfdn) return [Number(n)];
  if (n <= 0xffffn) return [0xfd, ...be(n, 2)];
  if (n <= 0xffffffffn) return [0xfe, ...be(n, 4)];
  return [0xff, ...be(n, 8)];
}

function be(n: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** The snapshot of `channels` (any order; written by scid) among `nodes` (33-byte keys) on the chain of `chainHash` as LDK writes it. */
export function rgsSnapshot(chainHash: Uint8Array, timestamp: number, nodes: Uint8Array[], channels: RgsChannel[]): Uint8Array {
  const sorted = [...channels].sort((a, b) => (a.scid < b.scid ? -1 : a.scid > b.scid ? 1 : 0));
  const out: number[] = [76, 68, 75, 1, ...chainHash, ...be(BigInt(timestamp), 4), ...be(BigInt(nodes.length), 4)];
  for (const n of nodes) out.push(...n);
  out.push(...be(BigInt(sorted.length), 4));
  let previous = 0n;
  for (const c of sorted) {
    // No channel features (a u16 length of 0), the scid as a delta, the two node indexes.
    out.push(0, 0, ...bigSize(c.scid - previous), ...bigSize(BigInt(c.node1)), ...bigSize(BigInt(c.node2)));
    previous = c.scid;
  }
  out.push(...be(BigInt(sorted.length * 2), 4));
  if (sorted.length === 0) return Uint8Array.from(out);
  // Defaults (cltv, htlc min, fee base, fee ppm, htlc max); every update below sets all five itself.
  out.push(...be(40n, 2), ...be(0n, 8), ...be(1000n, 4), ...be(1n, 4), ...be(0xffffffffffffffffn, 8));
  previous = 0n;
  for (const c of sorted) {
    for (const direction of [0, 1]) {
      const p = c.policy;
      // Not incremental (bit 7 clear), every field present (bits 6 to 2), the direction in bit 0.
      out.push(...bigSize(c.scid - previous), 0b0111_1100 | direction);
      out.push(...be(BigInt(p.cltvExpiryDelta), 2), ...be(p.htlcMinimumMsat, 8), ...be(BigInt(p.feeBaseMsat), 4), ...be(BigInt(p.feePpm), 4), ...be(p.htlcMaximumMsat, 8));
      previous = c.scid;
    }
  }
  return Uint8Array.from(out);
}
