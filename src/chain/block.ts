// Full blocks: parse into header and transactions, and check the transactions against the header's
// Merkle root (refusing CVE-2012-2459 duplicated lists).

import { CofferError } from '../api/errors.js';
import { ByteReader, DecodeError, equalBytes } from './bytes.js';
import { merkleRootMutated } from './merkle.js';
import { headerHash } from './sha256d.js';
import { readTx, serializeTx, sha256d, txid as txidOf, type Tx } from './tx.js';

export interface BlockTx {
  tx: Tx;
  /** The transaction's bytes as in the block (witness included). */
  raw: Uint8Array;
  txid: Uint8Array;
}

export interface Block {
  header: Uint8Array;
  hash: Uint8Array;
  txs: BlockTx[];
}

function bad(reason: string): CofferError {
  return new CofferError('invalid-message', `The block is invalid: ${reason}.`, { reason });
}

export function parseBlock(raw: Uint8Array): Block {
  try {
    const r = new ByteReader(raw);
    const header = r.bytes(80).slice();
    const n = r.count(60);
    if (n === 0) throw bad('no transactions');
    const txs: BlockTx[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.offset;
      const tx = readTx(r);
      txs.push({ tx, raw: raw.slice(start, r.offset), txid: txidOf(tx) });
    }
    r.end('block');
    return { header, hash: headerHash(header), txs };
  } catch (e) {
    if (e instanceof DecodeError) throw bad(e.message);
    throw e;
  }
}

/** Throws unless the transactions hash up to the header's Merkle root. */
export function checkMerkleRoot(block: Block): void {
  const { root, mutated } = merkleRootMutated(block.txs.map((t) => t.txid));
  if (mutated) throw bad('duplicated transactions (CVE-2012-2459)');
  if (!equalBytes(root, block.header.subarray(36, 68))) throw bad('merkle root mismatch');
}

const WITNESS_COMMITMENT = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);

/**
 * Throws unless the block's witnesses are the ones its coinbase commits to (BIP141): the Merkle
 * root only covers transactions without their witnesses, so a peer could otherwise change them.
 * A block without witnesses needs no commitment.
 */
export function checkWitnessCommitment(block: Block): void {
  if (!block.txs.some((t) => t.tx.inputs.some((i) => i.witness.length > 0))) return;
  const coinbase = block.txs[0]!.tx;
  let commitment: Uint8Array | undefined;
  for (const o of coinbase.outputs) {
    if (o.script.length >= 38 && WITNESS_COMMITMENT.every((b, i) => o.script[i] === b)) commitment = o.script.subarray(6, 38);
  }
  const reserved = coinbase.inputs[0]?.witness;
  if (!commitment || !reserved || reserved.length !== 1 || reserved[0]!.length !== 32) throw bad('witnesses without a commitment');
  const wtxids = block.txs.map((t, i) => (i === 0 ? new Uint8Array(32) : sha256d(serializeTx(t.tx, true))));
  const root = merkleRootMutated(wtxids).root;
  const joined = new Uint8Array(64);
  joined.set(root, 0);
  joined.set(reserved[0]!, 32);
  if (!equalBytes(sha256d(joined), commitment)) throw bad('witness commitment mismatch');
}
