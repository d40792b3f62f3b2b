// Planning a spend as a pure function: facts (the wallet's coins with their key origins, frozen
// outpoints, tip, network, the next change address) and a request in, the unsigned plan out.

import type * as btc from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import type { ScriptKind } from '../keys/accounts.js';
import { addressToScript } from '../keys/address.js';
import type { Network } from '../keys/networks.js';
import { selectAll, selectCoins, type Candidate } from './coin-selection.js';
import type { KeyOrigins } from './key-origins.js';
import { dustThreshold, formatSats, inputWeight, isNullData, MAX_FEE_RATE, MIN_RELAY_FEE_RATE, outputWeight, signedWeight, txOverheadWeight } from './policy.js';
import { buildPsbt, type SpendInput, type SpendOutput } from './psbt-builder.js';
import { isMature, type ScriptOwner, type Utxo } from './wallet-state.js';

export interface Outpoint {
  /** Internal byte order. */
  txid: Uint8Array;
  vout: number;
}

export interface Recipient {
  /** An address, or directly the output script (fee bumps keep the original outputs). */
  address?: string;
  script?: Uint8Array;
  amount: number | 'max';
}

export interface PlanRequest {
  recipients: Recipient[];
  /** sat/vB */
  feeRate: number;
  /** Coin control: spend exactly these. */
  inputs?: Outpoint[];
  /** With `inputs`: spend these and add more coins if needed (fee bumps). */
  addInputs?: boolean;
  /** Coins that must not be added (fee bumps: only confirmed ones may join). */
  exclude?: (u: WalletCoin) => boolean;
  /** Fixed sequence for every input (default: BIP125 replaceable). */
  sequence?: number;
  /** Where coin selection and the change position draw their randomness (default Math.random). */
  random?: () => number;
  /** Sats of spendable coins (change included) the spend must leave: the reserve for anchor channels' fee bumps. */
  keepSat?: number;
}

/** One unspent output of the wallet, with what spending it needs. */
export interface WalletCoin extends Utxo {
  kind: ScriptKind;
  /** Every input of its transaction spends an output of the wallet (our own change, trusted unconfirmed). */
  ownParent: boolean;
  /** The whole transaction that made it (signers need it for non-taproot inputs). */
  prevRaw?: Uint8Array;
}

/** The change address a plan may use: the next one on the internal chain, not yet reserved. */
export interface ChangeSlot {
  script: Uint8Array;
  owner: ScriptOwner;
}

/** Everything a plan depends on, gathered by the caller; the planner reads nothing else. */
export interface SpendFacts {
  network: Network;
  tipHeight: number;
  /** Every unspent output of the wallet (frozen, immature and untrusted ones included). */
  coins: readonly WalletCoin[];
  /** Frozen outpoints as `outpointKey` gives them. */
  frozen: ReadonlySet<string>;
  origins: KeyOrigins;
  /** Needed by every plan but a send-max. */
  change?: ChangeSlot;
}

export interface Plan {
  psbt: btc.Transaction;
  inputs: SpendInput[];
  outputs: SpendOutput[];
  fee: number;
  /** Estimated weight of the signed transaction (worst-case signatures): what the fee pays for. */
  weight: number;
  /** The exact weight once Coffer's signer has signed it (policy.signedWeight). */
  signedWeight: number;
  /** What leaves the wallet to others (the 5% fee warning compares against this). */
  amountSent: number;
  changeIndex?: number;
  /**
   * The change slot the plan took, for the caller to reserve: every plan but a send-max takes it
   * (its script weighed the change), whether or not change was made.
   */
  changeSlot?: ScriptOwner;
}

export function outpointKey(txid: Uint8Array, vout: number): string {
  return `${hashToHex(txid)}:${vout}`;
}

/** Parse "txid:vout" (display-order txid) into an outpoint. */
export function parseOutpoint(text: string): Outpoint {
  const m = /^([0-9a-fA-F]{64}):(\d{1,10})$/.exec(text.trim());
  const txid = m ? hexToHash(m[1]!) : undefined;
  if (!m || !txid || Number(m[2]) > 0xffffffff) {
    throw new CofferError('invalid-outpoint', `"${text}" is not an outpoint; write TXID:VOUT.`, { outpoint: text });
  }
  return { txid, vout: Number(m[2]) };
}

/**
 * Coins the wallet spends by itself: confirmed and mature, or unconfirmed change of our own
 * transactions; never frozen ones. Coin control may name any coin that is not frozen.
 */
