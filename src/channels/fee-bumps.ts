// Fee bumps of anchor channels: LDK's BumpTransaction events (a force close's commitment, HTLC
// transactions) paid with the wallet's confirmed coins, and the reserve of coins kept for them.

import * as btc from '@scure/btc-signer';
import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, type Prevout } from '../chain/tx.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { getTxStatus, isTxConfirmed } from '../db/tx-store.js';
import { signedTx, statusChange } from '../wallet/change-set.js';
import { dustThreshold } from '../wallet/policy.js';
import { anchorReserveSat, selectBumpCoins, type BumpCoin } from './bump-coins.js';
import type { NodeContext } from './context.js';
import { hex } from './ldk.js';

/** The wallet meta key the reserve is kept under: spends read it whether or not Lightning runs. */
export const ANCHOR_RESERVE_META = 'anchor_reserve_sat';

/** One claim of LDK's (a commitment's anchor, or a set of HTLCs): the coins its bumps spend. */
interface Claim {
  coins: BumpCoin[];
  changeScript: Uint8Array;
  /** The bump last accepted by the network. */
  txid?: Uint8Array;
}

/** Whether LDK lists this channel as an anchor channel. */
export function isAnchor(c: ldk.ChannelDetails): boolean {
  // The bindings return booleans as 0/1.
  return Boolean(c.get_channel_type()?.supports_anchors_zero_fee_htlc_tx());
}

function outpointKey(txid: Uint8Array, vout: number): string {
  return `${hashToHex(txid)}:${vout}`;
}

export class FeeBumper {
  /**
   * Claims by LDK's claim id (hex). A later bump of the same claim spends the same coins again,
   * so it replaces the earlier one (RBF) instead of spending more of the wallet. Kept in memory:
   * after a restart a claim starts afresh from the wallet's unspent coins.
   */
  private readonly claims = new Map<string, Claim>();
  /** Bumps signed and not yet out, by txid (hex): their claim. */
  private readonly signed = new Map<string, string>();
  private handler: ldk.BumpTransactionEventHandler | undefined;

  constructor(
    private readonly ctx: NodeContext,
    /** LDK's own transactions (a commitment) go out the way the node's broadcaster sends them. */
    private readonly release: (raw: Uint8Array) => Promise<void>,
  ) {}

