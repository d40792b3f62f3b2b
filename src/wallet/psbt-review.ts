// What signing a PSBT would do, decided before any key is touched: which inputs are this wallet's
// own coins (and may be signed), what each input and output is worth, which outputs come back to
// the wallet, and the fee. A PSBT is a stranger's file: nothing in it is trusted.
//
// An input is signed only when its previous output script is exactly the wallet's script for a key
// on one of its descriptors (receive or change chain of an account), every key origin the PSBT
// claims under the wallet's fingerprint names that same key and path, and nothing in the input
// asks for another kind of spend (a redeem or witness script, a taproot tree, a sighash type other
// than ALL). So the vault tree (m/1776'), the Lightning tree (m/9735'), other accounts and foreign
// scripts holding a wallet key are never signed, whatever the PSBT claims. Amounts are checked
// against the whole previous transaction when the PSBT carries it, and against the wallet's own
// record of the coin when it has one; a disagreement refuses the whole PSBT.

import * as btc from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, type Prevout, type Tx } from '../chain/tx.js';
import type { ScriptKind } from '../keys/accounts.js';
import { HARDENED } from '../keys/descriptors.js';
import { hash160, scriptToAddress, scripts } from '../keys/address.js';
import type { Network } from '../keys/networks.js';
import { checkInputCount } from './policy.js';
import type { PsbtSkipReason, PsbtSummary } from '../api/contract.js';

/** Where a key sits: master fingerprint, full path, and the script kind it is used for. */
export interface KeyPath {
  fingerprint: number;
  path: number[];
  kind: ScriptKind;
}

/** The wallet's key behind one of its own scripts. */
export interface OwnedScript {
  origin: KeyPath;
  /** 0: receive chain, 1: change chain. */
  chain: number;
}

/** What the wallet knows, looked up without its keys. */
export interface ReviewFacts {
  network: Network;
  /** The master key fingerprint of the wallet's descriptors (btc-signer's number form). */
  fingerprint: number;
  /** Where the wallet's key for one of its own output scripts sits, from its stored descriptors. */
  ownerOf(script: Uint8Array): OwnedScript | undefined;
  /** The wallet's own record of an output (txid in internal byte order), when it has that transaction. */
  knownOutput(txid: Uint8Array, vout: number): Prevout | undefined;
}

export type SkipReason = PsbtSkipReason;

export const SKIP_REASONS: Record<SkipReason, string> = {
  'not-this-wallet': "not this wallet's coin",
  'path-mismatch': "its key origin does not match the wallet's key for its script",
  'unexpected-fields': 'it asks for a script or key the wallet does not use for this coin',
  'sighash-type': 'it asks for a signature type other than SIGHASH_ALL',
  'no-previous-output': 'the PSBT lacks the previous outputs needed to sign it (a legacy input needs its whole previous transaction)',
  signed: 'signed already',
  final: 'finalized already',
};

/** What a review shows (the contract's types: psbt.review and `coffer wallet psbt sign` show it). */
export type { PsbtSummary };
export type ReviewedInput = PsbtSummary['inputs'][number];
export type ReviewedOutput = PsbtSummary['outputs'][number];

/**
 * One input to sign with the key at `origin`, which must produce exactly `prevout.script`; every
 * key origin the input names under that fingerprint must be this key (the signer checks both).
 */
export interface SignTarget {
  index: number;
  origin: KeyPath;
  prevout: Prevout;
  /** Keys the input's origins name under that fingerprint (33 bytes, or x-only for taproot). */
  namedKeys: Uint8Array[];
}

export interface PsbtReview {
  summary: PsbtSummary;
  targets: SignTarget[];
  /** Every input's previous output, where known (a taproot digest needs all of them). */
  prevouts: (Prevout | undefined)[];
  /** The unsigned transaction. */
  tx: Tx;
}

type PsbtInput = ReturnType<btc.Transaction['getInput']>;

function mismatch(index: number, against: 'previous-tx' | 'wallet', claimed: number, actual: number): CofferError {
  const what = against === 'previous-tx' ? 'the previous transaction it carries' : "the wallet's own record of that coin";
  return new CofferError('invalid-psbt', `Input ${index} claims to spend ${claimed} sats, but ${what} says ${actual} (or another script); nothing was signed.`, {
    reason: 'amount-mismatch',
    input: index,
    against,
    claimedSat: claimed,
    actualSat: actual,
  });
}

/** The output script a single key of `kind` pays to (BIP86 key-path only for taproot). */
export function scriptForKey(kind: ScriptKind, pubkey: Uint8Array): Uint8Array {
  switch (kind) {
    case 'pkh':
      return scripts.p2pkh(hash160(pubkey));
    case 'wpkh':
      return scripts.p2wpkh(hash160(pubkey));
    case 'sh-wpkh':
      return scripts.p2sh(hash160(scripts.p2wpkh(hash160(pubkey))));
    case 'tr':
      return scripts.p2tr(btc.utils.taprootTweakPubkey(pubkey.subarray(1), new Uint8Array(0))[0]);
  }
}

