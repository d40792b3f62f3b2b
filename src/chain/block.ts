// Full blocks: parse into header and transactions, and check the transactions against the header's
// Merkle root (refusing CVE-2012-2459 duplicated lists).

import { CofferError } from '../api/errors.js';
import { ByteReader, DecodeError, equalBytes } from './bytes.js';
import { merkleRootMutated } from './merkle.js';
import { headerHash } from './sha256d.js';
import { readTx, txid as txidOf, type Tx } from './tx.js';

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