export function spendableCoins(facts: Pick<SpendFacts, 'coins' | 'frozen' | 'tipHeight'>): WalletCoin[] {
  return facts.coins.filter((u) => {
    if (facts.frozen.has(outpointKey(u.txid, u.vout))) return false;
    if (u.coinbase && (u.height === undefined || !isMature(u.height, facts.tipHeight))) return false;
    return u.height !== undefined || u.ownParent;
  });
}

/** The PSBT input for one of our coins. */
export function coinInput(u: Pick<WalletCoin, 'txid' | 'vout' | 'value' | 'script' | 'owner' | 'prevRaw'>, origins: KeyOrigins): SpendInput {
  return { txid: u.txid, vout: u.vout, value: u.value, script: u.script, origin: origins.origin(u.owner), ...(u.prevRaw ? { prevRaw: u.prevRaw } : {}) };
}

function candidate(u: WalletCoin): Candidate {
  return { id: outpointKey(u.txid, u.vout), value: u.value, weight: inputWeight(u.kind) };
}

/** Coin control's coins: each an unspent, unfrozen coin of the wallet, none named twice. */
function requiredCoins(facts: SpendFacts, inputs: readonly Outpoint[]): WalletCoin[] {
  checkOutpoints(inputs);
  const all = new Map(facts.coins.map((u) => [outpointKey(u.txid, u.vout), u]));
  return inputs.map((o) => {
    const k = outpointKey(o.txid, o.vout);
    const u = all.get(k);
    if (!u) throw new CofferError('invalid-outpoint', `${k} is not an unspent coin of this wallet.`, { outpoint: k });
    if (facts.frozen.has(k)) throw new CofferError('invalid-outpoint', `${k} is frozen; unfreeze it to spend it.`, { outpoint: k });
    return u;
  });
}

/** Choose coins and build the unsigned transaction. Reads nothing but its arguments. */
export function planSpend(facts: SpendFacts, req: PlanRequest): Plan {
  checkFeeRate(req.feeRate);
  const outs = checkRecipients(req.recipients, facts.network);

  const spendable = spendableCoins(facts).filter((u) => !req.exclude?.(u));
  const required = req.inputs && req.inputs.length > 0 ? requiredCoins(facts, req.inputs) : undefined;
  const byKey = new Map([...spendable, ...(required ?? [])].map((u) => [outpointKey(u.txid, u.vout), u]));
  const coinOf = (c: Candidate) => byKey.get(c.id)!;
  const requiredCandidates = required?.map(candidate);

  const max = outs.findIndex((o) => o.amount === 'max');
  const change = max >= 0 ? undefined : facts.change;
  if (max < 0 && !change) throw new Error('a plan that may make change needs the change slot');
  const outputWeights = outs.reduce((n, o) => n + outputWeight(o.script), 0);
  const fixed = outs.reduce((n, o) => n + (o.amount === 'max' ? 0 : o.amount), 0);
  let chosen: WalletCoin[];
  let changeValue = 0;
  let fee: number;
  let weight: number;
  if (!change) {
    const maxScript = outs[max]!.script;
    const r = selectAll({
      candidates: requiredCandidates ?? spendable.map(candidate),
      ...(requiredCandidates ? { required: requiredCandidates, onlyRequired: true } : {}),
      feeRate: req.feeRate,
      baseWeight: txOverheadWeight(1, outs.length, true) + outputWeights,
      recipientDust: dustThreshold(maxScript),
    });
    const amount = r.amount - fixed;
    if (amount < dustThreshold(maxScript)) {
      throw new CofferError('amount-below-dust', 'After the other recipients and the fee, nothing above the dust limit is left to send.', {
        index: max,
        valueSat: Math.max(0, amount),
        dustThresholdSat: dustThreshold(maxScript),
      });
    }
    outs[max]!.amount = amount;
    chosen = r.inputs.map(coinOf);
    fee = r.fee;
    weight = r.weight;
  } else {
    const sel = selectCoins({
      candidates: spendable.map(candidate),
      target: fixed,
      feeRate: req.feeRate,
      baseWeight: txOverheadWeight(1, outs.length + 1, true) + outputWeights,
      changeWeight: outputWeight(change.script),
      changeSpendWeight: inputWeight(facts.origins.kindOf(change.owner)),
      changeDust: dustThreshold(change.script),
      ...(req.random ? { random: req.random } : {}),
      ...(requiredCandidates ? { required: requiredCandidates, onlyRequired: req.addInputs !== true } : {}),
    });
    chosen = sel.inputs.map(coinOf);
    changeValue = sel.change;
    fee = sel.fee;
    weight = sel.weight;
  }

  checkKept(spendable, chosen, changeValue, fixed + fee, req.keepSat ?? 0);
  const inputs = chosen.map((u) => ({ ...coinInput(u, facts.origins), ...(req.sequence !== undefined ? { sequence: req.sequence } : {}) }));
  const outputs: SpendOutput[] = outs.map((o) => ({ script: o.script, value: o.amount as number }));
  let changeIndex: number | undefined;
  if (change && changeValue > 0) {
    // Put change at a random position so it cannot be told apart by its place.
    changeIndex = Math.floor((req.random ?? Math.random)() * (outputs.length + 1));
    outputs.splice(changeIndex, 0, { script: change.script, value: changeValue, origin: facts.origins.origin(change.owner) });
  }
  const psbt = buildPsbt(inputs, outputs, facts.tipHeight > 0 ? facts.tipHeight : 0);
  const amountSent = outputs.filter((_, i) => i !== changeIndex).reduce((n, o) => n + o.value, 0);
  const exact = signedWeight(inputs.map((i) => i.origin.kind), outputs.map((o) => o.script));
  return {
    psbt,
    inputs,
    outputs,
    fee,
    weight,
    signedWeight: exact,
    amountSent,
    ...(changeIndex !== undefined ? { changeIndex } : {}),
    ...(change ? { changeSlot: change.owner } : {}),
  };
}

