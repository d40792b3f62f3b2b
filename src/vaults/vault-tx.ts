// A vault's scripts and transactions (pure). The deposit output can be spent only by the
// presigning key `k` (which signs the unvault and the emergency cancels, then is wiped) or by the
// recovery key. The unvault output can be spent by `k` (the presigned cancels, to the recovery
// destination) or the recovery key at once, or by the hot key after `delay` blocks (BIP68/112).
// Every presigned transaction also carries a keyless pay-to-anchor output, so anyone can bump it
// by CPFP. The recovery key alone can therefore sweep a vault in any state before its withdrawal,
// with no presigned transaction (vault-note.ts puts what it needs besides the words on chain).
//
//   deposit  D = IF <k> CHECKSIG ELSE <recovery> CHECKSIG ENDIF
//   unvault  U = IF <k> CHECKSIG ELSE IF <recovery> CHECKSIG ELSE <delay> CHECKSEQUENCEVERIFY DROP <hot> CHECKSIG ENDIF ENDIF
//
// Vaults made before the recovery key guarded the unvault output (U without its middle branch)
// and those made with a bare recovery address (D = <k> CHECKSIG) stay spendable through their
// presigned sets; no new one is made.

import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { OP, OutScript, Script, SigHash } from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { txid as txidOf, vsize, type Tx } from '../chain/tx.js';
import { RBF_SEQUENCE } from '../wallet/psbt-builder.js';
import { digestView } from '../wallet/psbt-signer.js';
import { dustThreshold, feeForWeight, MAX_FEE_RATE, MIN_RELAY_FEE_RATE } from '../wallet/policy.js';

/** The P2WSH output script of a witness script. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  return OutScript.encode({ type: 'wsh', hash: sha256(witnessScript) });
}

/** The anchor's witness script: OP_TRUE, so anyone may spend it (with this script as witness). */
export const ANCHOR_WITNESS_SCRIPT = Script.encode(['OP_1']);
/**
 * P2WSH(OP_TRUE) rather than Core 28's pay-to-anchor (witness v1): every node relays its spend,
 * bcoin and Core before 28 included, which treat a v1 spend as non-standard. Without TRUC (v3)
 * limits anyone may also attach a large low-rate child to pin a cancel; the fee ladder is the
 * answer until the nodes Coffer supports relay v3 packages.
 */
export const ANCHOR_SCRIPT = p2wsh(ANCHOR_WITNESS_SCRIPT);
/** The P2WSH dust limit. */
export const ANCHOR_VALUE = 330;
/** Presigned cancel fee rates (sat/vB): the tower broadcasts the cheapest that meets the need. */
export const DEFAULT_CANCEL_FEERATES = [2, 5, 10, 25, 50, 100, 250, 500] as const;
/** BIP68: a relative lock in blocks is the sequence number itself, at most 0xffff. */
export const MAX_DELAY = 0xffff;
/** A DER signature with low S is at most 71 bytes, plus the sighash byte. */
const MAX_SIG_BYTES = 72;

export interface Outpoint {
  /** Internal byte order. */
  txid: Uint8Array;
  vout: number;
  value: number;
}

function checkPubkey(p: Uint8Array, what: string): void {
  if (p.length !== 33 || (p[0] !== 2 && p[0] !== 3)) throw new CofferError('invalid-descriptor', `The ${what} must be a compressed public key.`);
}

export function checkDelay(delay: number): void {
  if (!Number.isSafeInteger(delay) || delay < 1 || delay > MAX_DELAY) {
    throw new CofferError('invalid-setting', `The delay must be a whole number of blocks from 1 to ${MAX_DELAY}.`);
  }
}

export function depositScript(k: Uint8Array, recovery: Uint8Array): Uint8Array {
  checkPubkey(k, 'presigning key');
  checkPubkey(recovery, 'recovery key');
  return Script.encode(['IF', k, 'CHECKSIG', 'ELSE', recovery, 'CHECKSIG', 'ENDIF']);
}

export function unvaultScript(k: Uint8Array, recovery: Uint8Array, hot: Uint8Array, delay: number): Uint8Array {
  checkPubkey(k, 'presigning key');
  checkPubkey(recovery, 'recovery key');
  checkPubkey(hot, 'hot key');
  checkDelay(delay);
  // A number is pushed as a minimal CScriptNum (OP_1..OP_16 up to 16), as CSV's argument must be.
  return Script.encode(['IF', k, 'CHECKSIG', 'ELSE', 'IF', recovery, 'CHECKSIG', 'ELSE', delay, 'CHECKSEQUENCEVERIFY', 'DROP', hot, 'CHECKSIG', 'ENDIF', 'ENDIF']);
}

/** `IF <33> CHECKSIG ELSE` is 37 bytes; what follows tells the scripts apart. */
const FIRST_BRANCH = 37;
/** The deposit script's length: IF, k, CHECKSIG, ELSE, recovery, CHECKSIG, ENDIF. */
const DEPOSIT_LENGTH = 73;

