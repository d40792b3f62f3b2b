// Relay policy for transactions we build: sizes in weight units, dust, standard outputs, fee limits.
//
// Every size here is an integer number of weight units (WU); a virtual byte is 4 WU, rounded up
// (BIP141). The rules mirror Bitcoin Core's defaults, because a transaction Core's mempool refuses
// never confirms, and a user who waits on it has lost time and possibly a payment.

import { CofferError } from '../api/errors.js';
import { classifyScript } from '../keys/address.js';

/** Core's default -minrelaytxfee, in sat/vB. */
export const MIN_RELAY_FEE_RATE = 1;
/** Core's MAX_STANDARD_TX_WEIGHT: anything heavier is not relayed. */
export const MAX_STANDARD_TX_WEIGHT = 400_000;
/** Core's default maxfeerate for sendrawtransaction, 0.1 BTC/kvB. Above it we always refuse. */
export const MAX_FEE_RATE = 10_000;
/** A fee above this share of the amount sent needs the user's explicit consent. */
export const HIGH_FEE_SHARE = 0.05;
/** Core's DUST_RELAY_TX_FEE, in sat/vB. */
export const DUST_RELAY_FEE_RATE = 3;
/** Core's MAX_OP_RETURN_RELAY: an OP_RETURN script of at most 83 bytes in total. */
export const MAX_OP_RETURN_SCRIPT_SIZE = 83;

const WITNESS_SCALE = 4;
const OP_RETURN = 0x6a;

export type InputKind = 'pkh' | 'sh-wpkh' | 'wpkh' | 'tr';

// Worst-case signed input sizes. An ECDSA signature is at most 72 bytes of DER (a 33-byte r with
// its sign-padding byte, a 33-byte s if a signer ever skips low-S) plus the sighash byte: 73.
// Core budgets 72 because it assumes low-S; one byte more costs at most a satoshi and never
// leaves a transaction below the fee rate it promised.
const ECDSA_SIG = 73;
const PUBKEY = 33;
// What Coffer's own signer makes (psbt-signer.ts grinds every ECDSA signature to a 70-byte DER
// encoding, r and s 32 bytes each), with the sighash byte: the exact size of a signed input.
export const SIGNED_ECDSA_SIG = 71;
// BIP340 signature; with SIGHASH_DEFAULT no sighash byte follows (BIP341).
const SCHNORR_SIG = 64;
// Outpoint (32-byte txid + 4-byte index) and nSequence: every input has them.
const OUTPOINT_AND_SEQUENCE = 36 + 4;

/**
 * Worst-case weight of one signed input.
 *
 *  pkh:     scriptSig = push(73-byte sig) + push(33-byte key) = 74 + 34 = 108, with its 1-byte
 *           length 109; 36 + 109 + 4 = 149 bytes = 596 WU, plus 1 WU for the empty witness
 *           stack that every input carries once any input of the transaction has a witness.
 *           In an all-legacy transaction that 1 WU is an overestimate, never an underestimate.
 *           Total 597.
 *  sh-wpkh: scriptSig = push of the 22-byte v0 redeem script = 23, with length 24;
 *           36 + 24 + 4 = 64 bytes = 256 WU; witness = count 1 + (1 + 73) + (1 + 33) = 109.
 *           Total 365.
 *  wpkh:    empty scriptSig (length byte only): 41 bytes = 164 WU; witness 109. Total 273.
 *  tr:      key path: 41 bytes = 164 WU; witness = count 1 + (1 + 64) = 66. Total 230.
 *
 * With `ecdsaSig` = SIGNED_ECDSA_SIG, the exact weight of an input Coffer signs (pkh 589,
 * sh-wpkh 363, wpkh 271, tr 230).
 */
