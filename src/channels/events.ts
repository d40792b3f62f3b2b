// LDK's events: channels pending, ready and closed; payments claimable, claimed, sent and failed;
// funding, fee bumps, spendable outputs, forwards, and peers' requests to open channels to us.

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import { putClose, putPayment, putSweep } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import type { NodeContext } from './context.js';
import { inboundAnchorRefusal, zeroReserveRefusal } from './bump-coins.js';
import { isAnchor, type FeeBumper } from './fee-bumps.js';
import type { ChannelFunding } from './funding.js';
import { shortChannelId } from './invoice.js';
import { apiErrorText, closureReasonName, eventName, hex, htlcDestinationName, option32Bytes, optionU64, outpointText } from './ldk.js';
import type { PeerSockets } from './peer-sockets.js';
import type { Sweeper } from './sweeper.js';

/** Channels peers have opened to us that are not ready yet, all peers together. */
const MAX_PENDING_INBOUND = 10;

export class ChannelEvents {
  constructor(
    private readonly ctx: NodeContext,
    private readonly funding: ChannelFunding,
    private readonly sweeper: Sweeper,
    private readonly sockets: PeerSockets,
    private readonly bumper: FeeBumper,
  ) {}

  /** A handler for one drain of LDK's events: a failing event is logged, never thrown into LDK. */
  handler(): ldk.EventHandler {
    return ldk.EventHandler.new_impl({
      handle_event: (e: ldk.Event) => {
        try {
          this.handle(e);
        } catch (err) {
          this.ctx.host.log.error('ln.event-failed', { event: eventName(e), code: err instanceof CofferError ? err.code : 'internal', message: (err as Error).message?.slice(0, 200) ?? '' });
        }
        return ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    } as ldk.EventHandlerInterface);
  }

  handle(e: ldk.Event): void {
    const log = this.ctx.host.log;
    // Payment paths that failed or succeeded teach the scorer (routing.ts); the rest is handled here.
    this.ctx.ldk.routing.learn(e);
    if (e instanceof ldk.Event_FundingGenerationReady) {
      this.funding.fund(e, () => this.checkAnchorFunding(e));
    } else if (e instanceof ldk.Event_BumpTransaction) {
      this.bumper.handle(e);
    } else if (e instanceof ldk.Event_ChannelPending) {
      this.bumper.refreshReserve();
      const channelId = hex(e.channel_id.get_a());
      const fundingTxid = hashToHex(e.funding_txo.get_txid());
      log.info('ln.channel-pending', { channelId, fundingTxid });
      const w = this.ctx.opens.get(hex(e.former_temporary_channel_id.get_a()));
      if (w) {
        clearTimeout(w.timer);
        this.ctx.opens.delete(hex(e.former_temporary_channel_id.get_a()));
        w.resolve({ channelId, fundingTxid });
      }
    } else if (e instanceof ldk.Event_ChannelReady) {
      log.info('ln.channel-ready', { channelId: hex(e.channel_id.get_a()) });
    } else if (e instanceof ldk.Event_ChannelClosed) {
      const channelId = hex(e.channel_id.get_a());
      const reason = closureReasonName(e.reason);
      log.info('ln.channel-closed', { channelId, reason });
      this.bumper.refreshReserve();
      if (e.channel_funding_txo) {
        withDbErrors(() =>
          putClose(this.ctx.db, {
            channelId,
            counterparty: hex(e.counterparty_node_id),
            reason,
            cooperative: /Cooperative/.test(reason),
            capacitySat: Number(optionU64(e.channel_capacity_sats) ?? 0n),
            fundingOutpoint: outpointText(e.channel_funding_txo!),
            closedAt: Math.floor(Date.now() / 1000),
          }),
        );
      }
      const w = this.ctx.opens.get(channelId);
      if (w) {
        clearTimeout(w.timer);
        this.ctx.opens.delete(channelId);
        w.reject(new CofferError('channel-open-failed', `The peer did not accept the channel (${reason}).`));
      }
      this.funding.discardFunding(channelId);
    } else if (e instanceof ldk.Event_DiscardFunding) {
      if (e.funding_info instanceof ldk.FundingInfo_Tx) this.funding.abandonFunding(txidOf(parseTx(e.funding_info.transaction)));
    } else if (e instanceof ldk.Event_PaymentClaimable) {
      const preimage = option32Bytes(e.purpose.preimage());
      if (preimage) this.ctx.ldk.manager.claim_funds(preimage);
      else this.ctx.ldk.manager.fail_htlc_backwards(e.payment_hash);
    } else if (e instanceof ldk.Event_PaymentClaimed) {
      const paymentHash = hex(e.payment_hash);
      const preimage = option32Bytes(e.purpose.preimage());
      withDbErrors(() =>
        putPayment(this.ctx.db, { paymentHash, direction: 'in', amountMsat: Number(e.amount_msat), status: 'succeeded', ...(preimage ? { preimage: hex(preimage) } : {}), settledAt: Date.now() }),
      );
    } else if (e instanceof ldk.Event_PaymentSent) {
      const paymentHash = hex(e.payment_hash);
      const preimage = hex(e.payment_preimage);
      const feeMsat = Number(optionU64(e.fee_paid_msat) ?? 0n);
      withDbErrors(() => putPayment(this.ctx.db, { paymentHash, direction: 'out', status: 'succeeded', preimage, feeMsat, settledAt: Date.now() }));
      const w = this.ctx.payments.get(paymentHash);
      if (w) {
        clearTimeout(w.timer);
        this.ctx.payments.delete(paymentHash);
        w.resolve({ paymentHash, preimage, feeMsat });
      }
    } else if (e instanceof ldk.Event_PaymentFailed) {
      const paymentHash = hex(option32Bytes(e.payment_hash) ?? e.payment_id);
      const reason = e.reason instanceof ldk.Option_PaymentFailureReasonZ_Some ? ldk.PaymentFailureReason[e.reason.some] ?? 'unknown' : 'unknown';
      withDbErrors(() => putPayment(this.ctx.db, { paymentHash, direction: 'out', status: 'failed', settledAt: Date.now() }));
      const w = this.ctx.payments.get(paymentHash);
      if (w) {
        clearTimeout(w.timer);
        this.ctx.payments.delete(paymentHash);
        w.reject(new CofferError('payment-failed', `The payment failed (${String(reason).replace(/^LDKPaymentFailureReason_/, '')}).`, { paymentHash }));
      }
    } else if (e instanceof ldk.Event_PendingHTLCsForwardable) {
      // LDK suggests waiting `time_forwardable` to batch forwards and blur timing; this wallet
      // forwards nothing of others' (no public channels), and for our own payments the wait
      // would only slow each one down.
      setImmediate(() => {
        if (this.ctx.stopped) return;
        this.ctx.ldk.manager.process_pending_htlc_forwards();
        this.ctx.schedule();
      });
    } else if (e instanceof ldk.Event_SpendableOutputs) {
      const channelId = hex(e.channel_id.get_a());
      // A static output pays a script this node gave LDK (a closing output, a claimed HTLC): those
      // are the wallet's own addresses, which the wallet already sees. The rest need LDK's keys.
      const ours = e.outputs.filter((d) => !(d instanceof ldk.SpendableOutputDescriptor_StaticOutput));
      withDbErrors(() => {
        for (const d of ours) putSweep(this.ctx.db, d.write(), channelId);
      });
      log.info('ln.spendable-outputs', { channelId, count: e.outputs.length, toSweep: ours.length });
      void this.sweeper.sweep();
    } else if (e instanceof ldk.Event_ConnectionNeeded) {
      void this.sockets.reconnect();
    } else if (e instanceof ldk.Event_OpenChannelRequest) {
      this.answerOpen(e);
    } else if (e instanceof ldk.Event_HTLCHandlingFailed) {
      log.info('ln.htlc-failed', { channelId: hex(e.prev_channel_id.get_a()), destination: htlcDestinationName(e.failed_next_destination) });
    } else if (e instanceof ldk.Event_PaymentPathFailed) {
      // One attempt (or part) failed at `channel`; LDK retries around it while attempts remain.
      const scid = optionU64(e.short_channel_id);
      log.info('ln.path-failed', { paymentHash: hex(e.payment_hash), ...(scid !== undefined ? { channel: shortChannelId(scid) } : {}), permanently: Boolean(e.payment_failed_permanently) });
    }
  }

  /** Why a peer's request to open a channel to us is refused, or undefined to accept it. */
  private refusal(e: ldk.Event_OpenChannelRequest): string | undefined {
    const policy = this.ctx.opts.inbound;
    if (!policy) return 'This node does not accept channels opened to it.';
    const sats = Number(e.funding_satoshis);
    if (sats < policy.minSat || sats > policy.maxSat) return `This node accepts channels of ${policy.minSat} to ${policy.maxSat} sats.`;
    if (e.is_announced && this.ctx.opts.announce !== true) return 'This node accepts only unannounced channels.';
    if (e.channel_type.requires_zero_conf()) return 'This node accepts only channels without zero-conf.';
    const channels = this.ctx.ldk.manager.list_channels();
    // Refused, the peer's LDK or lnd asks again for a legacy channel.
    if (e.channel_type.supports_anchors_zero_fee_htlc_tx()) {
      const why = inboundAnchorRefusal(this.bumper.confirmedSat(), channels.filter(isAnchor).length);
      if (why) return why;
    }
    const pending = channels.filter((c) => !c.get_is_outbound() && !c.get_is_channel_ready());
    const peer = hex(e.counterparty_node_id);
    if (pending.filter((c) => hex(c.get_counterparty().get_node_id()) === peer).length >= policy.maxPendingPerPeer) return 'Too many of your channels to this node are not ready yet.';
    if (pending.length >= MAX_PENDING_INBOUND) return 'This node has too many channels opened to it that are not ready yet.';
    return undefined;
  }

  /**
   * Before we fund a channel: an anchor channel whose peer set our reserve to zero is refused,
   * and the reserve for fee bumps is counted with it, so the funding leaves it in the wallet.
   */
  private checkAnchorFunding(e: ldk.Event_FundingGenerationReady): void {
    const temp = hex(e.temporary_channel_id.get_a());
    const c = this.ctx.ldk.manager.list_channels().find((d) => hex(d.get_channel_id().get_a()) === temp);
    const reserve = c ? optionU64(c.get_unspendable_punishment_reserve()) : undefined;
    const why = zeroReserveRefusal(c !== undefined && isAnchor(c), reserve === undefined ? undefined : Number(reserve));
    if (why) throw new CofferError('channel-open-failed', why);
    this.bumper.refreshReserve();
  }

  /** A peer asks to open a channel to us: accepted only as the user allowed (ChannelNodeOptions.inbound). */
  private answerOpen(e: ldk.Event_OpenChannelRequest): void {
    const peer = hex(e.counterparty_node_id);
    const sats = Number(e.funding_satoshis);
    const why = this.refusal(e);
    if (why === undefined) {
      const r = this.ctx.ldk.manager.accept_inbound_channel(e.temporary_channel_id, e.counterparty_node_id, 0n);
      if (r instanceof ldk.Result_NoneAPIErrorZ_OK) {
        this.ctx.host.log.info('ln.inbound-accepted', { peer, sats });
        return;
      }
      this.ctx.host.log.warn('ln.inbound-refused', { peer, sats, why: apiErrorText((r as ldk.Result_NoneAPIErrorZ_Err).err).slice(0, 200) });
    } else {
      this.ctx.host.log.info('ln.inbound-refused', { peer, sats, why });
    }
    // Refusing is closing the request: the peer gets our reason as an error message.
    this.ctx.ldk.manager.force_close_without_broadcasting_txn(e.temporary_channel_id, e.counterparty_node_id, why ?? 'refused');
  }
}
