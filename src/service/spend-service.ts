// Spending: which coins may be spent, planning a transaction (coin selection, change, key origins),
// signing with the wallet's keys, and recording our own transactions before they are broadcast.

import * as btc from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { accountPath, masterFromSeed, type ScriptKind } from '../keys/accounts.js';
import { addressToScript } from '../keys/address.js';
import type { Network } from '../keys/networks.js';
import { parseDescriptor, ScriptDeriver } from '../keys/descriptors.js';
import { listAccounts, type AccountRow } from '../db/wallet-store.js';
import { listFrozen } from '../db/spend-store.js';
import { selectAll, selectCoins, type Candidate } from '../wallet/coin-selection.js';
import { buildPsbt, fingerprintNumber, type KeyOrigin, type SpendInput, type SpendOutput } from '../wallet/psbt-builder.js';
import { dustThreshold, inputWeight, MAX_FEE_RATE, MIN_RELAY_FEE_RATE, outputWeight, signedWeight, txOverheadWeight } from '../wallet/policy.js';
import { isMature, type ScriptOwner, type Utxo, type WalletState } from '../wallet/wallet-state.js';
import type { KeyPath, PsbtReview, ReviewFacts } from '../wallet/psbt-review.js';
import { signTargets, type InputSignature } from '../wallet/psbt-signer.js';
import type { WalletService } from './wallet-service.js';

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
  exclude?: (u: Utxo) => boolean;
  /** Fixed sequence for every input (default: BIP125 replaceable). */
  sequence?: number;
  /** Where coin selection and the change position draw their randomness (default Math.random). */
  random?: () => number;
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

/** Derives key origins (path, public key) for the wallet's addresses. */
export class KeyOrigins {
  private readonly accounts = new Map<number, AccountRow>();
  private readonly derivers = new Map<string, ScriptDeriver>();

  constructor(private readonly wallet: WalletService) {
    for (const a of listAccounts(wallet.database)) this.accounts.set(a.id, a);
  }

  /** The master fingerprint of the wallet's accounts (btc-signer's number form). */
  get fingerprint(): number {
    const a = this.accounts.values().next().value;
    if (!a) throw new Error('the wallet has no accounts');
    return fingerprintNumber(a.fingerprint);
  }

  kindOf(owner: ScriptOwner): ScriptKind {
    const a = this.accounts.get(owner.accountId);
    if (!a) throw new Error(`unknown account ${owner.accountId}`);
    return a.script;
  }

  /** Where the key of one of the wallet's scripts sits, without deriving it. */
  path(owner: ScriptOwner): KeyPath {
    const a = this.accounts.get(owner.accountId);
    if (!a) throw new Error(`unknown account ${owner.accountId}`);
    return { fingerprint: fingerprintNumber(a.fingerprint), path: [...accountPath(a.script, this.wallet.network, a.account), owner.chain, owner.index], kind: a.script };
  }

  origin(owner: ScriptOwner): KeyOrigin {
    const a = this.accounts.get(owner.accountId);
    if (!a) throw new Error(`unknown account ${owner.accountId}`);
    const key = `${a.id}/${owner.chain}`;
    let d = this.derivers.get(key);
    if (!d) {
      d = new ScriptDeriver(parseDescriptor(owner.chain === 0 ? a.externalDesc : a.internalDesc, this.wallet.network), this.wallet.network);
      this.derivers.set(key, d);
    }
    return {
      fingerprint: fingerprintNumber(a.fingerprint),
      path: [...accountPath(a.script, this.wallet.network, a.account), owner.chain, owner.index],
      pubkey: d.pubkeyAt(owner.index),
      kind: a.script,
    };
  }
}

export class SpendService {
  readonly origins: KeyOrigins;

  constructor(
    private readonly wallet: WalletService,
    private readonly state: WalletState,
    private readonly tipHeight: number,
  ) {
    this.origins = new KeyOrigins(wallet);
  }

  /**
   * Coins the wallet spends by itself: confirmed and mature, or unconfirmed change of our own
   * transactions; never frozen ones. Coin control may name any coin that is not frozen.
   */
  spendable(): Utxo[] {
    const frozen = new Set(listFrozen(this.wallet.database).map((o) => outpointKey(o.txid, o.vout)));
    return this.state.utxos().filter((u) => {
      if (frozen.has(outpointKey(u.txid, u.vout))) return false;
      if (u.coinbase && (u.height === undefined || !isMature(u.height, this.tipHeight))) return false;
      if (u.height !== undefined) return true;
      const parent = this.state.get(u.txid);
      return parent !== undefined && parent.tx.inputs.every((i) => this.ownsOutput(i.prevTxid, i.vout));
    });
  }

  private ownsOutput(txid: Uint8Array, vout: number): boolean {
    const out = this.state.get(txid)?.tx.outputs[vout];
    return out !== undefined && this.state.ownerOf(out.script) !== undefined;
  }

  private candidate(u: Utxo): Candidate {
    return { id: outpointKey(u.txid, u.vout), value: u.value, weight: inputWeight(this.origins.kindOf(u.owner)) };
  }

  /** The PSBT input for one of our coins. */
  inputFor(u: Utxo): SpendInput {
    const prev = this.state.get(u.txid);
    return { txid: u.txid, vout: u.vout, value: u.value, script: u.script, origin: this.origins.origin(u.owner), ...(prev ? { prevRaw: prev.raw } : {}) };
  }