export function inputWeight(kind: InputKind, ecdsaSig = ECDSA_SIG): number {
  const witnessEcdsa = 1 + (1 + ecdsaSig) + (1 + PUBKEY);
  switch (kind) {
    case 'pkh': {
      const scriptSig = 1 + ecdsaSig + 1 + PUBKEY;
      return (OUTPOINT_AND_SEQUENCE + varIntSize(scriptSig) + scriptSig) * WITNESS_SCALE + 1;
    }
    case 'sh-wpkh': {
      const scriptSig = 1 + 22;
      return (OUTPOINT_AND_SEQUENCE + varIntSize(scriptSig) + scriptSig) * WITNESS_SCALE + witnessEcdsa;
    }
    case 'wpkh':
      return (OUTPOINT_AND_SEQUENCE + 1) * WITNESS_SCALE + witnessEcdsa;
    case 'tr':
      return (OUTPOINT_AND_SEQUENCE + 1) * WITNESS_SCALE + 1 + (1 + SCHNORR_SIG);
  }
}

/** An input that is final already (a presigned anchor's): its bytes outside and inside the witness. */
export interface FinalInput {
  bytes: number;
  witnessBytes: number;
}

/**
 * The exact weight a transaction will have once Coffer's signer has signed `inputs` (the kinds
 * of the wallet's own inputs; inputs already final count as they are), with these output
 * scripts. Known before any key is touched, so every check of the signed transaction can run
 * on the unsigned plan and give the same answer (spend-flows.ts).
 */
export function signedWeight(inputs: readonly (InputKind | FinalInput)[], outputs: readonly Uint8Array[]): number {
  const segwit = inputs.some((i) => (typeof i === 'string' ? i !== 'pkh' : i.witnessBytes > 0));
  let weight = txOverheadWeight(inputs.length, outputs.length, segwit);
  for (const o of outputs) weight += outputWeight(o);
  for (const i of inputs) {
    if (typeof i !== 'string') {
      // In a segwit transaction every input has a witness, if only its empty stack's count byte.
      weight += i.bytes * WITNESS_SCALE + (segwit ? Math.max(i.witnessBytes, 1) : 0);
    } else {
      // inputWeight counts a legacy input's empty witness byte: there is none without segwit.
      weight += inputWeight(i, SIGNED_ECDSA_SIG) - (i === 'pkh' && !segwit ? 1 : 0);
    }
  }
  return weight;
}

/**
 * The lightest input there can be: outpoint, empty scriptSig (its length byte) and nSequence, all
 * non-witness data (41 bytes), with an empty witness. Every real input weighs more.
 */
export const MIN_INPUT_WEIGHT = (OUTPOINT_AND_SEQUENCE + 1) * WITNESS_SCALE;

/**
 * More inputs than this never fit in a standard transaction: version, input count (3 bytes from
 * 253 inputs), output count, one output of at least 9 bytes and locktime take 21 bytes, and every
 * input at least MIN_INPUT_WEIGHT. (2,438; a wallet's own inputs weigh 230 WU or more, so at most
 * 1,738 of them fit.)
 */
export const MAX_STANDARD_INPUTS = Math.floor((MAX_STANDARD_TX_WEIGHT - (4 + 3 + 1 + 9 + 4) * WITNESS_SCALE) / MIN_INPUT_WEIGHT);

/** Refuse a transaction (or PSBT) with more inputs than any standard transaction can hold. */
export function checkInputCount(inputs: number): void {
  if (inputs > MAX_STANDARD_INPUTS) {
    throw new CofferError(
      'transaction-too-large',
      `The transaction has ${inputs.toLocaleString('en-US')} inputs; no standard transaction holds more than ${MAX_STANDARD_INPUTS.toLocaleString('en-US')} (${MAX_STANDARD_TX_WEIGHT.toLocaleString('en-US')} weight units), so the network would not relay it.`,
      { inputs, maxInputs: MAX_STANDARD_INPUTS },
    );
  }
}

/** Weight of one output: 8-byte value, script length, script; none of it is witness data. */
export function outputWeight(script: Uint8Array): number {
  return (8 + varIntSize(script.length) + script.length) * WITNESS_SCALE;
}

/** Weight of everything but the inputs and outputs: version, counts, locktime, segwit marker. */
export function txOverheadWeight(inputCount: number, outputCount: number, segwit: boolean): number {
  const bytes = 4 + varIntSize(inputCount) + varIntSize(outputCount) + 4;
  // The marker and flag bytes are witness data, so they count once, not four times.
  return bytes * WITNESS_SCALE + (segwit ? 2 : 0);
}

export function vsizeOf(weight: number): number {
  return Math.ceil(weight / WITNESS_SCALE);
}

