// BIP143 signature hashes (segwit v0), SIGHASH_ALL only: what a presigned vault transaction
// commits to. Checked against @scure/btc-signer in test/unit/sighash.test.ts.

import { ByteWriter } from './bytes.js';
import { sha256d, type Tx } from './tx.js';

export const SIGHASH_ALL = 1;

/**
 * The digest input `index` of `tx` signs with SIGHASH_ALL, for a witness v0 input whose script
 * code is `scriptCode` (the witness script, for P2WSH) and whose previous output holds `value`.
 */
export function segwitV0SighashAll(tx: Tx, index: number, scriptCode: Uint8Array, value: number): Uint8Array {
  const input = tx.inputs[index];
  if (!input) throw new RangeError(`no input ${index}`);
  const prevouts = new ByteWriter(36 * tx.inputs.length);
  const sequences = new ByteWriter(4 * tx.inputs.length);
  for (const i of tx.inputs) {
    prevouts.bytes(i.prevTxid).u32le(i.vout);
    sequences.u32le(i.sequence);
  }
  const outputs = new ByteWriter(34 * tx.outputs.length);
  for (const o of tx.outputs) outputs.u64le(o.value).varBytes(o.script);
  const w = new ByteWriter(200 + scriptCode.length);
  w.i32le(tx.version)
    .bytes(sha256d(prevouts.finish()))
    .bytes(sha256d(sequences.finish()))
    .bytes(input.prevTxid)
    .u32le(input.vout)
    .varBytes(scriptCode)
    .u64le(value)
    .u32le(input.sequence)
    .bytes(sha256d(outputs.finish()))
    .u32le(tx.locktime)
    .u32le(SIGHASH_ALL);
  return sha256d(w.finish());
}