type Shape = 'single' | 'deposit' | 'unvault' | 'unvault-without-recovery';

/** Which of the vault scripts this is, from its fixed layout. */
function shapeOf(script: Uint8Array): Shape {
  if (script[0] !== OP.IF) return 'single';
  if (script[FIRST_BRANCH] === OP.IF) return 'unvault';
  return script.length === DEPOSIT_LENGTH && script[FIRST_BRANCH] === 33 ? 'deposit' : 'unvault-without-recovery';
}

/** The recovery key in a deposit or unvault script that has one. */
export function recoveryKeyIn(script: Uint8Array): Uint8Array | undefined {
  const shape = shapeOf(script);
  if (shape === 'deposit') return script.slice(FIRST_BRANCH + 1, FIRST_BRANCH + 34);
  if (shape === 'unvault') return script.slice(FIRST_BRANCH + 2, FIRST_BRANCH + 35);
  return undefined;
}

/** The hot key of an unvault script: the last key, before `CHECKSIG ENDIF` (and one more ENDIF when nested). */
export function hotKeyIn(uScript: Uint8Array): Uint8Array | undefined {
  const shape = shapeOf(uScript);
  if (shape !== 'unvault' && shape !== 'unvault-without-recovery') return undefined;
  const end = uScript.length - (shape === 'unvault' ? 3 : 2);
  return uScript[end - 34] === 33 ? uScript.slice(end - 33, end) : undefined;
}

/** Which key spends: `k` (presigned), the recovery key, or the hot key after the delay. */
type Branch = 'k' | 'recovery' | 'hot';

/**
 * The witness selecting `branch` of `script` (none for a one-branch script). The item just
 * before the script is the top of the stack, read by the first IF.
 */
function witness(sig: Uint8Array, branch: Branch, script: Uint8Array): Uint8Array[] {
  const shape = shapeOf(script);
  if (shape === 'single') return [sig, script];
  const yes = Uint8Array.of(1);
  const no = new Uint8Array(0);
  if (branch === 'k') return [sig, yes, script];
  if (shape !== 'unvault') return [sig, no, script];
  return branch === 'recovery' ? [sig, yes, no, script] : [sig, no, no, script];
}

function sign(tx: Tx, script: Uint8Array, value: number, key: Uint8Array): Uint8Array {
  const digest = digestView(tx).preimageWitnessV0(0, script, SigHash.ALL, BigInt(value));
  const der = secp256k1.sign(digest, key, { prehash: false, format: 'der' });
  return Uint8Array.of(...der, SigHash.ALL);
}

/** One input, spending `from` (P2WSH of `script`) through a branch; outputs as given; fee at `feerate`. */
function spend(from: Outpoint, script: Uint8Array, branch: Branch, sequence: number, outputs: Tx['outputs'], key: Uint8Array): Tx {
  const tx: Tx = { version: 2, inputs: [{ prevTxid: from.txid, vout: from.vout, scriptSig: new Uint8Array(0), sequence, witness: [] }], outputs, locktime: 0 };
  tx.inputs[0]!.witness = witness(sign(tx, script, from.value, key), branch, script);
  return tx;
}

/** The vsize of a one-input spend of `script` with these output scripts (a maximal signature). */
function spendVsize(script: Uint8Array, branch: Branch, outputScripts: Uint8Array[]): number {
  const tx: Tx = {
    version: 2,
    inputs: [{ prevTxid: new Uint8Array(32), vout: 0, scriptSig: new Uint8Array(0), sequence: 0, witness: witness(new Uint8Array(MAX_SIG_BYTES), branch, script) }],
    outputs: outputScripts.map((s) => ({ value: 0, script: s })),
    locktime: 0,
  };
  return vsize(tx);
}

export interface PresignRequest {
  deposit: Outpoint;
  /** The presigning private key; the caller wipes it afterwards. */
  k: Uint8Array;
  /** The recovery key: the deposit's and the unvault output's recovery branch. */
  recoveryKey: Uint8Array;
  hotKey: Uint8Array;
  delay: number;
  /** Where cancels pay: an output script of a wallet that never touches this machine. */
  recoveryScript: Uint8Array;
  unvaultFeerate: number;
  cancelFeerates: readonly number[];
}

export interface Rung {
  feerate: number;
  fee: number;
  vsize: number;
  tx: Tx;
}

export interface PresignedSet {
  depositScript: Uint8Array;
  unvaultScript: Uint8Array;
  unvault: Tx;
  /** The unvault output (vout 0) the cancels and the withdrawal spend. */
  unvaultOutput: Outpoint;
  /** Unvault output -> recovery destination, one per fee rate, cheapest first. */
  cancels: Rung[];
  /** Deposit -> recovery destination directly (before any unvault), one per fee rate. */
  emergencies: Rung[];
}