/**
 * The smallest whole fee that pays `feeRate` sat/vB for a transaction of this weight.
 *
 * Not plain ceil(feeRate * vsize): the float product can land a hair above an integer
 * (1.1 * 110 = 121.00000000000001) and overpay a satoshi, or a hair below and underpay.
 * The answer is the least integer whose fee / vsize (the rate checkTransaction computes)
 * is at least feeRate, so building and checking can never disagree.
 */
export function feeForWeight(weight: number, feeRate: number): number {
  const vsize = vsizeOf(weight);
  if (vsize === 0 || feeRate <= 0) return 0;
  let fee = Math.ceil(feeRate * vsize);
  while (fee > 0 && (fee - 1) / vsize >= feeRate) fee -= 1;
  while (fee / vsize < feeRate) fee += 1;
  return fee;
}

/** A witness program in Core's sense: OP_0..OP_16 then one direct push of 2 to 40 bytes. */
function isWitnessProgram(s: Uint8Array): boolean {
  const op = s[0] ?? -1;
  return s.length >= 4 && s.length <= 42 && (op === 0 || (op >= 0x51 && op <= 0x60)) && s[1] === s.length - 2;
}

/**
 * Bitcoin Core's dust threshold at the default dust relay fee (3 sat/vB): an output is dust when
 * its value is below the fee to create and later spend it. Spending is budgeted at 148 bytes for
 * legacy outputs and 32 + 4 + 1 + floor(107 / 4) + 4 = 67 vbytes for any witness program (Core
 * keeps the P2WPKH figure for taproot too). OP_RETURN outputs cannot be spent: no threshold.
 * P2PKH 546, P2SH 540, P2WPKH 294, P2WSH and P2TR 330.
 */
export function dustThreshold(script: Uint8Array): number {
  if (script[0] === OP_RETURN) return 0;
  const outputBytes = outputWeight(script) / WITNESS_SCALE;
  const spendBytes = isWitnessProgram(script) ? 32 + 4 + 1 + Math.floor(107 / WITNESS_SCALE) + 4 : 32 + 4 + 1 + 107 + 4;
  return (outputBytes + spendBytes) * DUST_RELAY_FEE_RATE;
}

/** OP_RETURN followed only by data pushes (Core's NULL_DATA), at most 83 bytes in all. */
export function isNullData(script: Uint8Array): boolean {
  if (script[0] !== OP_RETURN || script.length > MAX_OP_RETURN_SCRIPT_SIZE) return false;
  let i = 1;
  while (i < script.length) {
    const op = script[i] ?? 0xff;
    i += 1;
    if (op > 0x60) return false;
    let len = 0;
    if (op >= 0x01 && op <= 0x4b) len = op;
    else if (op === 0x4c) len = readLE(script, i, 1);
    else if (op === 0x4d) len = readLE(script, i, 2);
    else if (op === 0x4e) len = readLE(script, i, 4);
    if (len < 0) return false;
    if (op >= 0x4c && op <= 0x4e) i += op === 0x4c ? 1 : op === 0x4d ? 2 : 4;
    i += len;
    if (i > script.length) return false;
  }
  return true;
}

function readLE(b: Uint8Array, at: number, n: number): number {
  if (at + n > b.length) return -1;
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = v * 256 + (b[at + k] ?? 0);
  return v;
}

/**
 * Whether Core relays a transaction paying to this script. Witness versions 2 to 16 are
 * reserved for future soft forks and standard to send to (BIP350). Version 1 is standard only
 * as a 32-byte taproot program: since BIP341 any other v1 program is spendable by anyone, so
 * money sent there is gone, and we refuse it even though Core would relay it.
 */
export function isStandardOutput(script: Uint8Array): boolean {
  const c = classifyScript(script);
  if (c !== undefined) {
    if (c.type !== 'witness-unknown') return true;
    return (c.version ?? 0) >= 2;
  }
  return isNullData(script);
}

export interface TransactionFacts {
  weight: number;
  fee: number;
  outputs: { script: Uint8Array; value: number }[];
  /** What leaves the wallet for others, without change and fee; 0 for a self-transfer. */
  amountSent: number;
  minFeeRate?: number;
  acceptHighFee?: boolean;
}

