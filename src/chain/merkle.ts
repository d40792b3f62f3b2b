// Transaction merkle trees: roots, BIP37 partial trees (merkleblock, gettxoutproof) and Electrum-style branches.
//
// A proof here is only as good as the header it ends in: these functions show that txids hash up to a
// merkle root, and verifyMerkleBlock that the header carries its own proof of work. Whether that header
// is in the best chain is the caller's question.
//
// Two old weaknesses of Bitcoin's tree are refused everywhere a proof is checked:
// - CVE-2012-2459: an odd level is padded by hashing its last node with itself, so a leaf list ending in a
//   repeated hash has the same root as the list without it. An honest tree only ever pairs a node with
//   itself when it has no right sibling, so two real, equal siblings mean a forged branch.
// - CVE-2017-12842: an inner node hashes 64 bytes, exactly what a 64-byte transaction hashes, so such a
//   transaction's two halves can be passed off as leaves one level further down. A node whose 64-byte
//   preimage parses as a transaction is refused (as Electrum does); a true tree practically never has one.

import { CofferError } from '../api/errors.js';
import { ByteReader, ByteWriter, DecodeError, equalBytes } from './bytes.js';
import { bitsToTarget, hashMeetsTarget, targetWords } from './pow.js';
import { headerHash } from './sha256d.js';
import { parseTx, serializeTx, sha256d, txid as txidOf } from './tx.js';

/** Most transactions a block can hold: Bitcoin Core's MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT. */
export const MAX_BLOCK_TRANSACTIONS = Math.floor(4_000_000 / 60);

/** Longest Electrum branch we follow; 2^32 leaves is far beyond any block. */
export const MAX_BRANCH_LENGTH = 32;

export interface PartialMerkleTree {
  /** Transactions in the block. */
  total: number;
  /** Hashes in depth-first order, internal byte order. */
  hashes: Uint8Array[];
  /** Flag bits packed 8 to a byte, least significant bit first (BIP37). */
  flags: Uint8Array;
}

export interface MerkleMatch {
  /** Position of the transaction in its block. */
  index: number;
  txid: Uint8Array;
}

export interface MerkleBlock {
  /** The 80-byte block header. */
  header: Uint8Array;
  tree: PartialMerkleTree;
}

export interface VerifiedMerkleBlock {
  blockHash: Uint8Array;
  merkleRoot: Uint8Array;
  totalTransactions: number;
  matched: MerkleMatch[];
}

function fail(reason: string, message: string): never {
  throw new CofferError('invalid-merkle-proof', message, { reason });
}

function concat(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(left, 0);
  out.set(right, 32);
  return out;
}

/** Whether 64 bytes about to be hashed as an inner node would also parse as a transaction. */
function parsesAsTransaction(preimage: Uint8Array): boolean {
  // In 64 bytes there is room for one input only (41 bytes at least), so after the 4-byte version comes
  // an input count of 1, or the segwit marker 0 and flag 1. Anything else cannot parse; skipping the
  // parser for it spares a thrown error per node, which dominates checking a large proof.
  const inputs = preimage[4];
  if (inputs !== 1 && !(inputs === 0 && preimage[5] === 1)) return false;
  try {
    parseTx(preimage);
    return true;
  } catch (e) {
    if (e instanceof CofferError && e.code === 'invalid-transaction') return false;
    throw e;
  }
}

/** Hash an inner node of a proof, refusing a preimage that could be a 64-byte transaction. */
function hashProofNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const preimage = concat(left, right);
  if (parsesAsTransaction(preimage)) {
    fail('inner node is a transaction', 'The merkle proof is invalid: an inner node of the tree is also a valid 64-byte transaction.');
  }
  return sha256d(preimage);
}

function requireHash(h: Uint8Array, what: string): void {
  if (h.length !== 32) fail('hash length', `The merkle proof is invalid: ${what} is ${h.length} bytes, not 32.`);
}

