// Loads the JSON test vectors committed under test/vectors/.

import fs from 'node:fs';
import path from 'node:path';
import { hex } from '@scure/base';
import { ByteReader } from '../../src/chain/bytes.js';
import { parseTx, type Tx } from '../../src/chain/tx.js';

export const VECTORS_DIR = path.resolve(import.meta.dirname, '..', 'vectors');

export function loadVectors<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, name), 'utf8')) as T;
}

/** One sighash computation of BIP143's examples, with what its preimage names. */
export interface Bip143Case {
  title: string;
  sighash: string;
  scriptCode: Uint8Array;
  amount: number;
  hashType: number;
  /** Each of the example's unsigned transactions that has the input, with its index. */
  inputs: { tx: Tx; index: number }[];
}

/** BIP143's examples (test/vectors/bip143_sighash_examples.json), read from each preimage. */
export function bip143Cases(): Bip143Case[] {
  const file = loadVectors<{ examples: { title: string; unsigned_tx: string[]; sighash_computations: { preimage: string; sighash: string }[] }[] }>('bip143_sighash_examples.json');
  return file.examples.flatMap((example) => {
    const txs = example.unsigned_tx.map((x) => parseTx(hex.decode(x)));
    return example.sighash_computations.map((c) => {
      // version, hashPrevouts, hashSequence, outpoint, scriptCode, amount, nSequence, hashOutputs, nLockTime, nHashType
      const r = new ByteReader(hex.decode(c.preimage));
      r.bytes(4 + 32 + 32);
      const [prevTxid, vout] = [hex.encode(r.bytes(32)), r.u32le()];
      const scriptCode = r.bytes(r.varint());
      const amount = r.u64le();
      r.bytes(4 + 32 + 4);
      const hashType = r.u32le();
      const inputs = txs.flatMap((tx) => {
        const index = tx.inputs.findIndex((i) => hex.encode(i.prevTxid) === prevTxid && i.vout === vout);
        return index < 0 ? [] : [{ tx, index }];
      });
      return { title: example.title, sighash: c.sighash, scriptCode, amount, hashType, inputs };
    });
  });
}