/**
 * Refuse a transaction the network would not relay, or one whose fee is surely a mistake.
 * Returns its vsize and fee rate (sat/vB, possibly fractional) when it passes.
 */
export function checkTransaction(t: TransactionFacts): { vsize: number; feeRate: number } {
  if (!Number.isSafeInteger(t.weight) || t.weight <= 0) throw new RangeError('weight must be a positive integer');
  if (!Number.isSafeInteger(t.fee) || t.fee < 0) throw new RangeError('fee must be a non-negative integer of satoshis');
  if (!Number.isSafeInteger(t.amountSent) || t.amountSent < 0) throw new RangeError('amountSent must be a non-negative integer');

  let dataOutputs = 0;
  t.outputs.forEach((o, index) => {
    if (!Number.isSafeInteger(o.value) || o.value < 0) throw new RangeError(`output ${index} value must be a non-negative integer`);
    if (!isStandardOutput(o.script)) {
      throw new CofferError('nonstandard-output', `Output ${index + 1} pays to a script the Bitcoin network will not relay.`, { index });
    }
    // Core relays at most one OP_RETURN output per transaction.
    if (isNullData(o.script) && ++dataOutputs > 1) {
      throw new CofferError('nonstandard-output', `Output ${index + 1} is a second data (OP_RETURN) output; only one is relayed.`, { index });
    }
  });
  t.outputs.forEach((o, index) => {
    const threshold = dustThreshold(o.script);
    if (o.value < threshold) {
      throw new CofferError(
        'amount-below-dust',
        `Output ${index + 1} pays ${formatSats(o.value)}, less than the ${formatSats(threshold)} the network accepts for that kind of address.`,
        { index, valueSat: o.value, dustThresholdSat: threshold },
      );
    }
  });

  if (t.weight > MAX_STANDARD_TX_WEIGHT) {
    throw new CofferError(
      'transaction-too-large',
      `The transaction is too large to relay (${t.weight.toLocaleString('en-US')} weight units, the limit is ${MAX_STANDARD_TX_WEIGHT.toLocaleString('en-US')}). Send from fewer coins.`,
      { weightWu: t.weight, maxWeightWu: MAX_STANDARD_TX_WEIGHT },
    );
  }

  const vsize = vsizeOf(t.weight);
  const feeRate = t.fee / vsize;
  const minFeeRate = t.minFeeRate ?? MIN_RELAY_FEE_RATE;
  if (feeRate < minFeeRate) {
    throw new CofferError(
      'fee-too-low',
      `The fee rate of ${rate(feeRate, Math.floor)} sat/vB is below the minimum of ${rate(minFeeRate, Math.ceil)} sat/vB; the network would not relay it.`,
      { feeRateSatPerVb: feeRate, requiredSatPerVb: minFeeRate },
    );
  }
  if (feeRate > MAX_FEE_RATE) {
    throw new CofferError(
      'fee-too-high',
      `The fee rate of ${rate(feeRate, Math.ceil)} sat/vB is above the ${rate(MAX_FEE_RATE, Math.floor)} sat/vB limit; this is almost certainly a mistake.`,
      { feeRateSatPerVb: feeRate, maxSatPerVb: MAX_FEE_RATE, requiresConfirmation: false },
    );
  }
  // fee / amountSent is exact enough here: for amounts up to 21 million BTC no ratio of whole
  // satoshis lies strictly between 5% and the double nearest to 0.05.
  if (t.amountSent > 0 && t.fee / t.amountSent > HIGH_FEE_SHARE && t.acceptHighFee !== true) {
    const percent = Math.round((t.fee / t.amountSent) * 10_000) / 100;
    throw new CofferError(
      'fee-too-high',
      `The fee of ${formatSats(t.fee)} is ${percent}% of the ${formatSats(t.amountSent)} you are sending. Confirm to pay it anyway.`,
      { feeSat: t.fee, amountSentSat: t.amountSent, percent, requiresConfirmation: true },
    );
  }
  return { vsize, feeRate };
}

/** "1,234 sats", for messages. */
export function formatSats(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'sat' : 'sats'}`;
}

// Rounded away from the limit it is compared with, so a message never reads "1 is below 1".
function rate(r: number, round: (x: number) => number): string {
  return (round(r * 1000) / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
