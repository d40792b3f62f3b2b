// BIP143 (SIGHASH_ALL) and BIP341 key-path (SIGHASH_DEFAULT) digests for the PSBT signer, with the
// parts every input shares hashed once per transaction.
//
// Why not @scure/btc-signer's preimageWitnessV0/V1 (which vaults use): they hash those parts again
// for each input, so signing n inputs costs O(n^2). Measured (bench/spend.ts): 2,000 P2WPKH inputs
// took 150 s and 2,000 P2TR 206 s that way; the digests alone 36 s and 67 s against 43 ms here.
// A hostile PSBT could use that. Checked against btc-signer in test/unit/sighash-cache.test.ts.

import { sha256 } from '@noble/hashes/sha2.js';
import { tagSchnorr } from '@scure/btc-signer/utils.js';
import { ByteWriter } from '../chain/bytes.js';
import { sha256d, type Prevout, type Tx } from '../chain/tx.js';

/** The serialization of `items`, each written by `write`. */
function joined<T>(items: readonly T[], write: (w: ByteWriter, item: T) => unknown): Uint8Array {
  const w = new ByteWriter(40 * items.length);
  for (const item of items) write(w, item);
  return w.finish();
}

export class SighashCache {
  private readonly prevouts: Uint8Array;
  private readonly sequences: Uint8Array;
  private readonly outputs: Uint8Array;
  private v0?: { prevoutsSequences: Uint8Array; outputs: Uint8Array };
  private v1?: Uint8Array;

  /** `spent[i]` is the output input i spends; taproot digests need every one of them. */
  constructor(
    private readonly tx: Tx,
    private readonly spent: readonly (Prevout | undefined)[] = [],
  ) {
    this.prevouts = joined(tx.inputs, (w, i) => w.bytes(i.prevTxid).u32le(i.vout));
    this.sequences = joined(tx.inputs, (w, i) => w.u32le(i.sequence));
    this.outputs = joined(tx.outputs, (w, o) => w.u64le(o.value).varBytes(o.script));
  }

  /** BIP143 digest of input `index`, spending `value` sats with script code `scriptCode` (P2WPKH: the key's P2PKH script). */
  segwitV0(index: number, scriptCode: Uint8Array, value: number): Uint8Array {
    const input = this.input(index);
    this.v0 ??= { prevoutsSequences: new ByteWriter(64).bytes(sha256d(this.prevouts)).bytes(sha256d(this.sequences)).finish(), outputs: sha256d(this.outputs) };
    const w = new ByteWriter(160 + scriptCode.length).i32le(this.tx.version).bytes(this.v0.prevoutsSequences);
    w.bytes(input.prevTxid).u32le(input.vout).varBytes(scriptCode).u64le(value).u32le(input.sequence);
    // hashOutputs, locktime, SIGHASH_ALL.
    return sha256d(w.bytes(this.v0.outputs).u32le(this.tx.locktime).u32le(1).finish());
  }

  /** BIP341 digest of input `index` spent by key path, SIGHASH_DEFAULT, no annex. */
  taprootKeyPath(index: number): Uint8Array {
    this.input(index);
    if (!this.v1) {
      const spent = this.spent;
      if (spent.length !== this.tx.inputs.length || spent.some((p) => p === undefined)) throw new RangeError('a taproot signature hash needs the previous output of every input');
      const all = spent as readonly Prevout[];
      const w = new ByteWriter(160).bytes(sha256(this.prevouts));
      w.bytes(sha256(joined(all, (w, p) => w.u64le(p.value)))).bytes(sha256(joined(all, (w, p) => w.varBytes(p.script))));
      this.v1 = w.bytes(sha256(this.sequences)).bytes(sha256(this.outputs)).finish();
    }
    // Epoch 0, hash type DEFAULT, version, locktime, the shared hashes, spend type 0 (key path), index.
    const msg = new ByteWriter(175).u8(0).u8(0).i32le(this.tx.version).u32le(this.tx.locktime).bytes(this.v1).u8(0).u32le(index);
    return tagSchnorr('TapSighash', msg.finish());
  }

  private input(index: number) {
    const input = this.tx.inputs[index];
    if (!input) throw new RangeError(`no input ${index}`);
    return input;
  }
}
