// Unsigned transactions as PSBTs (@scure/btc-signer): inputs with their previous outputs and key
// origins (so Coffer, a hardware wallet or another signer can sign), outputs, change marked as ours.

import * as btc from '@scure/btc-signer';
import type { ScriptKind } from '../keys/accounts.js';
import { scripts, hash160 } from '../keys/address.js';

/** BIP125: replaceable, and lets nLockTime apply. */
export const RBF_SEQUENCE = 0xfffffffd;

export interface KeyOrigin {
  /** Master fingerprint as a number (btc-signer's form). */
  fingerprint: number;
  /** Full path from the master key, hardened steps with the high bit set. */
  path: number[];
  /** 33-byte compressed public key. */
  pubkey: Uint8Array;
  kind: ScriptKind;
}

export interface SpendInput {
  /** Internal byte order. */
  txid: Uint8Array;
  vout: number;
  value: number;
  script: Uint8Array;
  origin: KeyOrigin;
  /** The whole previous transaction (required by hardware wallets for non-taproot inputs). */
  prevRaw?: Uint8Array;
  sequence?: number;
}

export interface SpendOutput {
  script: Uint8Array;
  value: number;
  /** Set for our change: the origin lets signers recognise it. */
  origin?: KeyOrigin;
}

export function fingerprintNumber(hex: string): number {
  return Number.parseInt(hex, 16) >>> 0;
}

function displayTxid(txid: Uint8Array): Uint8Array {
  return Uint8Array.from(txid).reverse();
}

function inputFields(i: SpendInput): Record<string, unknown> {
  const o = i.origin;
  const der = { fingerprint: o.fingerprint, path: o.path };
  const base: Record<string, unknown> = {
    txid: displayTxid(i.txid),
    index: i.vout,
    sequence: i.sequence ?? RBF_SEQUENCE,
    witnessUtxo: { script: i.script, amount: BigInt(i.value) },
  };
  switch (o.kind) {
    case 'tr': {
      const xonly = o.pubkey.subarray(1);
      return { ...base, tapInternalKey: xonly, tapBip32Derivation: [[xonly, { hashes: [], der }]] };
    }
    case 'sh-wpkh':
      return { ...base, redeemScript: scripts.p2wpkh(hash160(o.pubkey)), bip32Derivation: [[o.pubkey, der]], ...(i.prevRaw ? { nonWitnessUtxo: i.prevRaw } : {}) };
    case 'wpkh':
      return { ...base, bip32Derivation: [[o.pubkey, der]], ...(i.prevRaw ? { nonWitnessUtxo: i.prevRaw } : {}) };
    case 'pkh': {
      // Legacy inputs are signed over the whole previous transaction, never a bare output.
      const { witnessUtxo: _w, ...rest } = base;
      void _w;
      return { ...rest, nonWitnessUtxo: i.prevRaw, bip32Derivation: [[o.pubkey, der]] };
    }
  }
}

function outputFields(o: SpendOutput): Record<string, unknown> {
  const base = { script: o.script, amount: BigInt(o.value) };
  if (!o.origin) return base;
  const der = { fingerprint: o.origin.fingerprint, path: o.origin.path };
  if (o.origin.kind === 'tr') {
    const xonly = o.origin.pubkey.subarray(1);
    return { ...base, tapInternalKey: xonly, tapBip32Derivation: [[xonly, { hashes: [], der }]] };
  }
  return { ...base, bip32Derivation: [[o.origin.pubkey, der]] };
}

/** An unsigned PSBT. `locktime` is usually the current height (discourages fee sniping). */
export function buildPsbt(inputs: SpendInput[], outputs: SpendOutput[], locktime: number): btc.Transaction {
  const tx = new btc.Transaction({ version: 2, lockTime: locktime, allowUnknownOutputs: true });
  for (const i of inputs) tx.addInput(inputFields(i) as never);
  for (const o of outputs) tx.addOutput(outputFields(o) as never);
  return tx;
}