export function formatPath(path: readonly number[]): string {
  return ['m', ...path.map((p) => (p >= HARDENED ? `${p - HARDENED}'` : String(p)))].join('/');
}

function samePath(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The previous output an input spends, checked against everything that can vouch for it. */
function prevoutOf(input: PsbtInput, index: number, prevTxid: Uint8Array, vout: number, facts: ReviewFacts): { prevout?: Prevout; from?: ReviewedInput['valueFrom'] } {
  let fromTx: Prevout | undefined;
  if (input.nonWitnessUtxo) {
    const raw = btc.RawTx.encode({ ...input.nonWitnessUtxo, segwitFlag: false, witnesses: undefined });
    const prev = parseTx(raw);
    if (!equalBytes(txidOf(prev), prevTxid)) {
      throw new CofferError('invalid-psbt', `Input ${index} carries a previous transaction that is not the one it spends.`, { reason: 'previous-tx-mismatch', input: index });
    }
    const out = prev.outputs[vout];
    if (!out) throw new CofferError('invalid-psbt', `Input ${index} spends output ${vout}, which its previous transaction does not have.`, { reason: 'previous-tx-mismatch', input: index });
    fromTx = out;
  }
  const witness = input.witnessUtxo ? { script: input.witnessUtxo.script, value: Number(input.witnessUtxo.amount) } : undefined;
  if (fromTx && witness && (witness.value !== fromTx.value || !equalBytes(witness.script, fromTx.script))) {
    throw mismatch(index, 'previous-tx', witness.value, fromTx.value);
  }
  const claimed = fromTx ?? witness;
  const known = facts.knownOutput(prevTxid, vout);
  if (known && claimed && (known.value !== claimed.value || !equalBytes(known.script, claimed.script))) {
    throw mismatch(index, 'wallet', claimed.value, known.value);
  }
  if (fromTx) return { prevout: fromTx, from: 'previous-tx' };
  if (known) return { prevout: known, from: 'wallet' };
  if (witness) return { prevout: witness, from: 'psbt' };
  return {};
}

/** Why the wallet must not sign this input of its own script with `owned`'s key, or undefined if it may. */
function refusal(input: PsbtInput, owned: OwnedScript, facts: ReviewFacts, allPrevouts: boolean): SkipReason | undefined {
  const o = owned.origin;
  if (input.finalScriptSig || input.finalScriptWitness) return 'final';
  // Under our fingerprint, only this key's own path may be named (the signer checks the key itself).
  const ours = (der: { fingerprint: number; path: number[] }) => der.fingerprint !== facts.fingerprint || samePath(der.path, o.path);
  if (!(input.bip32Derivation ?? []).every(([, der]) => ours(der))) return 'path-mismatch';
  if (!(input.tapBip32Derivation ?? []).every(([, { der, hashes }]) => ours(der) && (der.fingerprint !== facts.fingerprint || hashes.length === 0))) return 'path-mismatch';
  if (input.witnessScript || input.tapLeafScript || input.tapMerkleRoot || input.tapScriptSig) return 'unexpected-fields';
  if (o.kind === 'tr') {
    if (input.redeemScript) return 'unexpected-fields';
    if (input.sighashType !== undefined && input.sighashType !== 0) return 'sighash-type';
    if (input.tapKeySig) return 'signed';
    // BIP341 signs every input's amount and script: all must be known.
    if (!allPrevouts) return 'no-previous-output';
    return undefined;
  }
  // P2SH-P2WPKH: the redeem script hashes to the input's script, which is ours, so it can only be ours.
  if (input.redeemScript && o.kind !== 'sh-wpkh') return 'unexpected-fields';
  if (input.tapInternalKey) return 'unexpected-fields';
  if (input.sighashType !== undefined && input.sighashType !== 1) return 'sighash-type';
  // Our scripts take one key: any signature on one is ours.
  if ((input.partialSig ?? []).length > 0) return 'signed';
  // A legacy signature commits to no amount: only the whole previous transaction proves it.
  if (o.kind === 'pkh' && !input.nonWitnessUtxo) return 'no-previous-output';
  return undefined;
}

/** Review a PSBT against the wallet: what it spends and pays, and which inputs the wallet will sign. */
export function reviewPsbtWith(psbt: btc.Transaction, facts: ReviewFacts): PsbtReview {
  checkInputCount(psbt.inputsLength);
  if (psbt.inputsLength === 0) throw new CofferError('invalid-psbt', 'The PSBT spends nothing.', { reason: 'no inputs' });
  const tx = parseTx(psbt.unsignedTx);
  const inputs = Array.from({ length: psbt.inputsLength }, (_, i) => psbt.getInput(i));
  const found = inputs.map((input, i) => prevoutOf(input, i, tx.inputs[i]!.prevTxid, tx.inputs[i]!.vout, facts));
  const prevouts = found.map((f) => f.prevout);
  const allPrevouts = prevouts.every((p) => p !== undefined);
  const targets: SignTarget[] = [];
  const reviewed = inputs.map((input, index): ReviewedInput => {
    const { prevout, from } = found[index]!;
    const base: ReviewedInput = {
      txid: hashToHex(tx.inputs[index]!.prevTxid),
      vout: tx.inputs[index]!.vout,
      ...(prevout ? { value: prevout.value, valueFrom: from!, ...addressOf(prevout.script, facts.network) } : {}),
      sign: false,
    };
    if (!prevout) return { ...base, skip: 'no-previous-output' };
    const owned = facts.ownerOf(prevout.script);
    if (!owned) return { ...base, skip: 'not-this-wallet' };
    const skip = refusal(input, owned, facts, allPrevouts);
    if (skip) return { ...base, skip };
    targets.push({ index, origin: owned.origin, prevout, namedKeys: namedKeys(input, facts.fingerprint) });
    return { ...base, sign: true, path: formatPath(owned.origin.path) };
  });
  const outputs = tx.outputs.map((o): ReviewedOutput => {
    const chain = facts.ownerOf(o.script)?.chain;
    return {
      ...addressOf(o.script, facts.network),
      script: toHex(o.script),
      value: o.value,
      ...(chain === 1 ? { mine: 'change' as const } : chain === 0 ? { mine: 'receive' as const } : {}),
    };
  });
  const out = tx.outputs.reduce((n, o) => n + o.value, 0);
  let fee: number | undefined;
  if (allPrevouts) {
    fee = prevouts.reduce((n, p) => n + p!.value, 0) - out;
    if (fee < 0) throw new CofferError('invalid-psbt', `The outputs spend ${-fee} sats more than the inputs hold.`, { reason: 'negative fee', feeSat: fee });
  }
  const summary: PsbtSummary = {
    inputs: reviewed,
    outputs,
    ...(fee !== undefined ? { fee } : {}),
    sent: outputs.filter((o) => !o.mine).reduce((n, o) => n + o.value, 0),
    toSign: targets.length,
  };
  return { summary, targets, prevouts, tx };
}

function namedKeys(input: PsbtInput, fingerprint: number): Uint8Array[] {
  return [
    ...(input.bip32Derivation ?? []).filter(([, der]) => der.fingerprint === fingerprint).map(([key]) => key),
    ...(input.tapBip32Derivation ?? []).filter(([, { der }]) => der.fingerprint === fingerprint).map(([key]) => key),
  ];
}

function addressOf(script: Uint8Array, network: Network): { address?: string } {
  const address = scriptToAddress(script, network);
  return address ? { address } : {};
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const KIND_OF_PURPOSE: Record<number, ScriptKind> = { [44 + HARDENED]: 'pkh', [49 + HARDENED]: 'sh-wpkh', [84 + HARDENED]: 'wpkh', [86 + HARDENED]: 'tr' };

/**
 * What to sign in a PSBT the wallet built itself from its own plan (send, bump, CPFP, vault deposit,
 * channel funding): every input with a key origin, with the script kind its path's purpose names.
 * The signer still signs only where the derived key gives exactly the input's script.
 */
export function plannedSigning(psbt: btc.Transaction): Pick<PsbtReview, 'tx' | 'prevouts' | 'targets'> {
  const tx = parseTx(psbt.unsignedTx);
  const prevouts: (Prevout | undefined)[] = [];
  const targets: SignTarget[] = [];
  for (let index = 0; index < psbt.inputsLength; index++) {
    const input = psbt.getInput(index);
    const fromTx = input.nonWitnessUtxo?.outputs[tx.inputs[index]!.vout];
    const utxo = input.witnessUtxo ?? fromTx;
    const prevout = utxo ? { script: utxo.script, value: Number(utxo.amount) } : undefined;
    prevouts.push(prevout);
    const der: [Uint8Array, { fingerprint: number; path: number[] }] | undefined =
      input.bip32Derivation?.[0] ?? (input.tapBip32Derivation?.[0] ? [input.tapBip32Derivation[0][0], input.tapBip32Derivation[0][1].der] : undefined);
    const kind = der ? KIND_OF_PURPOSE[der[1].path[0] ?? -1] : undefined;
    if (!der || !kind || !prevout || input.finalScriptWitness || input.finalScriptSig) continue;
    targets.push({ index, prevout, origin: { fingerprint: der[1].fingerprint, path: der[1].path, kind }, namedKeys: namedKeys(input, der[1].fingerprint) });
  }
  return { tx, prevouts, targets };
}
