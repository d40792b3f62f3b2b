// A Lightning node: LDK's channel manager and chain monitor, with everything LDK leaves to its
// host supplied by Coffer. This file starts and stops the node, runs its loop and answers the
// API; the concerns it wires together have their own files (node-assembly, events, funding,
// sweeper, peer-sockets, persistence, chain-feed, views), and the service hands it a ChannelHost.

import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import * as ldk from 'lightningdevkit';
import type { ChannelInfo, Results } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { payment, putPayment, writeManager } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import type { ChainView } from './chain-watch.js';
import { feedChain } from './chain-feed.js';
import { backupKey, ldkSeed } from './channel-keys.js';
import { NodeContext } from './context.js';
import { ChannelEvents } from './events.js';
import { FeeBumper } from './fee-bumps.js';
import { ChannelFunding } from './funding.js';
import { invoiceText } from './invoice.js';
import type { BackupAlarm, ChannelHost } from './host.js';
import { apiErrorText, hex, ldkCurrency, loadLdk, optionU64 } from './ldk.js';
import { assemble } from './node-assembly.js';
import { checkOpen, type ChannelNodeOptions } from './options.js';
import { PeerSockets } from './peer-sockets.js';
import { ChannelPersistence } from './persistence.js';
import { Sweeper } from './sweeper.js';
import { ChannelViews } from './views.js';

const TIMER_TICK_MS = 10_000;
const PAYMENT_TIMEOUT_MS = 60_000;
/** The CLTV delta a keysend leaves the payee (invoices name theirs; lnd refuses fewer than its 19 blocks). */
const KEYSEND_FINAL_CLTV = 40;
const OPEN_TIMEOUT_MS = 30_000;

export class ChannelNode {
  /**
   * Every JS object handed to LDK stays referenced here: the bindings hold only weak references,
   * and a callback into a collected object is fatal.
   */
  private readonly keep: unknown[] = [];
  private readonly ctx: NodeContext;
  private readonly views: ChannelViews;
  private readonly funding: ChannelFunding;
  private readonly sweeper: Sweeper;
  private readonly bumper: FeeBumper;
  private readonly persistence: ChannelPersistence;
  private readonly sockets: PeerSockets;
  private readonly events: ChannelEvents;
  private wakeManager: ldk.FutureCallback | undefined;
  private wakeMonitor: ldk.FutureCallback | undefined;
  private armed = { manager: false, monitor: false };
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  readonly nodeId: string;

  private constructor(host: ChannelHost, nodeId: string, opts: ChannelNodeOptions, backup: Uint8Array) {
    this.nodeId = nodeId;
    this.ctx = new NodeContext(host, host.wallet.network, nodeId, opts, () => this.schedule());
    this.views = new ChannelViews(this.ctx);
    this.funding = new ChannelFunding(this.ctx);
    this.sweeper = new Sweeper(this.ctx);
    this.bumper = new FeeBumper(this.ctx, (raw) => this.funding.release(raw));
    this.persistence = new ChannelPersistence(this.ctx, backup, {
      monitorWritten: (key) => this.views.forget(key),
      backupWritten: () => void this.sockets.reconnect(),
    });
    this.sockets = new PeerSockets(this.ctx, this.persistence);
    this.events = new ChannelEvents(this.ctx, this.funding, this.sweeper, this.sockets, this.bumper);
  }