function ladder(from: Outpoint, script: Uint8Array, req: PresignRequest): Rung[] {
  const size = spendVsize(script, 'k', [req.recoveryScript, ANCHOR_SCRIPT]);
  const dust = dustThreshold(req.recoveryScript);
  const rungs: Rung[] = [];
  for (const feerate of [...req.cancelFeerates].sort((a, b) => a - b)) {
    const fee = feeForWeight(size * 4, feerate);
    const out = from.value - fee - ANCHOR_VALUE;
    if (out < dust) break;
    const tx = spend(from, script, 'k', RBF_SEQUENCE, [{ value: out, script: req.recoveryScript }, { value: ANCHOR_VALUE, script: ANCHOR_SCRIPT }], req.k);
    rungs.push({ feerate, fee, vsize: vsize(tx), tx });
  }
  return rungs;
}

/**
 * Signs with `k` everything a vault needs before its deposit may be broadcast: the unvault, the
 * cancel ladder and the emergency ladder. Throws `amount-below-dust` when the deposit cannot pay
 * for its unvault and at least one cancel.
 */
export function presign(req: PresignRequest): PresignedSet {
  for (const rate of [req.unvaultFeerate, ...req.cancelFeerates]) {
    if (!(rate >= MIN_RELAY_FEE_RATE && rate <= MAX_FEE_RATE)) {
      throw new CofferError('invalid-setting', `Fee rates must be from ${MIN_RELAY_FEE_RATE} to ${MAX_FEE_RATE} sat/vB.`, { feeRateSatPerVb: rate });
    }
  }
  const kPub = secp256k1.getPublicKey(req.k, true);
  const dScript = depositScript(kPub, req.recoveryKey);
  const uScript = unvaultScript(kPub, req.recoveryKey, req.hotKey, req.delay);
  const uOut = p2wsh(uScript);
  const unvaultFee = feeForWeight(spendVsize(dScript, 'k', [uOut, ANCHOR_SCRIPT]) * 4, req.unvaultFeerate);
  const unvaultValue = req.deposit.value - unvaultFee - ANCHOR_VALUE;
  if (unvaultValue < dustThreshold(uOut)) throw new CofferError('amount-below-dust', 'The vault amount does not cover the fees of its presigned transactions.', { valueSat: Math.max(0, unvaultValue), dustThresholdSat: dustThreshold(uOut) });
  const unvault = spend(req.deposit, dScript, 'k', RBF_SEQUENCE, [{ value: unvaultValue, script: uOut }, { value: ANCHOR_VALUE, script: ANCHOR_SCRIPT }], req.k);
  const unvaultOutput = { txid: txidOf(unvault), vout: 0, value: unvaultValue };
  const cancels = ladder(unvaultOutput, uScript, req);
  const emergencies = ladder(req.deposit, dScript, req);
  if (cancels.length === 0 || emergencies.length === 0) {
    throw new CofferError('amount-below-dust', 'The vault amount is too small for even the cheapest cancel to leave a spendable output.');
  }
  return { depositScript: dScript, unvaultScript: uScript, unvault, unvaultOutput, cancels, emergencies };
}

/** After the delay: the hot key spends the unvault output to `to` (BIP68: sequence = delay). */
export function withdrawal(from: Outpoint, uScript: Uint8Array, delay: number, hotKey: Uint8Array, to: Uint8Array, feerate: number): Tx {
  return spend(from, uScript, 'hot', delay, [{ value: withdrawalValue(from, uScript, to, feerate), script: to }], hotKey);
}

/** What a withdrawal pays to `to` after its fee; refused when that is dust. Needs no key. */
export function withdrawalValue(from: Outpoint, uScript: Uint8Array, to: Uint8Array, feerate: number): number {
  const fee = feeForWeight(spendVsize(uScript, 'hot', [to]) * 4, feerate);
  const out = from.value - fee;
  if (out < dustThreshold(to)) throw new CofferError('amount-below-dust', 'After the fee nothing spendable would be left.', { valueSat: Math.max(0, out), dustThresholdSat: dustThreshold(to) });
  return out;
}

/**
 * The recovery key spends a deposit output (a stray deposit, or a vault in an emergency) or an
 * unvault output (before the withdrawal) to `to`, at once: no presigned transaction needed.
 */
export function recoverySweep(from: Outpoint, script: Uint8Array, recoveryKey: Uint8Array, to: Uint8Array, feerate: number): Tx {
  if (recoveryKeyIn(script) === undefined) {
    throw new CofferError('invalid-descriptor', 'This vault output has no recovery branch (the vault was made with a recovery address, or its unvault before the recovery key could spend it); use its presigned cancel.', { reason: 'no-recovery-branch' });
  }
  const fee = feeForWeight(spendVsize(script, 'recovery', [to]) * 4, feerate);
  const out = from.value - fee;
  if (out < dustThreshold(to)) throw new CofferError('amount-below-dust', 'After the fee nothing spendable would be left.', { valueSat: Math.max(0, out), dustThresholdSat: dustThreshold(to) });
  return spend(from, script, 'recovery', RBF_SEQUENCE, [{ value: out, script: to }], recoveryKey);
}
