// Signing chosen PSBT inputs with the wallet's keys.
//
// Which inputs, and with which key, is decided beforehand (psbt-review.ts for a stranger's PSBT,
// the spend plan for our own); here each key is derived at exactly its path and must produce
// exactly the script the input spends, or the input is left unsigned. Segwit digests (BIP143,
// BIP341 key path) come from sighash-cache.ts, linear in the number of inputs; legacy ones from
// @scure/btc-signer (quadratic by definition). The signatures come from @noble/curves' ECDSA
// (RFC6979, low-S, ground to a fixed size) and btc-signer's BIP340 helper. Every derived private
// key is wiped before returning.

import type { HDKey } from '@scure/bip32';
import * as btc from '@scure/btc-signer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { signSchnorr, taprootTweakPrivKey } from '@scure/btc-signer/utils.js';
import { ByteWriter, equalBytes } from '../chain/bytes.js';
import { serializeTx, type Prevout, type Tx } from '../chain/tx.js';
import { hash160, scripts } from '../keys/address.js';
import type { ScriptKind } from '../keys/accounts.js';
import { scriptForKey, type SignTarget } from './psbt-review.js';
import type { PsbtRecord } from './psbt-records.js';
import { SighashCache } from './sighash-cache.js';

const SIGHASH_ALL_BYTE = Uint8Array.of(btc.SigHash.ALL);

/**
 * `tx` as btc-signer's transaction, for its signature hashes (`preimageWitnessV0`,
 * `preimageWitnessV1`, `preimageLegacy`): the unsigned fields only, any script and version taken.
 */
export function digestView(tx: Tx): DigestView {
  return btc.Transaction.fromRaw(serializeTx(tx, false), { allowUnknownInputs: true, allowUnknownOutputs: true, allowUnknownVersion: true, disableScriptCheck: true }) as unknown as DigestView;
}

/** btc-signer declares its legacy digest private; it is the one its own signIdx uses. */
type DigestView = Pick<btc.Transaction, 'preimageWitnessV0' | 'preimageWitnessV1'> & { preimageLegacy(index: number, prevOutScript: Uint8Array, hashType: number): Uint8Array };

/** Derives keys along paths that share their prefixes (an account's chains), each step once. */
class KeyTree {
  private readonly nodes = new Map<string, HDKey>();

  constructor(private readonly master: HDKey) {}

  at(path: readonly number[]): HDKey {
    let node = this.master;
    let key = '';
    for (const step of path) {
      key += `/${step}`;
      let next = this.nodes.get(key);
      if (!next) {
        next = node.deriveChild(step);
        this.nodes.set(key, next);
      }
      node = next;
    }
    return node;
  }

  wipe(): void {
    for (const n of this.nodes.values()) n.wipePrivateData();
    this.nodes.clear();
  }
}

/** What signing adds to one input: its signature and the fields a finalizer needs. */
export interface InputSignature {
  index: number;
  /** 33-byte key (ECDSA) or its x-only form (taproot). */
  pubkey: Uint8Array;
  kind: ScriptKind;
  /** DER + SIGHASH_ALL byte (ECDSA), or 64 bytes (BIP340, SIGHASH_DEFAULT). */
  signature: Uint8Array;
  der: { fingerprint: number; path: number[] };
  prevout: Prevout;
}

/**
 * ECDSA (RFC6979, low-S) whose DER encoding is exactly 70 bytes: like Bitcoin Core's low-R
 * signing, the nonce is ground with extra entropy 1, 2, ... (RFC6979 3.6) until r, and here s
 * too, take exactly 32 bytes (about two tries). Every input Coffer signs then has the size its
 * plan counted (policy.signedWeight), so the checks run before signing and after agree.
 */
export function signEcdsa70(digest: Uint8Array, priv: Uint8Array): Uint8Array {
  const extraEntropy = new Uint8Array(32);
  // A try fails with probability about 1/2: 1,000 failures in a row do not happen.
  for (let n = 0; n < 1_000; n++) {
    if (n > 0) new DataView(extraEntropy.buffer).setUint32(0, n, true);
    const rs = secp256k1.sign(digest, priv, { prehash: false, lowS: true, ...(n > 0 ? { extraEntropy } : {}) });
    if (fullWidth(rs[0]!) && fullWidth(rs[32]!)) return secp256k1.Signature.fromBytes(rs, 'compact').toBytes('der');
  }
  throw new Error('no 70-byte ECDSA signature in 1,000 tries');
}

/** The top byte of a 32-byte DER integer: not zero (it would be dropped), high bit clear (no padding byte). */
function fullWidth(top: number): boolean {
  return top >= 0x01 && top <= 0x7f;
}

/**
 * Sign `targets` of the PSBT whose unsigned transaction is `tx` with keys below `master`. An input
 * whose key does not give exactly its script, or that names another key under our fingerprint,
 * is skipped. Nothing is written to the PSBT here (see applySignatures, signatureRecords).
 */