  /** Load LDK, restore the stored channels (or start afresh), and listen when asked. The wallet must be unlocked. */
  static async start(host: ChannelHost, opts: ChannelNodeOptions = {}): Promise<ChannelNode> {
    await loadLdk();
    const wallet = host.wallet;
    const seed = wallet.withSeed((s) => ldkSeed(s, wallet.network));
    const backup = wallet.withSeed((s) => backupKey(s, wallet.network));
    const now = Date.now();
    // LDK keeps its own copy inside the WASM memory for as long as the node runs.
    const keys = ldk.KeysManager.constructor_new(seed, BigInt(Math.floor(now / 1000)), (now % 1000) * 1_000_000);
    seed.fill(0);
    const id = keys.as_NodeSigner().get_node_id(ldk.Recipient.LDKRecipient_Node);
    if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK)) throw new CofferError('lightning-unavailable', 'LDK could not derive the node key.');
    const node = new ChannelNode(host, hex(id.res), opts, backup);
    node.ctx.ldk = assemble(
      host,
      opts,
      keys,
      {
        persist: (outpoint, monitor) => node.persistence.persistMonitor(outpoint, monitor),
        broadcast: (raw) => void node.funding.release(raw),
      },
      node.keep,
    );
    node.bumper.attach(node.ctx.ldk.logger, node.keep);
    node.bumper.refreshReserve();
    // Before any peer hears from this node: a backup that cannot be written keeps peers away
    // (the monitors just loaded may be newer than the file) until it can.
    node.persistence.writeBackup();
    if (opts.listen) await node.sockets.listen(opts.listen);
    node.timer = setInterval(() => node.tick(), TIMER_TICK_MS);
    node.timer.unref();
    node.schedule();
    void node.sockets.reconnect();
    return node;
  }

  // ---- the loop ----------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled || this.ctx.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.process();
    });
  }

  /** Drain events, flush messages, save the manager; re-arm LDK's wake-up. */
  private process(): void {
    if (this.ctx.stopped) return;
    const { chainMonitor, manager, peers } = this.ctx.ldk;
    try {
      const handler = this.events.handler();
      chainMonitor.as_EventsProvider().process_pending_events(handler);
      manager.as_EventsProvider().process_pending_events(handler);
      this.persistence.flush();
      peers.process_events();
      // Sending may have produced more updates (each peer message can): write them too.
      if (this.persistence.hasPending) this.schedule();
    } catch (e) {
      this.ctx.host.log.error('ln.process-failed', { message: (e as Error).message?.slice(0, 200) ?? 'error' });
    }
    // LDK's futures call back once each: re-armed after they fire.
    this.wakeManager ??= ldk.FutureCallback.new_impl({
      call: () => {
        this.armed.manager = false;
        this.schedule();
      },
    } as ldk.FutureCallbackInterface);
    this.wakeMonitor ??= ldk.FutureCallback.new_impl({
      call: () => {
        this.armed.monitor = false;
        this.schedule();
      },
    } as ldk.FutureCallbackInterface);
    if (!this.armed.manager) {
      this.armed.manager = true;
      manager.get_event_or_persistence_needed_future().register_callback_fn(this.wakeManager);
    }
    if (!this.armed.monitor) {
      this.armed.monitor = true;
      chainMonitor.get_update_future().register_callback_fn(this.wakeMonitor);
    }
  }

  private tick(): void {
    if (this.ctx.stopped) return;
    this.ctx.ldk.manager.timer_tick_occurred();
    this.ctx.ldk.peers.timer_tick_occurred();
    this.ctx.ldk.chainMonitor.rebroadcast_pending_claims();
    this.ctx.ldk.routing.tick();
    void this.sockets.reconnect();
    void this.sweeper.sweep();
    this.bumper.refreshReserve();
    this.schedule();
  }

  /** Tell LDK what changed after a sync round; the lowest height fed, when any was. */
  afterRound(chain: ChainView): number | undefined {
    return feedChain(this.ctx, this.views, chain);
  }

  // ---- backup and peers --------------------------------------------------------------------

  /** The channel backup cannot be written (shown on every screen and in `ln info`). */
  get backupFailing(): BackupAlarm | undefined {
    return this.persistence.backupFailing;
  }

  /**
   * Keep an encrypted channel backup at `file` from now on (rewritten after every channel change).
   * The name ends in .backup; the folder exists; an existing file is written over only when it is
   * this wallet's own channel backup.
   */
  setBackup(file: string): { file: string; channels: number } {
    return this.persistence.setBackup(file);
  }

  get listening(): number | undefined {
    return this.sockets.listening;
  }

  /** Connect to a peer (noise handshake and init) unless already connected. */
  connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    return this.sockets.connect(nodeId, host, port);
  }

  // ---- the API -----------------------------------------------------------------------------

  info(): Results['ln.info'] {
    const a = this.persistence.backupFailing;
    const inbound = this.ctx.opts.inbound;
    return {
      nodeId: this.nodeId,
      ...(this.sockets.listening !== undefined ? { listen: this.sockets.listening, listenHost: this.sockets.listenHost! } : {}),
      peers: this.ctx.ldk.peers.list_peers().length,
      channels: this.ctx.ldk.manager.list_channels().length,
      forwards: this.ctx.opts.forward === true,
      graphChannels: this.ctx.ldk.routing.channelCount(),
      anchorReserve: this.bumper.refreshReserve(),
      ...(inbound ? { acceptsChannels: { minSat: inbound.minSat, maxSat: inbound.maxSat, maxPendingPerPeer: inbound.maxPendingPerPeer } } : {}),
      ...(a ? { backupFailing: { file: a.file, code: a.code, message: a.message, since: a.since } } : {}),
    };
  }

  async open(peerUri: string, amountSat: number, pushSat = 0): Promise<{ channelId: string; fundingTxid: string }> {
    const peer = checkOpen(peerUri, amountSat, pushSat);
    if (hex(peer.nodeId) === this.nodeId) throw new CofferError('invalid-peer', 'That is this node.');
    this.persistence.refuseWhileBackupFails();
    await this.connect(peer.nodeId, peer.host, peer.port);
    return this.create(peer.nodeId, amountSat, pushSat);
  }

  /** Open a channel to a node connected to this one already: one that dialled us and does not listen (the playground's wallet node). */
  async openToConnected(nodeId: string, amountSat: number): Promise<{ channelId: string; fundingTxid: string }> {
    this.persistence.refuseWhileBackupFails();
    const peer = this.ctx.ldk.peers.list_peers().find((p) => hex(p.get_counterparty_node_id()) === nodeId);
    if (!peer) throw new CofferError('peer-unreachable', 'That node is not connected to this one.');
    return this.create(peer.get_counterparty_node_id(), amountSat, 0);
  }

  private create(nodeId: Uint8Array, amountSat: number, pushSat: number): Promise<{ channelId: string; fundingTxid: string }> {
    const r = this.ctx.ldk.manager.create_channel(nodeId, BigInt(amountSat), BigInt(pushSat) * 1000n, 0n, null, null);
    if (!(r instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) {
      throw new CofferError('channel-open-failed', `The channel cannot be opened: ${apiErrorText((r as ldk.Result_ChannelIdAPIErrorZ_Err).err)}.`);
    }
    const temp = hex(r.res.get_a());
    const result = new Promise<{ channelId: string; fundingTxid: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ctx.opens.delete(temp);
        reject(new CofferError('channel-open-failed', 'The peer did not answer the channel opening in time.'));
      }, OPEN_TIMEOUT_MS);
      this.ctx.opens.set(temp, { resolve, reject, timer });
    });
    this.schedule();
    return result;
  }

  list(): ChannelInfo[] {
    return this.views.list();
  }

  private channel(id: string): ldk.ChannelDetails {
    const c = this.ctx.ldk.manager.list_channels().find((d) => hex(d.get_channel_id().get_a()) === id.toLowerCase());
    if (!c) throw new CofferError('unknown-channel', `There is no open channel ${id}.`);
    return c;
  }

  close(id: string, force: boolean): { channelId: string; force: boolean; delay?: number } {
    const c = this.channel(id);
    const cp = c.get_counterparty().get_node_id();
    const r = force
      ? this.ctx.ldk.manager.force_close_broadcasting_latest_txn(c.get_channel_id(), cp, 'closed by the user')
      : this.ctx.ldk.manager.close_channel(c.get_channel_id(), cp);
    if (!(r instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new CofferError('channel-close-failed', `The channel cannot be closed: ${apiErrorText((r as ldk.Result_NoneAPIErrorZ_Err).err)}.`);
    this.schedule();
    const delay = c.get_force_close_spend_delay();
    return { channelId: id.toLowerCase(), force, ...(force && delay instanceof ldk.Option_u16Z_Some ? { delay: delay.some } : {}) };
  }

  invoice(amountMsat: number | undefined, description: string, expirySecs: number): { bolt11: string; paymentHash: string; expiresAt: number } {
    if (amountMsat !== undefined && (!Number.isSafeInteger(amountMsat) || amountMsat <= 0)) throw new CofferError('invalid-amount', 'The invoice amount is a positive whole number of millisatoshis.');
    if (!Number.isSafeInteger(expirySecs) || expirySecs < 60 || expirySecs > 365 * 86_400) throw new CofferError('usage', 'The expiry is from 60 seconds to a year.');
    if (Buffer.byteLength(description) > 639) throw new CofferError('usage', 'The description is at most 639 bytes.');
    const r = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(
      this.ctx.ldk.manager,
      amountMsat === undefined ? ldk.Option_u64Z.constructor_none() : ldk.Option_u64Z.constructor_some(BigInt(amountMsat)),
      description,
      expirySecs,
      ldk.Option_u16Z.constructor_none(),
    );
    if (!(r instanceof ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) throw new CofferError('lightning-unavailable', 'LDK could not create the invoice.');
    const inv = r.res;
    const paymentHash = hex(inv.payment_hash());
    withDbErrors(() => putPayment(this.ctx.db, { paymentHash, direction: 'in', ...(amountMsat !== undefined ? { amountMsat } : {}), status: 'pending', bolt11: inv.to_str() }));
    return { bolt11: inv.to_str(), paymentHash, expiresAt: Number(inv.duration_since_epoch() + inv.expiry_time()) };
  }

  async pay(bolt11: string, amountMsat?: number): Promise<{ paymentHash: string; preimage: string; feeMsat: number }> {
    bolt11 = invoiceText(bolt11);
    const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11);
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new CofferError('invalid-invoice', 'This is not a valid BOLT 11 invoice.');
    const inv = parsed.res;
    if (inv.currency() !== ldkCurrency(this.ctx.network)) throw new CofferError('invalid-invoice', `This invoice is for another network than ${this.ctx.network}.`);
    if (inv.would_expire(BigInt(Math.floor(Date.now() / 1000)))) throw new CofferError('invoice-expired', 'This invoice has expired; ask the payee for a new one.');
    // The payee's key as LDK 0.1 pays to (recovered from the signature); an invoice that names
    // another key explicitly would send the payment to a node that cannot take it.
    const recovered = inv.clone().into_signed_raw().recover_payee_pub_key();
    if (!(recovered instanceof ldk.Result_PayeePubKeySecp256k1ErrorZ_OK)) throw new CofferError('invalid-invoice', 'The payee of this invoice cannot be read from its signature.');
    const payee = hex(recovered.res.get_a());
    const named = inv.payee_pub_key();
    if (named && named.length === 33 && named.some((b) => b !== 0) && hex(named) !== payee) throw new CofferError('invalid-invoice', 'This invoice names a payee that did not sign it.');
    if (payee === this.nodeId) throw new CofferError('invalid-invoice', 'This invoice is this node\'s own.');
    this.persistence.refuseWhileBackupFails();
    const fixed = optionU64(inv.amount_milli_satoshis());
    const params =
      fixed !== undefined
        ? ldk.UtilMethods.constructor_payment_parameters_from_invoice(inv)
        : amountMsat !== undefined && Number.isSafeInteger(amountMsat) && amountMsat > 0
          ? ldk.UtilMethods.constructor_payment_parameters_from_variable_amount_invoice(inv, BigInt(amountMsat))
          : undefined;
    if (!params) throw new CofferError('invalid-amount', 'This invoice has no amount; give one.');
    if (!(params instanceof ldk.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK)) throw new CofferError('invalid-invoice', 'This invoice cannot be paid (bad amount).');
    const paymentHash = inv.payment_hash();
    const key = hex(paymentHash);
    const before = withDbErrors(() => payment(this.ctx.db, key));
    if (before?.direction === 'out' && before.status === 'succeeded') throw new CofferError('invoice-paid', 'This invoice was paid already.', { paymentHash: key });
    if (before?.direction === 'out' && before.status === 'pending') throw new CofferError('payment-pending', 'A payment of this invoice is under way.', { paymentHash: key });
    const need = Number(fixed ?? BigInt(amountMsat ?? 0));
    this.checkSpendable(need, 'the invoice asks for');
    withDbErrors(() => putPayment(this.ctx.db, { paymentHash: key, direction: 'out', amountMsat: need, status: 'pending', bolt11 }));
    const result = this.outcome(key, ' Paying the invoice again is refused meanwhile.');
    const t = params.res;
    const sent = this.ctx.ldk.manager.send_payment(paymentHash, t.get_b(), paymentHash, t.get_c(), ldk.Retry.constructor_attempts(3));
    if (!(sent instanceof ldk.Result_NoneRetryableSendFailureZ_OK)) this.refused(key, sent instanceof ldk.Result_NoneRetryableSendFailureZ_Err ? sent.err : undefined);
    this.schedule();
    return result;
  }

  /** A spontaneous payment (keysend) of `amountMsat` to `nodeIdHex`, with a preimage made here; as `pay` answers. */
  async keysend(nodeIdHex: string, amountMsat: number): Promise<{ paymentHash: string; preimage: string; feeMsat: number }> {
    if (!/^0[23][0-9a-fA-F]{64}$/.test(nodeIdHex)) throw new CofferError('invalid-peer', 'A node id is a 33-byte public key in hex, starting with 02 or 03.');
    if (nodeIdHex.toLowerCase() === this.nodeId) throw new CofferError('invalid-peer', 'This is this node\'s own id.');
    if (!Number.isSafeInteger(amountMsat) || amountMsat <= 0) throw new CofferError('invalid-amount', 'The amount is a positive whole number of millisatoshis.');
    this.persistence.refuseWhileBackupFails();
    this.checkSpendable(amountMsat, 'the keysend is');
    const preimage = randomBytes(32);
    const paymentHash = sha256(preimage);
    const key = hex(paymentHash);
    withDbErrors(() => putPayment(this.ctx.db, { paymentHash: key, direction: 'out', amountMsat, status: 'pending' }));
    const result = this.outcome(key, '');
    const payee = ldk.PaymentParameters.constructor_for_keysend(Uint8Array.from(Buffer.from(nodeIdHex, 'hex')), KEYSEND_FINAL_CLTV, false);
    const route = ldk.RouteParameters.constructor_from_payment_params_and_value(payee, BigInt(amountMsat));
    const sent = this.ctx.ldk.manager.send_spontaneous_payment(ldk.Option_ThirtyTwoBytesZ.constructor_some(preimage), ldk.RecipientOnionFields.constructor_spontaneous_empty(), paymentHash, route, ldk.Retry.constructor_attempts(3));
    if (!(sent instanceof ldk.Result_ThirtyTwoBytesRetryableSendFailureZ_OK)) this.refused(key, sent instanceof ldk.Result_ThirtyTwoBytesRetryableSendFailureZ_Err ? sent.err : undefined);
    this.schedule();
    return result;
  }

  private checkSpendable(needMsat: number, asks: string): void {
    const spendable = this.ctx.ldk.manager.list_usable_channels().reduce((s, c) => s + Number(c.get_next_outbound_htlc_limit_msat()), 0);
    if (needMsat > spendable) throw new CofferError('insufficient-funds', `The channels can send ${spendable} msat now; ${asks} ${needMsat}.`, { neededMsat: needMsat, availableMsat: spendable });
  }

  /** The outcome of payment `key` (its hash, hex): PaymentSent or PaymentFailed settle it (events.ts), else `payment-pending` after a while. */
  private outcome(key: string, again: string): Promise<{ paymentHash: string; preimage: string; feeMsat: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ctx.payments.delete(key);
        reject(new CofferError('payment-pending', `The payment has not completed yet; it may still succeed or fail, and the channel balances will show which.${again}`, { paymentHash: key }));
      }, PAYMENT_TIMEOUT_MS);
      this.ctx.payments.set(key, { resolve, reject, timer });
    });
  }

  /** LDK refused to send payment `key` at once: recorded failed, its waiter dropped, the reason thrown. */
  private refused(key: string, failure: ldk.RetryableSendFailure | undefined): never {
    const w = this.ctx.payments.get(key);
    if (w) clearTimeout(w.timer);
    this.ctx.payments.delete(key);
    withDbErrors(() => putPayment(this.ctx.db, { paymentHash: key, direction: 'out', status: 'failed' }));
    const why = failure !== undefined ? String(ldk.RetryableSendFailure[failure]).replace(/^LDKRetryableSendFailure_/, '') : 'unknown';
    throw new CofferError(why === 'RouteNotFound' ? 'no-route' : 'payment-failed', `The payment cannot be sent (${why}).`, { paymentHash: key });
  }

  async stop(): Promise<void> {
    if (this.ctx.stopped) return;
    try {
      // Never a manager ahead of monitors that did not reach the disk: LDK would refuse to read it.
      if (this.persistence.flush()) withDbErrors(() => writeManager(this.ctx.db, this.ctx.ldk.manager.write()));
    } catch (e) {
      this.ctx.host.log.error('ln.persist-failed', { code: e instanceof CofferError ? e.code : 'internal' });
    }
    this.ctx.ldk.routing.save();
    this.ctx.stopped = true;
    this.persistence.stop();
    clearInterval(this.timer);
    for (const w of [...this.ctx.opens.values(), ...this.ctx.payments.values()]) {
      clearTimeout(w.timer);
      w.reject(new CofferError('lightning-unavailable', 'The Lightning node is stopping.'));
    }
    await this.sockets.stop();
  }
}