/** Nodes at a height of a tree over `total` leaves. */
function treeWidth(total: number, height: number): number {
  return Math.ceil(total / 2 ** height);
}

/** Every level of the tree, leaves first, root last. Odd levels pair their last node with itself. */
function merkleLevels(txids: Uint8Array[]): { levels: Uint8Array[][]; mutated: boolean } {
  if (txids.length === 0) throw new RangeError('a merkle tree needs at least one txid');
  for (const t of txids) if (t.length !== 32) throw new RangeError('a txid is 32 bytes');
  const levels: Uint8Array[][] = [txids];
  let mutated = false;
  let level = txids;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      if (right !== undefined && equalBytes(left, right)) mutated = true;
      next.push(sha256d(concat(left, right ?? left)));
    }
    levels.push(next);
    level = next;
  }
  return { levels, mutated };
}

/**
 * The merkle root of a block's txids, and whether two real siblings at some level were equal: such a
 * leaf list has the root of a shorter one (CVE-2012-2459), so a block with it must be refused even
 * though its root matches. This is what Bitcoin Core's ComputeMerkleRoot reports as `mutated`.
 */
export function merkleRootMutated(txids: Uint8Array[]): { root: Uint8Array; mutated: boolean } {
  const { levels, mutated } = merkleLevels(txids);
  return { root: levels[levels.length - 1]![0]!.slice(), mutated };
}

export function merkleRoot(txids: Uint8Array[]): Uint8Array {
  return merkleRootMutated(txids).root;
}

/** The Electrum-style branch for the leaf at `index`: sibling hashes from the leaf up to the root. */
export function merkleBranch(txids: Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= txids.length) throw new RangeError('index outside the tree');
  const { levels } = merkleLevels(txids);
  const branch: Uint8Array[] = [];
  let pos = index;
  for (let h = 0; h < levels.length - 1; h++) {
    const level = levels[h]!;
    branch.push((level[pos ^ 1] ?? level[pos]!).slice());
    pos >>>= 1;
  }
  return branch;
}

/**
 * The partial tree a full node sends to prove the matched txids (BIP37): depth first, a flag bit per
 * node visited (1 = a match lies below), and a hash for each node not descended into and each leaf.
 */
export function buildPartialMerkleTree(txids: Uint8Array[], matches: boolean[]): PartialMerkleTree {
  if (matches.length !== txids.length) throw new RangeError('one match flag per txid');
  const { levels } = merkleLevels(txids);
  const total = txids.length;
  // Matches before each position, so "is there a match under this node" is one subtraction.
  const before = new Uint32Array(total + 1);
  for (let i = 0; i < total; i++) before[i + 1] = before[i]! + (matches[i] ? 1 : 0);

  const bits: boolean[] = [];
  const hashes: Uint8Array[] = [];
  const visit = (height: number, pos: number): void => {
    const start = pos * 2 ** height;
    const end = Math.min(total, (pos + 1) * 2 ** height);
    const parentOfMatch = before[end]! > before[start]!;
    bits.push(parentOfMatch);
    if (height === 0 || !parentOfMatch) {
      hashes.push(levels[height]![pos]!.slice());
      return;
    }
    visit(height - 1, pos * 2);
    if (pos * 2 + 1 < levels[height - 1]!.length) visit(height - 1, pos * 2 + 1);
  };
  visit(levels.length - 1, 0);

  const flags = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => {
    if (bit) flags[i >>> 3]! |= 1 << (i & 7);
  });
  return { total, hashes, flags };
}

/**
 * Walk a partial tree (BIP37) and return the root it commits to and the txids it marks as matched.
 * Every rule Bitcoin Core's CPartialMerkleTree::ExtractMatches applies is applied here, each with its
 * own reason, so that one proof cannot be read two ways; Core does not check inner nodes for 64-byte
 * transactions, so a proof refused only for that would pass `verifytxoutproof`.
 */