/** A spend that would leave less than `keep` of the coins the wallet spends by itself is refused. */
function checkKept(spendable: readonly WalletCoin[], chosen: readonly WalletCoin[], change: number, spent: number, keep: number): void {
  if (keep <= 0) return;
  const used = new Set(chosen.map((u) => outpointKey(u.txid, u.vout)));
  const left = spendable.reduce((n, u) => n + (used.has(outpointKey(u.txid, u.vout)) ? 0 : u.value), 0) + change;
  if (left >= keep) return;
  const available = spendable.reduce((n, u) => n + u.value, 0);
  throw new CofferError('insufficient-funds', `${formatSats(keep)} are kept for fee bumps of your anchor channels; this spend would leave ${formatSats(left)}.`, {
    neededSat: spent + keep,
    availableSat: available,
    shortfallSat: keep - left,
    anchorReserveSat: keep,
  });
}

/**
 * The recipients' scripts and amounts, refused as a plan would refuse them (address, network,
 * amount, dust, one "max" at most). Needs no wallet state: the CLI checks its arguments with it
 * before it asks for the password.
 */
export function checkRecipients(recipients: readonly Recipient[], network: Network): { script: Uint8Array; amount: number | 'max' }[] {
  if (recipients.length === 0) throw new CofferError('usage', 'a send needs at least one recipient');
  if (recipients.filter((r) => r.amount === 'max').length > 1) throw new CofferError('usage', 'only one recipient can receive "max"');
  const outs = recipients.map((r) => ({ script: r.script ?? addressToScript(r.address ?? '', network), amount: r.amount }));
  outs.forEach((o, index) => {
    if (o.amount === 'max') return;
    // A data output (OP_RETURN, e.g. a vault's note) carries nothing: zero is its amount.
    if (o.amount === 0 && isNullData(o.script)) return;
    if (!Number.isSafeInteger(o.amount) || o.amount <= 0) throw new CofferError('invalid-amount', 'Amounts are positive whole numbers of satoshis.', { index });
    const dust = dustThreshold(o.script);
    if (o.amount < dust) {
      throw new CofferError('amount-below-dust', `${o.amount} sats is below the dust limit of ${dust} sats for that address type.`, { index, valueSat: o.amount, dustThresholdSat: dust });
    }
  });
  return outs;
}

/** Coin control's outpoints, refused when one is named twice (the wallet's coins are checked by the plan). */
export function checkOutpoints(outpoints: readonly Outpoint[]): void {
  const named = outpoints.map((o) => outpointKey(o.txid, o.vout));
  const twice = named.find((k, i) => named.indexOf(k) !== i);
  if (twice) throw new CofferError('invalid-outpoint', `${twice} is named twice.`, { outpoint: twice });
}

/** Refuse fee rates no node would relay, or that no one should pay, before choosing coins. */
export function checkFeeRate(feeRate: number): void {
  if (feeRate < MIN_RELAY_FEE_RATE) {
    throw new CofferError('fee-too-low', `${feeRate} sat/vB is below the minimum relay fee of ${MIN_RELAY_FEE_RATE} sat/vB.`, {
      feeRateSatPerVb: feeRate,
      requiredSatPerVb: MIN_RELAY_FEE_RATE,
    });
  }
  if (feeRate > MAX_FEE_RATE) {
    throw new CofferError('fee-too-high', `${feeRate} sat/vB is absurdly high (the limit is ${MAX_FEE_RATE} sat/vB).`, {
      feeRateSatPerVb: feeRate,
      maxSatPerVb: MAX_FEE_RATE,
      requiresConfirmation: false,
    });
  }
}