  /** Choose coins and build the unsigned transaction; `nextChange` hands out a change address. */
  plan(req: PlanRequest, nextChange: () => { script: Uint8Array; owner: ScriptOwner }): Plan {
    checkFeeRate(req.feeRate);
    const outs = checkRecipients(req.recipients, this.wallet.network);

    const spendable = this.spendable().filter((u) => !req.exclude?.(u));
    const byKey = new Map(spendable.map((u) => [outpointKey(u.txid, u.vout), u]));
    let required: Utxo[] | undefined;
    if (req.inputs && req.inputs.length > 0) {
      const all = new Map(this.state.utxos().map((u) => [outpointKey(u.txid, u.vout), u]));
      const frozen = new Set(listFrozen(this.wallet.database).map((o) => outpointKey(o.txid, o.vout)));
      checkOutpoints(req.inputs);
      required = req.inputs.map((o) => {
        const k = outpointKey(o.txid, o.vout);
        const u = all.get(k);
        if (!u) throw new CofferError('invalid-outpoint', `${k} is not an unspent coin of this wallet.`, { outpoint: k });
        if (frozen.has(k)) throw new CofferError('invalid-outpoint', `${k} is frozen; unfreeze it to spend it.`, { outpoint: k });
        return u;
      });
    }

    const change = outs.some((o) => o.amount === 'max') ? undefined : nextChange();
    const changeScript = change?.script;
    const outputWeights = outs.reduce((n, o) => n + outputWeight(o.script), 0);
    const baseWeight = txOverheadWeight(1, outs.length + 1, true) + outputWeights;
    const candidates = spendable.map((u) => this.candidate(u));
    let chosen: Utxo[];
    let changeValue = 0;
    let fee: number;
    let weight: number;
    const fixed = outs.reduce((n, o) => n + (o.amount === 'max' ? 0 : o.amount), 0);
    if (!change) {
      const max = outs.findIndex((o) => o.amount === 'max');
      const maxScript = outs[max]!.script;
      const r = selectAll({
        candidates: required ? required.map((u) => this.candidate(u)) : candidates,
        ...(required ? { required: required.map((u) => this.candidate(u)), onlyRequired: true } : {}),
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
      chosen = r.inputs.map((c) => byKey.get(c.id) ?? required!.find((u) => outpointKey(u.txid, u.vout) === c.id)!);
      fee = r.fee;
      weight = r.weight;
    } else {
      const sel = selectCoins({
        candidates,
        target: fixed,
        feeRate: req.feeRate,
        baseWeight,
        changeWeight: outputWeight(changeScript!),
        changeSpendWeight: inputWeight(this.origins.kindOf(change.owner)),
        changeDust: dustThreshold(changeScript!),
        ...(req.random ? { random: req.random } : {}),
        ...(required ? { required: required.map((u) => this.candidate(u)), onlyRequired: req.addInputs !== true } : {}),
      });
      chosen = sel.inputs.map((c) => byKey.get(c.id) ?? required!.find((u) => outpointKey(u.txid, u.vout) === c.id)!);
      changeValue = sel.change;
      fee = sel.fee;
      weight = sel.weight;
    }

    const inputs = chosen.map((u) => ({ ...this.inputFor(u), ...(req.sequence !== undefined ? { sequence: req.sequence } : {}) }));
    const outputs: SpendOutput[] = outs.map((o) => ({ script: o.script, value: o.amount as number }));
    let changeIndex: number | undefined;
    if (change && changeValue > 0) {
      // Put change at a random position so it cannot be told apart by its place.
      changeIndex = Math.floor((req.random ?? Math.random)() * (outputs.length + 1));
      outputs.splice(changeIndex, 0, { script: change.script, value: changeValue, origin: this.origins.origin(change.owner) });
    }
    const psbt = buildPsbt(inputs, outputs, this.tipHeight > 0 ? this.tipHeight : 0);
    const amountSent = outputs.filter((_, i) => i !== changeIndex).reduce((n, o) => n + o.value, 0);
    const exact = signedWeight(inputs.map((i) => i.origin.kind), outputs.map((o) => o.script));
    return { psbt, inputs, outputs, fee, weight, signedWeight: exact, amountSent, ...(changeIndex !== undefined ? { changeIndex } : {}) };
  }
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

/** Sign the chosen inputs (from a review, or our own plan) with keys from the seed. */
export function signWithSeed(what: Pick<PsbtReview, 'tx' | 'prevouts' | 'targets'>, seed: Uint8Array, network: WalletService['network']): InputSignature[] {
  const master = masterFromSeed(seed, network);
  try {
    return signTargets(what.tx, what.prevouts, master, what.targets);
  } finally {
    master.wipePrivateData();
  }
}

/** What the wallet knows about scripts and coins, for reviewing a PSBT (no keys needed). */
export function walletFacts(wallet: WalletService, state: WalletState): ReviewFacts {
  const origins = new KeyOrigins(wallet);
  return {
    network: wallet.network,
    fingerprint: origins.fingerprint,
    ownerOf: (script) => {
      const owner = state.ownerOf(script);
      return owner ? { origin: origins.path(owner), chain: owner.chain } : undefined;
    },
    knownOutput: (txid, vout) => state.get(txid)?.tx.outputs[vout],
  };
}