export function extractMatches(tree: PartialMerkleTree): { root: Uint8Array; matches: MerkleMatch[] } {
  const { total, hashes, flags } = tree;
  if (total === 0) fail('no transactions', 'The merkle proof is invalid: it claims a block without transactions.');
  if (!Number.isSafeInteger(total) || total < 0) fail('bad total', `The merkle proof is invalid: ${total} is not a transaction count.`);
  if (total > MAX_BLOCK_TRANSACTIONS) {
    fail('too many transactions', `The merkle proof is invalid: no block can hold ${total} transactions.`);
  }
  if (hashes.length > total) {
    fail('more hashes than transactions', 'The merkle proof is invalid: it has more hashes than the block has transactions.');
  }
  if (flags.length * 8 < hashes.length) {
    fail('fewer flag bits than hashes', 'The merkle proof is invalid: it has fewer flag bits than hashes.');
  }
  hashes.forEach((h, i) => requireHash(h, `hash ${i}`));

  let height = 0;
  while (treeWidth(total, height) > 1) height++;

  const matches: MerkleMatch[] = [];
  let bitsUsed = 0;
  let hashesUsed = 0;
  const visit = (h: number, pos: number): Uint8Array => {
    if (bitsUsed >= flags.length * 8) fail('ran out of flag bits', 'The merkle proof is invalid: it ends before its flag bits describe the whole tree.');
    const parentOfMatch = ((flags[bitsUsed >>> 3]! >>> (bitsUsed & 7)) & 1) === 1;
    bitsUsed++;
    if (h === 0 || !parentOfMatch) {
      const hash = hashes[hashesUsed];
      if (hash === undefined) fail('ran out of hashes', 'The merkle proof is invalid: it ends before its hashes describe the whole tree.');
      hashesUsed++;
      if (h === 0 && parentOfMatch) matches.push({ index: pos, txid: hash.slice() });
      return hash;
    }
    const left = visit(h - 1, pos * 2);
    if (pos * 2 + 1 >= treeWidth(total, h - 1)) return hashProofNode(left, left);
    const right = visit(h - 1, pos * 2 + 1);
    if (equalBytes(left, right)) {
      fail('duplicate branch', 'The merkle proof is invalid: a node has two identical children (CVE-2012-2459).');
    }
    return hashProofNode(left, right);
  };
  const root = visit(height, 0).slice();

  // The last flag byte may carry padding, but not a whole unread byte (Core: (bitsUsed + 7) / 8).
  if (Math.ceil(bitsUsed / 8) !== flags.length) {
    fail('flag bits left unused', 'The merkle proof is invalid: it carries flag bits the tree does not use.');
  }
  if (hashesUsed !== hashes.length) {
    fail('hashes left unused', 'The merkle proof is invalid: it carries hashes the tree does not use.');
  }
  return { root, matches };
}

/** A serialized merkleblock, as `gettxoutproof` returns it and the `merkleblock` message carries it. */
export function parseMerkleBlock(bytes: Uint8Array): MerkleBlock {
  try {
    const r = new ByteReader(bytes);
    const header = r.bytes(80).slice();
    const total = r.u32le();
    const n = r.count(32, MAX_BLOCK_TRANSACTIONS);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < n; i++) hashes.push(r.hash().slice());
    const flags = r.varBytes().slice();
    r.end('merkle block');
    return { header, tree: { total, hashes, flags } };
  } catch (e) {
    if (e instanceof DecodeError) fail(e.message, `The merkle block cannot be parsed: ${e.message}.`);
    throw e;
  }
}

export function serializeMerkleBlock(mb: MerkleBlock): Uint8Array {
  const w = new ByteWriter(80 + 4 + 3 + mb.tree.hashes.length * 32 + 3 + mb.tree.flags.length);
  w.bytes(mb.header).u32le(mb.tree.total).varint(mb.tree.hashes.length);
  for (const h of mb.tree.hashes) w.bytes(h);
  return w.varBytes(mb.tree.flags).finish();
}