  /** Make LDK's handler once LDK's objects exist; everything handed to LDK goes on `keep`. */
  attach(logger: ldk.Logger, keep: unknown[]): void {
    const source = ldk.CoinSelectionSource.new_impl({
      select_confirmed_utxos: (claimId: Uint8Array, mustSpend: ldk.Input[], mustPayTo: ldk.TxOut[], feerate: number) => this.select(claimId, mustSpend, mustPayTo, feerate),
      sign_psbt: (psbt: Uint8Array) => this.sign(psbt),
    } as ldk.CoinSelectionSourceInterface);
    const broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs: Uint8Array[]) => void this.broadcast(txs),
    } as ldk.BroadcasterInterfaceInterface);
    this.handler = ldk.BumpTransactionEventHandler.constructor_new(broadcaster, source, this.ctx.ldk.signer, logger);
    keep.push(source, broadcaster, this.handler);
  }

  handle(e: ldk.Event_BumpTransaction): void {
    const b = e.bump_transaction;
    const kind = b instanceof ldk.BumpTransactionEvent_ChannelClose ? 'commitment' : 'htlc';
    const channelId = b instanceof ldk.BumpTransactionEvent_ChannelClose || b instanceof ldk.BumpTransactionEvent_HTLCResolution ? hex(b.channel_id.get_a()) : '';
    this.ctx.host.log.info('ln.bump-needed', { channelId, kind });
    this.handler?.handle_event(b);
  }

  /** The reserve for the anchor channels LDK lists now, stored when it changed. */
  refreshReserve(): number {
    const reserve = anchorReserveSat(this.ctx.ldk.manager.list_channels().filter(isAnchor).length);
    if (this.ctx.host.wallet.meta(ANCHOR_RESERVE_META) !== String(reserve)) withDbErrors(() => this.ctx.host.wallet.setMeta(ANCHOR_RESERVE_META, String(reserve)));
    return reserve;
  }

  /** The wallet's confirmed coins a bump could spend, in sats. */
  confirmedSat(): number {
    return this.ctx.host.bumpCoins().reduce((n, c) => n + c.value, 0);
  }

  private select(claimId: Uint8Array, mustSpend: ldk.Input[], mustPayTo: ldk.TxOut[], feerate: number): ldk.Result_CoinSelectionNoneZ {
    try {
      const id = hex(claimId);
      const earlier = this.claims.get(id);
      const heldByOthers = new Set<string>();
      for (const [other, c] of this.claims) if (other !== id) for (const coin of c.coins) heldByOthers.add(coin.key);
      const changeScript = earlier?.changeScript ?? this.ctx.host.changeScript();
      const sel = selectBumpCoins({
        coins: this.ctx.host.bumpCoins(),
        claimed: earlier?.coins ?? [],
        heldByOthers,
        mustSpend: mustSpend.map((i) => ({ value: Number(i.get_previous_utxo().value), satisfactionWeight: Number(i.get_satisfaction_weight()) })),
        mustPayTo: mustPayTo.map((o) => ({ value: Number(o.value), script: o.script_pubkey })),
        feerateSatPerKw: feerate,
        changeScript,
        changeDust: dustThreshold(changeScript),
      });
      if (!sel) {
        this.ctx.host.log.warn('ln.bump-unfunded', { claim: id.slice(0, 16), feerate, coins: this.ctx.host.bumpCoins().length });
        return ldk.Result_CoinSelectionNoneZ.constructor_err();
      }
      this.claims.set(id, { coins: sel.coins, changeScript, ...(earlier?.txid ? { txid: earlier.txid } : {}) });
      const utxos = sel.coins.map((c) => ldk.Utxo.constructor_new(ldk.OutPoint.constructor_new(c.txid, c.vout), ldk.TxOut.constructor_new(BigInt(c.value), c.script), BigInt(c.satisfactionWeight)));
      const change = sel.change > 0 ? ldk.Option_TxOutZ.constructor_some(ldk.TxOut.constructor_new(BigInt(sel.change), changeScript)) : ldk.Option_TxOutZ.constructor_none();
      return ldk.Result_CoinSelectionNoneZ.constructor_ok(ldk.CoinSelection.constructor_new(utxos, change));
    } catch (err) {
      this.ctx.host.log.warn('ln.bump-failed', { step: 'select', code: err instanceof CofferError ? err.code : 'internal' });
      return ldk.Result_CoinSelectionNoneZ.constructor_err();
    }
  }

  /** Sign the wallet's inputs of LDK's PSBT; LDK signs its own (anchor, HTLC) afterwards. */
  private sign(psbt: Uint8Array): ldk.Result_TransactionNoneZ {
    try {
      const p = btc.Transaction.fromPSBT(psbt, { allowUnknownInputs: true, allowUnknownOutputs: true, disableScriptCheck: true });
      const coins = new Map<string, { coin: BumpCoin; claim: string }>();
      for (const [claim, c] of this.claims) for (const coin of c.coins) coins.set(coin.key, { coin, claim });
      const prevouts: (Prevout | undefined)[] = [];
      const ours: number[] = [];
      let claim: string | undefined;
      for (let i = 0; i < p.inputsLength; i++) {
        const input = p.getInput(i);
        const mine = coins.get(outpointKey(input.txid!.slice().reverse(), input.index!));
        if (mine) {
          ours.push(i);
          claim = mine.claim;
          prevouts.push({ script: mine.coin.script, value: mine.coin.value });
        } else {
          prevouts.push(input.witnessUtxo ? { script: input.witnessUtxo.script, value: Number(input.witnessUtxo.amount) } : undefined);
        }
      }
      if (claim === undefined) throw new CofferError('invalid-psbt', 'The fee bump spends no coin of this wallet.', { reason: 'no-wallet-input' });
      const raw = this.ctx.host.signInputs(p.unsignedTx, prevouts, ours);
      // Every input is segwit, so the id does not change when LDK adds its own witnesses.
      this.signed.set(hashToHex(txidOf(parseTx(raw))), claim);
      return ldk.Result_TransactionNoneZ.constructor_ok(raw);
    } catch (err) {
      this.ctx.host.log.warn('ln.bump-failed', { step: 'sign', code: err instanceof CofferError ? err.code : 'internal' });
      return ldk.Result_TransactionNoneZ.constructor_err();
    }
  }

  /**
   * LDK's package in order (a commitment, then its child; or an HTLC transaction). A bump the
   * network takes is stored as a wallet spend, so its coins are not spent again, and the
   * earlier bump of its claim, which it replaced, is marked so.
   */
  private async broadcast(txs: Uint8Array[]): Promise<void> {
    for (const raw of txs) {
      const txid = txidOf(parseTx(raw));
      const id = hashToHex(txid);
      const claimId = this.signed.get(id);
      if (claimId === undefined) {
        await this.release(raw);
        continue;
      }
      const claim = this.claims.get(claimId);
      const before = claim?.txid;
      const db = this.ctx.db;
      // LDK may ask again before it has seen the block that settled the claim: the bump in that
      // block stands, and a new one would only double-spend its coins.
      if (before && withDbErrors(() => isTxConfirmed(db, before))) {
        this.signed.delete(id);
        this.ctx.host.log.info('ln.bump-settled', { txid: hashToHex(before) });
        continue;
      }
      try {
        await this.ctx.host.broadcast(raw);
      } catch (err) {
        // Usually the same bump again (LDK retries each block): the one out already stands.
        this.ctx.host.log.info('ln.bump-not-relayed', { txid: id, code: err instanceof CofferError ? err.code : 'internal' });
        continue;
      }
      this.signed.delete(id);
      // The replaced bump leaves the wallet's state, unless a block holds it by now (then the new
      // one is the conflicted one, which the state leaves out by itself). A relay that took the
      // new one while its node kept the old brings the old one back when a block holds it.
      withDbErrors(() =>
        db.transaction(() => {
          persistChangeSet(db, signedTx(txid, raw, 'seen'));
          if (before && !equalBytes(before, txid) && getTxStatus(db, before) !== undefined && !isTxConfirmed(db, before)) persistChangeSet(db, statusChange(before, 'replaced'));
        }).immediate(),
      );
      if (claim) claim.txid = txid;
      this.ctx.host.log.info('ln.bumped', { txid: id, ...(before ? { replaces: hashToHex(before) } : {}) });
    }
  }
}
