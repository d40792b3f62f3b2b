// Signature hashes with SIGHASH_ALL (and BIP341's DEFAULT): legacy, BIP143 (segwit v0) and BIP341
// key path (taproot). What a presigned vault transaction and every input Coffer signs commit to.
//
// `Sighashes` hashes the parts every input shares (BIP143 hashPrevouts/hashSequence/hashOutputs,
// BIP341 sha_prevouts/amounts/scriptpubkeys/sequences/outputs) once per transaction, so signing n
// inputs costs O(n), not O(n^2). Legacy digests serialize the whole transaction per input: that
// is quadratic by its definition (the 400,000 WU standardness limit bounds it). Checked against
// @scure/btc-signer and bitcoinjs-lib in test/unit/sighash.test.ts.

import { sha256 } from '@noble/hashes/sha2.js';
import { ByteWriter } from './bytes.js';
import { serializeTx, sha256d, type Tx } from './tx.js';

export const SIGHASH_ALL = 1;
/** BIP341: signs like ALL, and the signature carries no sighash byte. */
export const SIGHASH_DEFAULT = 0;

/** The previous output an input spends: its script and value in satoshis. */
export interface Prevout {
  script: Uint8Array;
  value: number;
}

const TAP_SIGHASH_TAG = sha256(new TextEncoder().encode('TapSighash'));

function taggedHash(tag: Uint8Array, data: Uint8Array): Uint8Array {
  const w = new ByteWriter(64 + data.length);
  return sha256(w.bytes(tag).bytes(tag).bytes(data).finish());
}

export class Sighashes {
  private v0?: { prevouts: Uint8Array; sequences: Uint8Array; outputs: Uint8Array };
  private v1?: { prevouts: Uint8Array; amounts: Uint8Array; scripts: Uint8Array; sequences: Uint8Array; outputs: Uint8Array };

  /** `prevouts[i]` is what input i spends; needed (for every input) only by taproot digests. */
  constructor(
    private readonly tx: Tx,
    private readonly prevouts?: readonly (Prevout | undefined)[],
  ) {}

  private input(index: number) {
    const input = this.tx.inputs[index];
    if (!input) throw new RangeError(`no input ${index}`);
    return input;
  }

  /** The bytes `write` puts into a fresh writer. */
  private serialized(write: (w: ByteWriter) => void, size: number): Uint8Array {
    const w = new ByteWriter(size);
    write(w);
    return w.finish();
  }

  private serializedPrevouts(): Uint8Array {
    return this.serialized((w) => this.tx.inputs.forEach((i) => w.bytes(i.prevTxid).u32le(i.vout)), 36 * this.tx.inputs.length);
  }

  private serializedSequences(): Uint8Array {
    return this.serialized((w) => this.tx.inputs.forEach((i) => w.u32le(i.sequence)), 4 * this.tx.inputs.length);
  }

  private serializedOutputs(): Uint8Array {
    return this.serialized((w) => this.tx.outputs.forEach((o) => w.u64le(o.value).varBytes(o.script)), 34 * this.tx.outputs.length);
  }

  /**
   * BIP143, SIGHASH_ALL: input `index` spending an output of `value` sats whose script code is
   * `scriptCode` (the P2PKH script of the key for P2WPKH; the witness script for P2WSH).
   */
  segwitV0(index: number, scriptCode: Uint8Array, value: number): Uint8Array {
    const input = this.input(index);
    this.v0 ??= {
      prevouts: sha256d(this.serializedPrevouts()),
      sequences: sha256d(this.serializedSequences()),
      outputs: sha256d(this.serializedOutputs()),
    };
    const w = new ByteWriter(200 + scriptCode.length);
    w.i32le(this.tx.version)
      .bytes(this.v0.prevouts)
      .bytes(this.v0.sequences)
      .bytes(input.prevTxid)
      .u32le(input.vout)
      .varBytes(scriptCode)
      .u64le(value)
      .u32le(input.sequence)
      .bytes(this.v0.outputs)
      .u32le(this.tx.locktime)
      .u32le(SIGHASH_ALL);
    return sha256d(w.finish());
  }

  /** BIP341 key-path spend, SIGHASH_DEFAULT, no annex. Needs every input's previous output. */
  taprootKeyPath(index: number): Uint8Array {
    this.input(index);
    if (!this.v1) {
      const prevouts = this.prevouts;
      if (!prevouts || prevouts.length !== this.tx.inputs.length || prevouts.some((p) => p === undefined)) {
        throw new RangeError('a taproot signature hash needs the previous output of every input');
      }
      const all = prevouts as readonly Prevout[];
      this.v1 = {
        prevouts: sha256(this.serializedPrevouts()),
        amounts: sha256(this.serialized((w) => all.forEach((p) => w.u64le(p.value)), 8 * all.length)),
        scripts: sha256(this.serialized((w) => all.forEach((p) => w.varBytes(p.script)), 35 * all.length)),
        sequences: sha256(this.serializedSequences()),
        outputs: sha256(this.serializedOutputs()),
      };
    }
    const w = new ByteWriter(1 + 1 + 4 + 4 + 5 * 32 + 1 + 4);
    w.u8(0) // epoch
      .u8(SIGHASH_DEFAULT)
      .i32le(this.tx.version)
      .u32le(this.tx.locktime)
      .bytes(this.v1.prevouts)
      .bytes(this.v1.amounts)
      .bytes(this.v1.scripts)
      .bytes(this.v1.sequences)
      .bytes(this.v1.outputs)
      .u8(0) // spend type: key path, no annex
      .u32le(index);
    return taggedHash(TAP_SIGHASH_TAG, w.finish());
  }

  /** Pre-segwit SIGHASH_ALL for input `index` whose previous output script is `scriptCode` (no OP_CODESEPARATOR). */
  legacy(index: number, scriptCode: Uint8Array): Uint8Array {
    this.input(index);
    const copy: Tx = {
      ...this.tx,
      inputs: this.tx.inputs.map((i, n) => ({ ...i, scriptSig: n === index ? scriptCode : new Uint8Array(0), witness: [] })),
    };
    const body = serializeTx(copy, false);
    const w = new ByteWriter(body.length + 4);
    return sha256d(w.bytes(body).u32le(SIGHASH_ALL).finish());
  }
}

/**
 * The digest input `index` of `tx` signs with SIGHASH_ALL, for a witness v0 input whose script
 * code is `scriptCode` (the witness script, for P2WSH) and whose previous output holds `value`.
 */
export function segwitV0SighashAll(tx: Tx, index: number, scriptCode: Uint8Array, value: number): Uint8Array {
  return new Sighashes(tx).segwitV0(index, scriptCode, value);
}
