// Views: the channels as the API lists them (open ones from LDK's channel details, closed ones
// still holding our funds from the stored close and monitor).

import * as ldk from 'lightningdevkit';
import type { ChannelInfo } from '../api/contract.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { forceCloses, fundedByUs, readMonitor, type ChannelClose } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import type { NodeContext } from './context.js';
import { isAnchor } from './fee-bumps.js';
import { hex, optionU32, optionU64 } from './ldk.js';
import { decodeMonitor } from './node-assembly.js';

export class ChannelViews {
  constructor(private readonly ctx: NodeContext) {}

  /**
   * Our balance in a channel, msat. LDK 0.1's channel details give what can be sent now, which
   * leaves out the reserve the peer makes us keep: when that is above zero the balance is it plus
   * the reserve, exactly; otherwise the balance is at most the reserve, and the monitor's
   * claimable amount (whole sats, plus the commitment fee when we funded) says how much.
   */
  private localMsat(c: ldk.ChannelDetails, all: ldk.ChannelDetails[]): number {
    const outbound = Number(c.get_outbound_capacity_msat());
    const reserve = Number(optionU64(c.get_unspendable_punishment_reserve()) ?? 0n);
    if (outbound > 0) return outbound + reserve * 1000;
    const others = all.filter((d) => hex(d.get_channel_id().get_a()) !== hex(c.get_channel_id().get_a()));
    let sat = 0n;
    for (const b of this.ctx.ldk.chainMonitor.get_claimable_balances(others)) {
      if (b instanceof ldk.Balance_ClaimableOnChannelClose) sat += b.amount_satoshis + (Boolean(c.get_is_outbound()) ? b.transaction_fee_satoshis : 0n);
    }
    return Number(sat) * 1000;
  }

  /**
   * Channels closed by force, whose funds may still be waiting their delay or a sweep: LDK no
   * longer lists them, so they come from the close recorded at the time and the channel's stored
   * monitor (cached until the monitor is written again, and for one round of blocks at most).
   */
  private readonly closedCache = new Map<string, ChannelInfo | null>();
  private closed(): ChannelInfo[] {
    const out: ChannelInfo[] = [];
    for (const c of withDbErrors(() => forceCloses(this.ctx.db))) {
      const key = c.fundingOutpoint!;
      if (!this.closedCache.has(key)) this.closedCache.set(key, this.closedInfo(c));
      const info = this.closedCache.get(key);
      if (info) out.push(info);
    }
    return out;
  }

  private closedInfo(c: ChannelClose): ChannelInfo | null {
    const data = withDbErrors(() => readMonitor(this.ctx.db, c.fundingOutpoint!));
    if (!data) return null;
    const monitor = decodeMonitor(data, this.ctx.ldk.keys, this.ctx.ldk.signer);
    if (!monitor) return null;
    let sat = 0n;
    let at: number | undefined;
    for (const b of monitor.get_claimable_balances()) {
      if (b instanceof ldk.Balance_ClaimableAwaitingConfirmations) {
        sat += b.amount_satoshis;
        at = Math.max(at ?? 0, b.confirmation_height);
      } else if (b instanceof ldk.Balance_MaybeTimeoutClaimableHTLC) {
        sat += b.amount_satoshis;
        at = Math.max(at ?? 0, b.claimable_height);
      } else if (
        b instanceof ldk.Balance_ClaimableOnChannelClose ||
        b instanceof ldk.Balance_ContentiousClaimable ||
        b instanceof ldk.Balance_CounterpartyRevokedOutputClaimable
      ) {
        sat += b.amount_satoshis;
      }
    }
    if (sat === 0n) return null;
    const fundingTxid = c.fundingOutpoint!.split(':')[0]!;
    return {
      channelId: c.channelId,
      counterparty: c.counterparty,
      state: 'closed',
      capacitySat: c.capacitySat,
      localBalanceMsat: Number(sat) * 1000,
      remoteBalanceMsat: Math.max(0, c.capacitySat - Number(sat)) * 1000,
      confirmations: 0,
      fundingTxid,
      outbound: withDbErrors(() => fundedByUs(this.ctx.db, hexToHash(fundingTxid)!)),
      usable: false,
      ...(at !== undefined ? { claimableAt: at } : {}),
    };
  }

  list(): ChannelInfo[] {
    const all = this.ctx.ldk.manager.list_channels();
    return [...this.openList(all), ...this.closed()];
  }

  private openList(all: ldk.ChannelDetails[]): ChannelInfo[] {
    return all.map((c) => {
      const capacitySat = Number(c.get_channel_value_satoshis());
      const local = this.localMsat(c, all);
      const shutdown = c.get_channel_shutdown_state();
      const closing = shutdown instanceof ldk.Option_ChannelShutdownStateZ_Some && shutdown.some !== ldk.ChannelShutdownState.LDKChannelShutdownState_NotShuttingDown;
      const funding = c.get_funding_txo();
      const delay = c.get_force_close_spend_delay();
      return {
        channelId: hex(c.get_channel_id().get_a()),
        counterparty: hex(c.get_counterparty().get_node_id()),
        state: closing ? 'closing' : Boolean(c.get_is_channel_ready()) ? 'ready' : funding ? 'pending' : 'opening',
        type: isAnchor(c) ? 'anchor' : 'legacy',
        capacitySat,
        localBalanceMsat: local,
        remoteBalanceMsat: capacitySat * 1000 - local,
        confirmations: optionU32(c.get_confirmations()) ?? 0,
        ...(optionU32(c.get_confirmations_required()) !== undefined ? { confirmationsRequired: optionU32(c.get_confirmations_required())! } : {}),
        ...(funding ? { fundingTxid: hashToHex(funding.get_txid()) } : {}),
        // The bindings return booleans as 0/1.
        outbound: Boolean(c.get_is_outbound()),
        usable: Boolean(c.get_is_usable()),
        ...(delay instanceof ldk.Option_u16Z_Some ? { forceCloseDelay: delay.some } : {}),
      };
    });
  }

  /** A channel's monitor is being written again: its close is read again at the next listing. */
  forget(fundingOutpoint: string): void {
    this.closedCache.delete(fundingOutpoint);
  }

  /** After a round of blocks: a resolved close stays resolved (until its monitor is written again); the others are read again. */
  afterBlocks(): void {
    for (const [k, v] of this.closedCache) if (v) this.closedCache.delete(k);
  }
}
