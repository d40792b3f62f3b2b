// Spending with the wallet's facts: gathering what the pure planner (wallet/planner.ts) needs from the
// database and the wallet state, reserving the change it took, and signing with the wallet's keys.

import { masterFromSeed } from '../keys/accounts.js';
import { listAccounts } from '../db/wallet-store.js';
import { listFrozen } from '../db/spend-store.js';
import { KeyOrigins } from '../wallet/key-origins.js';
import { coinInput, outpointKey, planSpend, spendableCoins, type Plan, type PlanRequest, type SpendFacts, type WalletCoin } from '../wallet/planner.js';
import type { Utxo, WalletState } from '../wallet/wallet-state.js';
import type { PsbtReview, ReviewFacts } from '../wallet/psbt-review.js';
import { signTargets, type InputSignature } from '../wallet/psbt-signer.js';
import type { SpendInput } from '../wallet/psbt-builder.js';
import type { WalletService } from './wallet-service.js';

export { checkFeeRate, checkOutpoints, checkRecipients, outpointKey, parseOutpoint } from '../wallet/planner.js';
export type { Outpoint, Plan, PlanRequest, Recipient } from '../wallet/planner.js';

/** The wallet's key origins, from its stored accounts. */
export function keyOrigins(wallet: WalletService): KeyOrigins {
  return new KeyOrigins(listAccounts(wallet.database), wallet.network);
}

/** Gathers a plan's facts from the database and the wallet state, and reserves the change a plan took. */
export class SpendService {
  readonly origins: KeyOrigins;

  constructor(
    private readonly wallet: WalletService,
    private readonly state: WalletState,
    private readonly tipHeight: number,
  ) {
    this.origins = keyOrigins(wallet);
  }

  /** What the planner needs; `withChange` looks up (without reserving) the next change address. */
  facts(withChange: boolean): SpendFacts {
    const frozen = new Set(listFrozen(this.wallet.database).map((o) => outpointKey(o.txid, o.vout)));
    const coins = this.state.utxos().map((u) => this.coin(u));
    return {
      network: this.wallet.network,
      tipHeight: this.tipHeight,
      coins,
      frozen,
      origins: this.origins,
      ...(withChange ? { change: this.wallet.peekChange() } : {}),
    };
  }

  private coin(u: Utxo): WalletCoin {
    const parent = this.state.get(u.txid);
    const ownParent = parent !== undefined && parent.tx.inputs.every((i) => this.ownsOutput(i.prevTxid, i.vout));
    return { ...u, kind: this.origins.kindOf(u.owner), ownParent, ...(parent ? { prevRaw: parent.raw } : {}) };
  }

  private ownsOutput(txid: Uint8Array, vout: number): boolean {
    const out = this.state.get(txid)?.tx.outputs[vout];
    return out !== undefined && this.state.ownerOf(out.script) !== undefined;
  }

  /** Coins the wallet spends by itself (planner.spendableCoins). */
  spendable(): WalletCoin[] {
    return spendableCoins(this.facts(false));
  }

  /** The PSBT input for one of our coins. */
  inputFor(u: Utxo): SpendInput {
    const prev = this.state.get(u.txid);
    return coinInput({ ...u, ...(prev ? { prevRaw: prev.raw } : {}) }, this.origins);
  }

  /** Plan with the wallet's facts; the change address the plan took is reserved (call inside the spend's transaction). */
  plan(req: PlanRequest): Plan {
    // While anchor channels are open (the Lightning node keeps this figure), spends leave their reserve.
    const keepSat = req.keepSat ?? Number(this.wallet.meta('anchor_reserve_sat') ?? '0');
    const plan = planSpend(this.facts(!req.recipients.some((r) => r.amount === 'max')), { ...req, keepSat });
    if (plan.changeSlot) this.wallet.reserveChange(plan.changeSlot);
    return plan;
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
  const origins = keyOrigins(wallet);
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