/**
 * Check a merkleblock on its own terms: the header meets the target its nBits claims, and the partial
 * tree hashes up to the header's merkle root. Returns the matched txids with their block positions.
 */
export function verifyMerkleBlock(mb: MerkleBlock): VerifiedMerkleBlock {
  const { header } = mb;
  if (header.length !== 80) fail('header length', `The merkle proof is invalid: its header is ${header.length} bytes, not 80.`);
  const bits = new ByteReader(header.subarray(72, 76)).u32le();
  const target = bitsToTarget(bits);
  const blockHash = headerHash(header);
  if (target === undefined || target === 0n || !hashMeetsTarget(blockHash, 0, targetWords(target))) {
    fail('header proof of work', 'The merkle proof is invalid: its block header does not have the proof of work it claims.');
  }
  const { root, matches } = extractMatches(mb.tree);
  const headerRoot = header.slice(36, 68);
  if (!equalBytes(root, headerRoot)) {
    fail('merkle root mismatch', "The merkle proof is invalid: its transactions do not hash to the header's merkle root.");
  }
  return { blockHash, merkleRoot: headerRoot, totalTransactions: mb.tree.total, matched: matches };
}

/** The txid a branch starts from: given, or computed from the raw transaction (which must not be 64 bytes). */
function branchLeaf(txid: Uint8Array | undefined, rawTx: Uint8Array | undefined): Uint8Array {
  if (rawTx === undefined) {
    if (txid === undefined) fail('no transaction', 'A merkle branch can only be checked against a txid or a transaction.');
    requireHash(txid, 'the txid');
    return txid;
  }
  const tx = parseTx(rawTx);
  if (serializeTx(tx, false).length === 64) {
    fail('64-byte transaction', 'The merkle proof is refused: a 64-byte transaction cannot be told apart from an inner node.');
  }
  const computed = txidOf(tx);
  if (txid !== undefined && !equalBytes(txid, computed)) {
    fail('txid does not match transaction', 'The merkle proof is invalid: the txid given is not the txid of the transaction.');
  }
  return computed;
}

/**
 * Check an Electrum-style branch: `branch[i]` is the sibling at level i, and bit i of `pos` says whether
 * the node at level i is a right child. Throws 'invalid-merkle-proof' unless it ends at `root`; a raw
 * transaction that cannot be parsed gives 'invalid-transaction'.
 */
export function verifyBranch(args: { txid?: Uint8Array; tx?: Uint8Array; pos: number; branch: Uint8Array[]; root: Uint8Array }): void {
  const { pos, branch, root } = args;
  if (branch.length > MAX_BRANCH_LENGTH) {
    fail('branch too long', `The merkle proof is invalid: a branch of ${branch.length} levels is longer than any block's tree.`);
  }
  if (!Number.isSafeInteger(pos) || pos < 0 || pos >= 2 ** branch.length) {
    fail('position beyond the branch', `The merkle proof is invalid: position ${pos} is not a leaf of a ${branch.length}-level branch.`);
  }
  requireHash(root, 'the root');
  let node = branchLeaf(args.txid, args.tx);
  let index = pos;
  branch.forEach((sibling, level) => {
    requireHash(sibling, `branch hash ${level}`);
    const isRight = index % 2 === 1;
    // A right child's left sibling is always a real, different node; only a left child is ever paired
    // with a copy of itself.
    if (isRight && equalBytes(sibling, node)) {
      fail('duplicate branch', 'The merkle proof is invalid: a node is paired with a copy of itself on its left (CVE-2012-2459).');
    }
    node = isRight ? hashProofNode(sibling, node) : hashProofNode(node, sibling);
    index = Math.floor(index / 2);
  });
  if (!equalBytes(node, root)) {
    fail('merkle root mismatch', 'The merkle proof is invalid: the branch does not lead to the expected merkle root.');
  }
}
