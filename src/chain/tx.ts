// Bitcoin transactions: parse (with or without witness), serialize, txid, weight.

import { sha256 } from '@noble/hashes/sha2.js';
import { CofferError } from '../api/errors.js';
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';

export interface TxInput {
  /** Previous txid, internal byte order. */
  prevTxid: Uint8Array;
  vout: number;
  scriptSig: Uint8Array;
  sequence: number;
  witness: Uint8Array[];
}

export interface TxOutput {
  /** Satoshis. */
  value: number;
  script: Uint8Array;
}

export interface Tx {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  locktime: number;
}

/** The previous output an input spends: its script and value in satoshis. */
export interface Prevout {
  script: Uint8Array;
  value: number;
}

export const MAX_MONEY = 21_000_000 * 100_000_000;

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** Read one transaction from a stream of several (blocks, messages). Throws DecodeError. */
export function readTx(r: ByteReader): Tx {
  const version = r.i32le();
  let nIn = r.count(41);
  let segwit = false;
  if (nIn === 0) {
    const flag = r.u8();
    if (flag !== 1) throw new DecodeError('bad segwit flag');
    segwit = true;
    nIn = r.count(41);
  }
  if (nIn === 0) throw new DecodeError('no inputs');
  const inputs: TxInput[] = [];
  for (let i = 0; i < nIn; i++) {
    const prevTxid = r.hash().slice();
    const vout = r.u32le();
    // Script sizes are limited when scripts run, not in serialization (a large OP_RETURN is valid).
    const scriptSig = r.varBytes().slice();
    const sequence = r.u32le();
    inputs.push({ prevTxid, vout, scriptSig, sequence, witness: [] });
  }
  const nOut = r.count(9);
  const outputs: TxOutput[] = [];
  let total = 0;
  for (let i = 0; i < nOut; i++) {
    const value = r.u64le();
    if (value > MAX_MONEY) throw new DecodeError('output value above 21 million BTC');
    total += value;
    if (total > MAX_MONEY) throw new DecodeError('output total above 21 million BTC');
    outputs.push({ value, script: r.varBytes().slice() });
  }
  if (segwit) {
    let any = false;
    for (const input of inputs) {
      const items = r.count(1, 500_000);
      for (let j = 0; j < items; j++) input.witness.push(r.varBytes(4_000_000).slice());
      if (items > 0) any = true;
    }
    if (!any) throw new DecodeError('segwit flag with empty witness');
  }
  const locktime = r.u32le();
  return { version, inputs, outputs, locktime };
}

/** Parse one transaction occupying all of `bytes`. */
export function parseTx(bytes: Uint8Array): Tx {
  try {
    const r = new ByteReader(bytes);
    const tx = readTx(r);
    r.end('transaction');
    return tx;
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new CofferError('invalid-transaction', `The transaction cannot be parsed: ${e.message}.`, { reason: e.message });
    }
    throw e;
  }
}

export function hasWitness(tx: Tx): boolean {
  return tx.inputs.some((i) => i.witness.length > 0);
}

export function serializeTx(tx: Tx, withWitness = true): Uint8Array {
  const w = new ByteWriter(64 + tx.inputs.length * 148 + tx.outputs.length * 34);
  const segwit = withWitness && hasWitness(tx);
  w.i32le(tx.version);
  if (segwit) w.u8(0).u8(1);
  w.varint(tx.inputs.length);
  for (const i of tx.inputs) w.bytes(i.prevTxid).u32le(i.vout).varBytes(i.scriptSig).u32le(i.sequence);
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) w.u64le(o.value).varBytes(o.script);
  if (segwit) {
    for (const i of tx.inputs) {
      w.varint(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32le(tx.locktime);
  return w.finish();
}

/** Transaction id, internal byte order (display is reversed). */
export function txid(tx: Tx): Uint8Array {
  return sha256d(serializeTx(tx, false));
}

export function weight(tx: Tx): number {
  return serializeTx(tx, false).length * 3 + serializeTx(tx, true).length;
}

export function vsize(tx: Tx): number {
  return Math.ceil(weight(tx) / 4);
}

export function isCoinbase(tx: Tx): boolean {
  const i = tx.inputs[0];
  return tx.inputs.length === 1 && i !== undefined && i.vout === 0xffffffff && i.prevTxid.every((b) => b === 0);
}
