// A block's witnesses against its coinbase commitment (BIP141): the SPV client fetches whole
// blocks for the witnesses of channel transactions, and a peer must not be able to change them.

import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { checkMerkleRoot, checkWitnessCommitment, parseBlock } from '../../src/chain/block.js';
import { merkleRoot } from '../../src/chain/merkle.js';
import { serializeTx, sha256d, txid, type Tx } from '../../src/chain/tx.js';

const reserved = new Uint8Array(32).fill(7);

function spend(witness: Uint8Array[]): Tx {
  return { version: 2, inputs: [{ prevTxid: new Uint8Array(32).fill(1), vout: 0, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness }], outputs: [{ value: 1000, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(2)) }], locktime: 0 };
}

/** A block with a coinbase committing to `committed`, holding `actual` as its second transaction. */
function block(committed: Tx, actual: Tx, opts: { commitment?: boolean } = {}): Uint8Array {
  const wroot = merkleRoot([new Uint8Array(32), sha256d(serializeTx(committed, true))]);
  const commitment = sha256d(Uint8Array.of(...wroot, ...reserved));
  const coinbase: Tx = {
    version: 1,
    inputs: [{ prevTxid: new Uint8Array(32), vout: 0xffffffff, scriptSig: Uint8Array.of(1, 1), sequence: 0xffffffff, witness: [reserved] }],
    outputs: [
      { value: 50, script: Uint8Array.of(0x51) },
      ...(opts.commitment === false ? [] : [{ value: 0, script: Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed, ...commitment) }]),
    ],
    locktime: 0,
  };
  const header = new Uint8Array(80);
  header.set(merkleRoot([txid(coinbase), txid(actual)]), 36);
  return Uint8Array.of(...header, 2, ...serializeTx(coinbase, true), ...serializeTx(actual, true));
}

const witnessError = (raw: Uint8Array) => {
  const b = parseBlock(raw);
  checkMerkleRoot(b);
  try {
    checkWitnessCommitment(b);
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    return (e as CofferError).details['reason'];
  }
  return undefined;
};

describe('checkWitnessCommitment', () => {
  const tx = spend([Uint8Array.of(1, 2, 3), new Uint8Array(32).fill(9)]);

  it('accepts the witnesses the coinbase commits to', () => {
    expect(witnessError(block(tx, tx))).toBeUndefined();
  });

  it('refuses changed witnesses with the same txid (the Merkle root still matches)', () => {
    const forged = spend([Uint8Array.of(1, 2, 3), new Uint8Array(32).fill(8)]);
    expect(txid(forged)).toEqual(txid(tx));
    expect(witnessError(block(tx, forged))).toBe('witness commitment mismatch');
  });

  it('refuses witnesses with no commitment, and needs none without witnesses', () => {
    expect(witnessError(block(tx, tx, { commitment: false }))).toBe('witnesses without a commitment');
    const bare = spend([]);
    const raw = block(bare, bare, { commitment: false });
    // The coinbase's reserved value is a witness too: strip the block to no witnesses at all.
    const b = parseBlock(raw);
    b.txs[0]!.tx.inputs[0]!.witness = [];
    expect(() => checkWitnessCommitment(b)).not.toThrow();
  });
});