export function signTargets(tx: Tx, prevouts: readonly (Prevout | undefined)[], master: HDKey, targets: readonly SignTarget[]): InputSignature[] {
  // BIP341 commits to every input's previous output: review refuses a taproot target without them all.
  const digests = new SighashCache(tx, prevouts);
  let legacy: DigestView | undefined;
  // The account and chain keys are derived once and shared; each input's own key is wiped at once.
  const parents = new KeyTree(master);
  const out: InputSignature[] = [];
  try {
    for (const t of targets) {
      const { origin, prevout } = t;
      const leaf = parents.at(origin.path.slice(0, -1)).deriveChild(origin.path[origin.path.length - 1]!);
      try {
        const priv = leaf.privateKey;
        const pub = leaf.publicKey!;
        const named = t.namedKeys.every((k) => equalBytes(k, k.length === 32 ? pub.subarray(1) : pub));
        if (!priv || origin.fingerprint !== master.fingerprint || !named || !equalBytes(scriptForKey(origin.kind, pub), prevout.script)) continue;
        const der = { fingerprint: origin.fingerprint, path: origin.path };
        if (origin.kind === 'tr') {
          const tweaked = taprootTweakPrivKey(priv);
          try {
            out.push({ index: t.index, pubkey: pub.subarray(1), kind: 'tr', signature: signSchnorr(digests.taprootKeyPath(t.index), tweaked), der, prevout });
          } finally {
            tweaked.fill(0);
          }
        } else {
          const digest =
            origin.kind === 'pkh'
              ? (legacy ??= digestView(tx)).preimageLegacy(t.index, prevout.script, btc.SigHash.ALL)
              : digests.segwitV0(t.index, scripts.p2pkh(hash160(pub)), prevout.value);
          out.push({ index: t.index, pubkey: pub, kind: origin.kind, signature: concat(signEcdsa70(digest, priv), SIGHASH_ALL_BYTE), der, prevout });
        }
      } finally {
        leaf.wipePrivateData();
      }
    }
    return out;
  } finally {
    parents.wipe();
  }
}

/** Put signatures into a PSBT object (our own spends, which are finalized next). */
export function applySignatures(psbt: btc.Transaction, signatures: readonly InputSignature[]): void {
  for (const s of signatures) {
    const witnessUtxo = s.kind === 'pkh' ? {} : { witnessUtxo: { script: s.prevout.script, amount: BigInt(s.prevout.value) } };
    if (s.kind === 'tr') {
      psbt.updateInput(s.index, { ...witnessUtxo, tapKeySig: s.signature, tapInternalKey: s.pubkey, tapBip32Derivation: [[s.pubkey, { hashes: [], der: s.der }]] }, true);
    } else {
      const redeemScript = s.kind === 'sh-wpkh' ? { redeemScript: scripts.p2wpkh(hash160(s.pubkey)) } : {};
      psbt.updateInput(s.index, { ...witnessUtxo, ...redeemScript, partialSig: [[s.pubkey, s.signature]], bip32Derivation: [[s.pubkey, s.der]] }, true);
    }
  }
}

// BIP174 / BIP371 input key types.
const IN_WITNESS_UTXO = 0x01;
const IN_PARTIAL_SIG = 0x02;
const IN_REDEEM_SCRIPT = 0x04;
const IN_BIP32_DERIVATION = 0x06;
const IN_TAP_KEY_SIG = 0x13;
const IN_TAP_BIP32_DERIVATION = 0x16;
const IN_TAP_INTERNAL_KEY = 0x17;

function record(type: number, keyData: Uint8Array, value: Uint8Array): PsbtRecord {
  return { key: concat(Uint8Array.of(type), keyData), value };
}

function derivation(der: InputSignature['der']): Uint8Array {
  const w = new ByteWriter(4 + 4 * der.path.length);
  w.u8(der.fingerprint >>> 24).u8(der.fingerprint >>> 16).u8(der.fingerprint >>> 8).u8(der.fingerprint);
  for (const step of der.path) w.u32le(step);
  return w.finish();
}

/** The same signatures as PSBT records, per input (to add to the PSBT's bytes: psbt-records.ts). */
export function signatureRecords(signatures: readonly InputSignature[]): Map<number, PsbtRecord[]> {
  const out = new Map<number, PsbtRecord[]>();
  for (const s of signatures) {
    const recs: PsbtRecord[] = [];
    if (s.kind !== 'pkh') recs.push(record(IN_WITNESS_UTXO, new Uint8Array(0), new ByteWriter(43).u64le(s.prevout.value).varBytes(s.prevout.script).finish()));
    if (s.kind === 'tr') {
      recs.push(record(IN_TAP_KEY_SIG, new Uint8Array(0), s.signature));
      recs.push(record(IN_TAP_BIP32_DERIVATION, s.pubkey, concat(Uint8Array.of(0), derivation(s.der))));
      recs.push(record(IN_TAP_INTERNAL_KEY, new Uint8Array(0), s.pubkey));
    } else {
      recs.push(record(IN_PARTIAL_SIG, s.pubkey, s.signature));
      if (s.kind === 'sh-wpkh') recs.push(record(IN_REDEEM_SCRIPT, new Uint8Array(0), scripts.p2wpkh(hash160(s.pubkey))));
      recs.push(record(IN_BIP32_DERIVATION, s.pubkey, derivation(s.der)));
    }
    out.set(s.index, recs);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
