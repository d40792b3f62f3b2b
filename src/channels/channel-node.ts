// A Lightning node: LDK's channel manager and chain monitor, with everything LDK leaves to its
// host supplied by Coffer. Keys come from the wallet seed (channel-keys.ts), state is written to
// the wallet database before LDK is told it is safe, chain data comes from the wallet's sync (a
// ChainWatcher), funding transactions are built from the wallet's coins, and whatever a close
// leaves us is swept back into the wallet.

import net from 'node:net';
import * as ldk from 'lightningdevkit';
import type { ChannelInfo, Results } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import {
  confirmedChainTxs,
  forceCloses,
  hasChannelState,
  fundedByUs,
  fundingByChannel,
  isHeldFunding,
  listPeers,
  markFed,
  markSwept,
  payment,
  putChainTx,
  putFunding,
  putClose,
  putPayment,
  putPeer,
  putSweep,
  readManager,
  readMonitor,
  readMonitors,
  setFundingStatus,
  unconfirmChainTxsAbove,
  unfedChainTxs,
  unfeedAll,
  unsweptDescriptors,
  writeManager,
  writeMonitor,
  type ChannelClose,
} from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { getTxStatus, setTxStatus, upsertTx } from '../db/tx-store.js';
import type { Network } from '../keys/networks.js';
import { backupKey, ldkSeed } from './channel-keys.js';
import { backupTarget, openBackup, readBackupFile, sealBackup, writeBackupFile } from './channel-backup.js';
import path from 'node:path';
import fs from 'node:fs';
import type { ChainView } from './chain-watch.js';
import type { BackupAlarm, ChannelHost, ChannelWallet } from './host.js';
import { checkOpen, type ChannelNodeOptions } from './options.js';
import { apiErrorText, closureReasonName, eventName, hex, htlcDestinationName, ldkCurrency, ldkNetwork, loadLdk, option32Bytes, optionU32, optionU64, outpointText } from './ldk.js';

/** LDK never goes below 253 sat per 1000 weight (1.012 sat/vB). */
const MIN_FEERATE_PER_KW = 253;
const TIMER_TICK_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
const PAYMENT_TIMEOUT_MS = 60_000;
const OPEN_TIMEOUT_MS = 30_000;
/** How often a channel backup that cannot be written is tried again. */
const BACKUP_RETRY_MS = 1_000;
/** Channels peers have opened to us that are not ready yet, all peers together. */
const MAX_PENDING_INBOUND = 10;

export type { BackupAlarm, ChannelHost } from './host.js';

/**
 * A channel monitor from its bytes, or undefined when they are not one. The one decoder: start-up
 * and a channel restore both read monitors through it.
 */
export function decodeMonitor(data: Uint8Array, keys: ldk.KeysManager, signer: ldk.SignerProvider): ldk.ChannelMonitor | undefined {
  const r = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(data, keys.as_EntropySource(), signer);
  return r instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK ? r.res.get_b() : undefined;
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

function feerateToKw(satPerVb: number): number {
  return Math.max(MIN_FEERATE_PER_KW, Math.ceil(satPerVb * 250));
}

export class ChannelNode {
  private keys!: ldk.KeysManager;
  private signer!: ldk.SignerProvider;
  private chainMonitor!: ldk.ChainMonitor;
  private manager!: ldk.ChannelManager;
  private peers!: ldk.PeerManager;
  private logger!: ldk.Logger;
  private feeEstimator!: ldk.FeeEstimator;
  private broadcaster!: ldk.BroadcasterInterface;
  private server: net.Server | undefined;
  /**
   * Every JS object handed to LDK stays referenced here: the bindings hold only weak references,
   * and a callback into a collected object is fatal.
   */
  private readonly keep: unknown[] = [];
  private wakeManager: ldk.FutureCallback | undefined;
  private wakeMonitor: ldk.FutureCallback | undefined;
  private armed = { manager: false, monitor: false };
  private readonly sockets = new Map<bigint, { socket: net.Socket; descriptor: ldk.SocketDescriptor }>();
  private nextSocketId = 1n;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  private readonly opens = new Map<string, Waiter<{ channelId: string; fundingTxid: string }>>();
  private readonly payments = new Map<string, Waiter<{ paymentHash: string; preimage: string; feeMsat: number }>>();
  private listenPort: number | undefined;
  /** The address the port is bound to (127.0.0.1 unless the user named a host). */
  private listenHost: string | undefined;
  private backupKey: Uint8Array | undefined;
  readonly nodeId: string;

  private constructor(
    private readonly host: ChannelHost,
    private readonly network: Network,
    nodeId: string,
    private readonly opts: ChannelNodeOptions,
  ) {
    this.nodeId = nodeId;
  }

  private get db() {
    return this.host.wallet.database;
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
    const nodeId = hex(id.res);
    const node = new ChannelNode(host, wallet.network, nodeId, opts);
    node.keys = keys;
    node.backupKey = backup;
    node.build();
    // Before any peer hears from this node: a backup that cannot be written keeps peers away
    // (the monitors just loaded may be newer than the file) until it can.
    node.writeBackup();
    if (opts.listen) await node.listen(opts.listen);
    node.timer = setInterval(() => node.tick(), TIMER_TICK_MS);
    node.timer.unref();
    node.schedule();
    void node.reconnect();
    return node;
  }

  private build(): void {
    const log = this.host.log;
    const verbose = process.env['COFFER_LDK_LOG'] === '1';
    this.logger = ldk.Logger.new_impl({
      log(record: ldk.Record) {
        const level = record.get_level();
        if (level === ldk.Level.LDKLevel_Error || level === ldk.Level.LDKLevel_Warn) log.warn('ln.ldk', { module: record.get_module_path(), text: record.get_args().slice(0, 500) });
        else if (verbose && level !== ldk.Level.LDKLevel_Gossip) log.info('ln.ldk', { module: record.get_module_path(), text: record.get_args().slice(0, 500) });
      },
    } as ldk.LoggerInterface);
    const host = this.host;
    this.feeEstimator = ldk.FeeEstimator.new_impl({
      get_est_sat_per_1000_weight(target: ldk.ConfirmationTarget): number {
        const r = host.feeRates();
        switch (target) {
          case ldk.ConfirmationTarget.LDKConfirmationTarget_MaximumFeeEstimate:
          case ldk.ConfirmationTarget.LDKConfirmationTarget_UrgentOnChainSweep:
            return feerateToKw(r.fast);
          case ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedAnchorChannelRemoteFee:
          case ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee:
            return MIN_FEERATE_PER_KW;
          case ldk.ConfirmationTarget.LDKConfirmationTarget_ChannelCloseMinimum:
          case ldk.ConfirmationTarget.LDKConfirmationTarget_OutputSpendingFee:
            return feerateToKw(r.slow);
          default:
            return feerateToKw(r.normal);
        }
      },
    } as ldk.FeeEstimatorInterface);
    this.broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs: Uint8Array[]) => {
        for (const raw of txs) this.release(raw);
      },
    } as ldk.BroadcasterInterfaceInterface);

    const filter = ldk.Filter.new_impl({
      register_tx: (_txid: Uint8Array, script: Uint8Array) => this.host.watch.watchScript(script),
      register_output: (o: ldk.WatchedOutput) => {
        const op = o.get_outpoint();
        this.host.watch.watchOutpoint(op.get_txid(), op.get_index(), o.get_script_pubkey());
      },
    } as ldk.FilterInterface);

    const persist = ldk.Persist.new_impl({
      persist_new_channel: (outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor) => this.persistMonitor(outpoint, monitor),
      update_persisted_channel: (outpoint: ldk.OutPoint, _update: ldk.ChannelMonitorUpdate, monitor: ldk.ChannelMonitor) => this.persistMonitor(outpoint, monitor),
    } as ldk.PersistInterface);

    this.keep.push(filter, persist, this.logger, this.feeEstimator, this.broadcaster);
    this.chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_some(filter), this.broadcaster, this.logger, this.feeEstimator, persist);

    const keys = this.keys;
    const base = keys.as_SignerProvider();
    // Closing outputs and claimed HTLCs pay the wallet directly; only LDK's own scripts need a sweep.
    const walletScript = () => this.host.changeScript();
    this.signer = ldk.SignerProvider.new_impl({
      // The bindings hand over user_channel_id (a u128) in a form they cannot take back; KeysManager
      // makes the id unique from its own counter and start time, so 0 is passed on instead.
      generate_channel_keys_id: (inbound: boolean, value: bigint) => base.generate_channel_keys_id(inbound, value, 0n),
      derive_channel_signer: (value: bigint, id: Uint8Array) => base.derive_channel_signer(value, id),
      read_chan_signer: (reader: Uint8Array) => base.read_chan_signer(reader),
      get_destination_script: () => ldk.Result_CVec_u8ZNoneZ.constructor_ok(walletScript()),
      get_shutdown_scriptpubkey: () => {
        const script = walletScript();
        if (script.length === 22 && script[0] === 0 && script[1] === 20) return ldk.Result_ShutdownScriptNoneZ.constructor_ok(ldk.ShutdownScript.constructor_new_p2wpkh(script.subarray(2)));
        return base.get_shutdown_scriptpubkey();
      },
    } as ldk.SignerProviderInterface);

    const network = ldkNetwork(this.network);
    const graph = ldk.NetworkGraph.constructor_new(network, this.logger);
    const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, this.logger);
    const score = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
    const router = ldk.DefaultRouter.constructor_new(graph, this.logger, keys.as_EntropySource(), score.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
    const messageRouter = ldk.DefaultMessageRouter.constructor_new(graph, keys.as_EntropySource());
    const config = ldk.UserConfig.constructor_default();
    // LDK's default lets a peer have only 10% of a channel in flight towards us; a wallet's
    // channels pay and receive up to their whole balance, as other implementations allow.
    const handshake = config.get_channel_handshake_config();
    handshake.set_max_inbound_htlc_value_in_flight_percent_of_channel(100);
    // Never announced: the only channels forwarding could use are unannounced ones...
    handshake.set_announce_for_forwarding(false);
    config.set_channel_handshake_config(handshake);
    // ...and LDK refuses to forward into those unless told to: others' payments cross this node
    // only when the user opts in (the middle node of a route hint, `coffer daemon --ln-forward`).
    // Forwarding is the path of several LDK fixes newer than these bindings (docs/ldk-advisories.md).
    config.set_accept_forwards_to_priv_channels(this.opts.forward === true);
    config.set_accept_intercept_htlcs(false);
    // Channels opened to us: refused by LDK unless the user allows them, and then each one is
    // checked against the user's limits (OpenChannelRequest) before LDK accepts it.
    config.set_accept_inbound_channels(this.opts.inbound !== undefined);
    config.set_manually_accept_inbound_channels(true);
    const limits = config.get_channel_handshake_limits();
    // A peer that wants its channel announced is refused (ours are not).
    limits.set_force_announced_channel_preference(true);
    if (this.opts.inbound) {
      limits.set_min_funding_satoshis(BigInt(this.opts.inbound.minSat));
      limits.set_max_funding_satoshis(BigInt(this.opts.inbound.maxSat));
    }
    config.set_channel_handshake_limits(limits);
    this.keep.push(this.signer, graph, scorer, score, router, messageRouter, config, handshake, limits);

    const stored = withDbErrors(() => ({ manager: readManager(this.db), monitors: readMonitors(this.db) }));
    const monitors: ldk.ChannelMonitor[] = [];
    for (const m of stored.monitors) {
      const monitor = decodeMonitor(m.data, this.keys, this.signer);
      if (!monitor) throw new CofferError('database-corrupt', `The stored state of channel ${m.fundingOutpoint} cannot be read; restore from a channel backup.`);
      monitors.push(monitor);
    }
    const tip = this.host.tip();
    const fresh = () =>
      ldk.ChannelManager.constructor_new(
        this.feeEstimator,
        this.chainMonitor.as_Watch(),
        this.broadcaster,
        router.as_Router(),
        messageRouter.as_MessageRouter(),
        this.logger,
        keys.as_EntropySource(),
        keys.as_NodeSigner(),
        this.signer,
        config,
        ldk.ChainParameters.constructor_new(network, ldk.BestBlock.constructor_new(tip.hash, tip.height)),
        Math.floor(Date.now() / 1000),
      );
    let managerBytes = stored.manager;
    if (!managerBytes && monitors.length > 0) {
      if (this.host.wallet.meta('channel_restore') !== '1') {
        throw new CofferError('database-corrupt', 'Channel monitors are stored without their channel manager; restore from a channel backup.');
      }
      // Restored from a backup: an empty manager read back with the monitors makes LDK close
      // every channel it does not know, broadcasting each monitor's latest commitment.
      managerBytes = fresh().write();
      this.host.log.info('ln.restoring', { channels: monitors.length });
    }
    if (managerBytes) {
      const r = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelManagerZ_read(
        managerBytes,
        keys.as_EntropySource(),
        keys.as_NodeSigner(),
        this.signer,
        this.feeEstimator,
        this.chainMonitor.as_Watch(),
        this.broadcaster,
        router.as_Router(),
        messageRouter.as_MessageRouter(),
        this.logger,
        config,
        monitors,
      );
      if (!(r instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_OK)) {
        throw new CofferError('database-corrupt', 'The stored channel manager cannot be read; restore from a channel backup.');
      }
      this.manager = r.res.get_b();
    } else {
      this.manager = fresh();
    }
    withDbErrors(() =>
      this.db.transaction(() => {
        writeManager(this.db, this.manager.write());
        this.host.wallet.setMeta('channel_restore', '');
      }).immediate(),
    );
    for (const m of monitors) {
      const watched = this.chainMonitor.as_Watch().watch_channel(m.get_funding_txo().get_a(), m);
      if (!(watched instanceof ldk.Result_ChannelMonitorUpdateStatusNoneZ_OK)) throw new CofferError('database-corrupt', 'A stored channel monitor was refused by LDK.');
    }
    // Everything stored is shown to LDK again after a restart (it ignores what it has seen).
    withDbErrors(() => unfeedAll(this.db));

    const ignorer = ldk.IgnoringMessageHandler.constructor_new();
    this.keep.push(ignorer, monitors);
    this.peers = ldk.PeerManager.constructor_new(
      this.manager.as_ChannelMessageHandler(),
      ignorer.as_RoutingMessageHandler(),
      ignorer.as_OnionMessageHandler(),
      ignorer.as_CustomMessageHandler(),
      Math.floor(Date.now() / 1000),
      keys.as_EntropySource().get_secure_random_bytes(),
      this.logger,
      keys.as_NodeSigner(),
    );
  }

  // ---- persistence -------------------------------------------------------------------------

  /**
   * Monitor updates LDK has handed over and waits on, in order. They are written together with
   * the channel manager in one SQLite transaction, and only then does LDK hear they completed:
   * on disk, the manager always knows every update its monitors hold (a manager behind its
   * monitors would force-close the channel at the next start), and nothing LDK sent the peer
   * depends on an update that is not durable.
   */
  private readonly pendingMonitors: { key: string; outpoint: ldk.OutPoint; data: Uint8Array; updateId: bigint }[] = [];

  private persistMonitor(outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor): ldk.ChannelMonitorUpdateStatus {
    const key = outpointText(outpoint);
    this.pendingMonitors.push({ key, outpoint: outpoint.clone(), data: monitor.write(), updateId: monitor.get_latest_update_id() });
    this.closedCache.delete(key);
    this.schedule();
    return ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_InProgress;
  }

  /**
   * Monitor updates on disk in the database but not yet in the channel backup file: LDK hears
   * they are done only once the file holds them too (a backup older than what the peer has seen
   * from us would hold a revoked state).
   */
  private readonly heldForBackup: { outpoint: ldk.OutPoint; updateId: bigint }[] = [];
  /** The backup file is behind the database (a write failed, or none was made since a change). */
  private backupOwed = false;
  private backupAlarm: BackupAlarm | undefined;
  private backupRetry: NodeJS.Timeout | undefined;

  /** Write the manager (when it changed or monitors wait) and the waiting monitors; then the backup; then tell LDK. */
  private flush(): void {
    const monitors = this.pendingMonitors.splice(0);
    const manager = this.manager.get_and_clear_needs_persistence() || monitors.length > 0 ? this.manager.write() : undefined;
    if (manager) {
      try {
        withDbErrors(() =>
          this.db.transaction(() => {
            writeManager(this.db, manager);
            const latest = new Map(monitors.map((m) => [m.key, m]));
            for (const m of latest.values()) writeMonitor(this.db, m.key, m.data, m.updateId);
          }).immediate(),
        );
      } catch (e) {
        // Not on disk: LDK keeps the channels waiting; try again shortly.
        this.pendingMonitors.unshift(...monitors);
        this.host.log.error('ln.persist-failed', { monitors: monitors.length, code: e instanceof CofferError ? e.code : 'internal' });
        setTimeout(() => this.schedule(), 1_000).unref();
        return;
      }
    }
    for (const m of monitors) this.heldForBackup.push({ outpoint: m.outpoint, updateId: m.updateId });
    if (monitors.length > 0) this.backupOwed = true;
    this.releaseHeld();
  }

  /** Bring the backup file up to date when it is behind; only then tell LDK the held updates are done. */
  private releaseHeld(): void {
    if (this.backupOwed && !this.writeBackup()) return;
    for (const m of this.heldForBackup.splice(0)) this.chainMonitor.channel_monitor_updated(m.outpoint, m.updateId);
  }

  /**
   * Rewrite the channel backup file, when one is set: every monitor and peer, as in the database.
   * False when it cannot be written: the alarm goes up (`ln.info`, the core's status and event),
   * monitor updates stay held, no new peer connection is made, and it is tried again every second.
   * A path that has become anything but a Coffer backup (another program's file, a folder) is not
   * written over.
   */
  private writeBackup(): boolean {
    const file = this.host.wallet.meta('channel_backup_file');
    if (!file || !this.backupKey) {
      this.backupOwed = false;
      return true;
    }
    try {
      if (backupTarget(file) === 'other') throw new CofferError('file-exists', `${file} is no longer a Coffer channel backup; Coffer does not write over it.`);
      const { monitors, peers } = withDbErrors(() => ({ monitors: readMonitors(this.db), peers: listPeers(this.db) }));
      writeBackupFile(file, sealBackup({ network: this.network, nodeId: this.nodeId, writtenAt: Date.now(), monitors, peers }, this.backupKey));
    } catch (e) {
      this.backupOwed = true;
      const err = e instanceof CofferError ? e : new CofferError('file-unreadable', `The channel backup ${file} cannot be written.`);
      this.setBackupAlarm({ file, code: err.code, message: err.message, since: this.backupAlarm?.since ?? Date.now() });
      if (!this.backupRetry && !this.stopped) {
        this.backupRetry = setTimeout(() => {
          this.backupRetry = undefined;
          this.schedule();
        }, BACKUP_RETRY_MS);
        this.backupRetry.unref();
      }
      return false;
    }
    this.backupOwed = false;
    this.setBackupAlarm(undefined);
    return true;
  }

  private setBackupAlarm(alarm: BackupAlarm | undefined): void {
    const before = this.backupAlarm;
    this.backupAlarm = alarm;
    if (alarm && (!before || before.file !== alarm.file || before.code !== alarm.code)) {
      this.host.log.error('ln.backup-failed', { code: alarm.code, held: this.heldForBackup.length });
      this.host.onBackupAlarm?.(alarm);
    } else if (!alarm && before) {
      this.host.log.info('ln.backup-written', { released: this.heldForBackup.length });
      this.host.onBackupAlarm?.(undefined);
      // Peers were kept away meanwhile.
      void this.reconnect();
    }
  }

  /** The channel backup cannot be written (shown on every screen and in `ln info`). */
  get backupFailing(): BackupAlarm | undefined {
    return this.backupAlarm;
  }

  private refuseWhileBackupFails(): void {
    const a = this.backupAlarm;
    if (a) throw new CofferError('backup-failing', `The channel backup ${a.file} cannot be written (${a.message}); channels wait until it can. Fix the file or choose another one.`, { file: a.file });
  }

  /**
   * Keep an encrypted channel backup at `file` from now on (rewritten after every channel change).
   * The name ends in .backup; the folder exists; an existing file is written over only when it is
   * this wallet's own channel backup.
   */
  setBackup(file: string): { file: string; channels: number } {
    const abs = path.resolve(file);
    if (!abs.endsWith('.backup') || path.basename(abs) === '.backup') throw new CofferError('usage', 'A channel backup file\'s name ends in .backup (for example coffer-channels.backup).');
    const dir = path.dirname(abs);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CofferError('file-unreadable', `The folder ${dir} does not exist.`);
    const kind = backupTarget(abs);
    if (kind === 'other') throw new CofferError('file-exists', `${abs} exists and is not a Coffer channel backup; choose a new file name.`, { file: abs });
    if (kind === 'backup') {
      let theirs;
      try {
        theirs = openBackup(readBackupFile(abs), this.backupKey!);
      } catch {
        theirs = undefined;
      }
      if (!theirs || theirs.nodeId !== this.nodeId || theirs.network !== this.network) {
        throw new CofferError('file-exists', `${abs} is another wallet's channel backup, or a damaged one; choose a new file name.`, { file: abs });
      }
    }
    const { monitors, peers } = withDbErrors(() => ({ monitors: readMonitors(this.db), peers: listPeers(this.db) }));
    writeBackupFile(abs, sealBackup({ network: this.network, nodeId: this.nodeId, writtenAt: Date.now(), monitors, peers }, this.backupKey!));
    withDbErrors(() => this.host.wallet.setMeta('channel_backup_file', abs));
    // The new file holds everything: updates held for an old one that failed can go on.
    this.backupOwed = false;
    this.setBackupAlarm(undefined);
    this.releaseHeld();
    this.schedule();
    return { file: abs, channels: monitors.length };
  }

  // ---- events ------------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.process();
    });
  }

  /** Drain events, flush messages, save the manager; re-arm LDK's wake-up. */
  private process(): void {
    if (this.stopped) return;
    try {
      const handler = ldk.EventHandler.new_impl({
        handle_event: (e: ldk.Event) => {
          try {
            this.handle(e);
          } catch (err) {
            this.host.log.error('ln.event-failed', { event: eventName(e), code: err instanceof CofferError ? err.code : 'internal', message: (err as Error).message?.slice(0, 200) ?? '' });
          }
          return ldk.Result_NoneReplayEventZ.constructor_ok();
        },
      } as ldk.EventHandlerInterface);
      this.chainMonitor.as_EventsProvider().process_pending_events(handler);
      this.manager.as_EventsProvider().process_pending_events(handler);
      this.flush();
      this.peers.process_events();
      // Sending may have produced more updates (each peer message can): write them too.
      if (this.pendingMonitors.length > 0) this.schedule();
    } catch (e) {
      this.host.log.error('ln.process-failed', { message: (e as Error).message?.slice(0, 200) ?? 'error' });
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
      this.manager.get_event_or_persistence_needed_future().register_callback_fn(this.wakeManager);
    }
    if (!this.armed.monitor) {
      this.armed.monitor = true;
      this.chainMonitor.get_update_future().register_callback_fn(this.wakeMonitor);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.manager.timer_tick_occurred();
    this.peers.timer_tick_occurred();
    this.chainMonitor.rebroadcast_pending_claims();
    void this.reconnect();
    void this.sweep();
    this.schedule();
  }

  private handle(e: ldk.Event): void {
    const log = this.host.log;
    if (e instanceof ldk.Event_FundingGenerationReady) {
      this.fund(e);
    } else if (e instanceof ldk.Event_ChannelPending) {
      const channelId = hex(e.channel_id.get_a());
      const fundingTxid = hashToHex(e.funding_txo.get_txid());
      log.info('ln.channel-pending', { channelId, fundingTxid });
      const w = this.opens.get(hex(e.former_temporary_channel_id.get_a()));
      if (w) {
        clearTimeout(w.timer);
        this.opens.delete(hex(e.former_temporary_channel_id.get_a()));
        w.resolve({ channelId, fundingTxid });
      }
    } else if (e instanceof ldk.Event_ChannelReady) {
      log.info('ln.channel-ready', { channelId: hex(e.channel_id.get_a()) });
    } else if (e instanceof ldk.Event_ChannelClosed) {
      const channelId = hex(e.channel_id.get_a());
      const reason = closureReasonName(e.reason);
      log.info('ln.channel-closed', { channelId, reason });
      if (e.channel_funding_txo) {
        withDbErrors(() =>
          putClose(this.db, {
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
      const w = this.opens.get(channelId);
      if (w) {
        clearTimeout(w.timer);
        this.opens.delete(channelId);
        w.reject(new CofferError('channel-open-failed', `The peer did not accept the channel (${reason}).`));
      }
      this.discardFunding(channelId);
    } else if (e instanceof ldk.Event_DiscardFunding) {
      if (e.funding_info instanceof ldk.FundingInfo_Tx) this.abandonFunding(txidOf(parseTx(e.funding_info.transaction)));
    } else if (e instanceof ldk.Event_PaymentClaimable) {
      const preimage = option32Bytes(e.purpose.preimage());
      if (preimage) this.manager.claim_funds(preimage);
      else this.manager.fail_htlc_backwards(e.payment_hash);
    } else if (e instanceof ldk.Event_PaymentClaimed) {
      const paymentHash = hex(e.payment_hash);
      const preimage = option32Bytes(e.purpose.preimage());
      withDbErrors(() =>
        putPayment(this.db, { paymentHash, direction: 'in', amountMsat: Number(e.amount_msat), status: 'succeeded', ...(preimage ? { preimage: hex(preimage) } : {}), settledAt: Date.now() }),
      );
    } else if (e instanceof ldk.Event_PaymentSent) {
      const paymentHash = hex(e.payment_hash);
      const preimage = hex(e.payment_preimage);
      const feeMsat = Number(optionU64(e.fee_paid_msat) ?? 0n);
      withDbErrors(() => putPayment(this.db, { paymentHash, direction: 'out', status: 'succeeded', preimage, feeMsat, settledAt: Date.now() }));
      const w = this.payments.get(paymentHash);
      if (w) {
        clearTimeout(w.timer);
        this.payments.delete(paymentHash);
        w.resolve({ paymentHash, preimage, feeMsat });
      }
    } else if (e instanceof ldk.Event_PaymentFailed) {
      const paymentHash = hex(option32Bytes(e.payment_hash) ?? e.payment_id);
      const reason = e.reason instanceof ldk.Option_PaymentFailureReasonZ_Some ? ldk.PaymentFailureReason[e.reason.some] ?? 'unknown' : 'unknown';
      withDbErrors(() => putPayment(this.db, { paymentHash, direction: 'out', status: 'failed', settledAt: Date.now() }));
      const w = this.payments.get(paymentHash);
      if (w) {
        clearTimeout(w.timer);
        this.payments.delete(paymentHash);
        w.reject(new CofferError('payment-failed', `The payment failed (${String(reason).replace(/^LDKPaymentFailureReason_/, '')}).`, { paymentHash }));
      }
    } else if (e instanceof ldk.Event_PendingHTLCsForwardable) {
      // LDK suggests waiting `time_forwardable` to batch forwards and blur timing; this wallet
      // forwards nothing of others' (no public channels), and for our own payments the wait
      // would only slow each one down.
      setImmediate(() => {
        if (this.stopped) return;
        this.manager.process_pending_htlc_forwards();
        this.schedule();
      });
    } else if (e instanceof ldk.Event_SpendableOutputs) {
      const channelId = hex(e.channel_id.get_a());
      // A static output pays a script this node gave LDK (a closing output, a claimed HTLC): those
      // are the wallet's own addresses, which the wallet already sees. The rest need LDK's keys.
      const ours = e.outputs.filter((d) => !(d instanceof ldk.SpendableOutputDescriptor_StaticOutput));
      withDbErrors(() => {
        for (const d of ours) putSweep(this.db, d.write(), channelId);
      });
      log.info('ln.spendable-outputs', { channelId, count: e.outputs.length, toSweep: ours.length });
      void this.sweep();
    } else if (e instanceof ldk.Event_ConnectionNeeded) {
      void this.reconnect();
    } else if (e instanceof ldk.Event_OpenChannelRequest) {
      this.answerOpen(e);
    } else if (e instanceof ldk.Event_HTLCHandlingFailed) {
      log.info('ln.htlc-failed', { channelId: hex(e.prev_channel_id.get_a()), destination: htlcDestinationName(e.failed_next_destination) });
    }
  }

  /** Why a peer's request to open a channel to us is refused, or undefined to accept it. */
  private refusal(e: ldk.Event_OpenChannelRequest): string | undefined {
    const policy = this.opts.inbound;
    if (!policy) return 'This node does not accept channels opened to it.';
    const sats = Number(e.funding_satoshis);
    if (sats < policy.minSat || sats > policy.maxSat) return `This node accepts channels of ${policy.minSat} to ${policy.maxSat} sats.`;
    if (e.is_announced) return 'This node accepts only unannounced channels.';
    if (e.channel_type.requires_zero_conf() || e.channel_type.requires_anchors_zero_fee_htlc_tx()) return 'This node accepts only channels without zero-conf or anchors.';
    const pending = this.manager.list_channels().filter((c) => !c.get_is_outbound() && !c.get_is_channel_ready());
    const peer = hex(e.counterparty_node_id);
    if (pending.filter((c) => hex(c.get_counterparty().get_node_id()) === peer).length >= policy.maxPendingPerPeer) return 'Too many of your channels to this node are not ready yet.';
    if (pending.length >= MAX_PENDING_INBOUND) return 'This node has too many channels opened to it that are not ready yet.';
    return undefined;
  }

  /** A peer asks to open a channel to us: accepted only as the user allowed (ChannelNodeOptions.inbound). */
  private answerOpen(e: ldk.Event_OpenChannelRequest): void {
    const peer = hex(e.counterparty_node_id);
    const sats = Number(e.funding_satoshis);
    const why = this.refusal(e);
    if (why === undefined) {
      const r = this.manager.accept_inbound_channel(e.temporary_channel_id, e.counterparty_node_id, 0n);
      if (r instanceof ldk.Result_NoneAPIErrorZ_OK) {
        this.host.log.info('ln.inbound-accepted', { peer, sats });
        return;
      }
      this.host.log.warn('ln.inbound-refused', { peer, sats, why: apiErrorText((r as ldk.Result_NoneAPIErrorZ_Err).err).slice(0, 200) });
    } else {
      this.host.log.info('ln.inbound-refused', { peer, sats, why });
    }
    // Refusing is closing the request: the peer gets our reason as an error message.
    this.manager.force_close_without_broadcasting_txn(e.temporary_channel_id, e.counterparty_node_id, why ?? 'refused');
  }

  /** Build and sign the funding transaction from the wallet's coins; it stays held until LDK releases it. */
  private fund(e: ldk.Event_FundingGenerationReady): void {
    const temp = hex(e.temporary_channel_id.get_a());
    try {
      // LDK needs a funding transaction whose id cannot change: the host spends segwit coins only.
      const done = this.host.fundChannel({ script: e.output_script, amountSat: Number(e.channel_value_satoshis) }, (txid) =>
        putFunding(this.db, txid, temp, hex(e.counterparty_node_id)),
      );
      const r = this.manager.funding_transaction_generated(e.temporary_channel_id, e.counterparty_node_id, done.raw);
      if (!(r instanceof ldk.Result_NoneAPIErrorZ_OK)) {
        this.abandonFunding(done.txid);
        throw new CofferError('channel-open-failed', `LDK refused the funding transaction: ${apiErrorText((r as ldk.Result_NoneAPIErrorZ_Err).err)}.`);
      }
    } catch (err) {
      this.manager.force_close_without_broadcasting_txn(e.temporary_channel_id, e.counterparty_node_id, 'funding failed');
      const w = this.opens.get(temp);
      if (w) {
        clearTimeout(w.timer);
        this.opens.delete(temp);
        w.reject(err instanceof CofferError ? err : new CofferError('channel-open-failed', (err as Error).message));
      }
    }
  }

  private discardFunding(temporaryOrChannelId: string): void {
    const f = withDbErrors(() => fundingByChannel(this.db, temporaryOrChannelId));
    if (f && f.status === 'held') this.abandonFunding(f.txid);
  }

  private abandonFunding(txid: Uint8Array): void {
    withDbErrors(() =>
      this.db.transaction(() => {
        if (!isHeldFunding(this.db, txid)) return;
        setFundingStatus(this.db, txid, 'discarded');
        if (getTxStatus(this.db, txid) === 'pending') setTxStatus(this.db, txid, 'abandoned');
      }).immediate(),
    );
  }

  /** LDK's broadcaster: a held funding transaction is released (the peer has signed), then everything goes out. */
  private release(raw: Uint8Array): void {
    const txid = txidOf(parseTx(raw));
    withDbErrors(() => {
      if (isHeldFunding(this.db, txid)) setFundingStatus(this.db, txid, 'released');
      putChainTx(this.db, txid, raw);
    });
    this.host.log.info('ln.broadcast', { txid: hashToHex(txid) });
    this.host.broadcast(raw).then(
      () => {
        withDbErrors(() => {
          if (getTxStatus(this.db, txid) === 'pending') setTxStatus(this.db, txid, 'seen');
        });
      },
      (err: unknown) => this.host.log.warn('ln.broadcast-failed', { txid: hashToHex(txid), code: err instanceof CofferError ? err.code : 'internal' }),
    );
  }

  /** Spend what closes left to LDK's keys into the wallet; retried every tick until it goes out. */
  private sweeping = false;
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const stored = withDbErrors(() => unsweptDescriptors(this.db));
      if (stored.length === 0) return;
      const descriptors: ldk.SpendableOutputDescriptor[] = [];
      for (const d of stored) {
        const r = ldk.SpendableOutputDescriptor.constructor_read(d);
        if (r instanceof ldk.Result_SpendableOutputDescriptorDecodeErrorZ_OK) descriptors.push(r.res);
      }
      const script = this.host.changeScript();
      const feerate = feerateToKw(this.host.feeRates().slow);
      const r = this.keys.as_OutputSpender().spend_spendable_outputs(descriptors, [], script, feerate, ldk.Option_u32Z.constructor_none());
      if (!(r instanceof ldk.Result_TransactionNoneZ_OK)) {
        this.host.log.warn('ln.sweep-unbuildable', { outputs: descriptors.length });
        return;
      }
      const raw = r.res;
      const txid = txidOf(parseTx(raw));
      try {
        await this.host.broadcast(raw);
      } catch (err) {
        // Usually a delayed output whose wait is not over yet: try again at the next tick.
        this.host.log.info('ln.sweep-waiting', { txid: hashToHex(txid), code: err instanceof CofferError ? err.code : 'internal' });
        return;
      }
      withDbErrors(() =>
        this.db.transaction(() => {
          upsertTx(this.db, txid, { raw, firstSeen: Math.floor(Date.now() / 1000), status: 'seen' });
          markSwept(this.db, stored, txid);
        }).immediate(),
      );
      this.host.log.info('ln.swept', { txid: hashToHex(txid), outputs: descriptors.length });
    } catch (err) {
      this.host.log.warn('ln.sweep-failed', { code: err instanceof CofferError ? err.code : 'internal' });
    } finally {
      this.sweeping = false;
    }
  }

  // ---- chain -------------------------------------------------------------------------------

  /** Tell LDK what changed: transactions that left the best chain, those that entered it, the new tip. */
  afterRound(chain: ChainView): number | undefined {
    if (this.stopped) return undefined;
    let fedFrom: number | undefined;
    const confirms = [this.manager.as_Confirm(), this.chainMonitor.as_Confirm()];
    const onChain = (hash: Uint8Array, height: number) => height <= chain.height && height >= 0 && hashToHex(chain.hashAt(height)) === hashToHex(hash);
    withDbErrors(() => {
      for (const t of confirmedChainTxs(this.db)) {
        if (!onChain(t.blockHash!, t.height!)) unconfirmChainTxsAbove(this.db, t.height! - 1);
      }
    });
    for (const c of confirms) {
      for (const r of c.get_relevant_txids()) {
        const hash = option32Bytes(r.get_c());
        if (hash && !onChain(hash, r.get_b())) for (const d of confirms) d.transaction_unconfirmed(r.get_a());
      }
    }
    const unfed = withDbErrors(() => unfedChainTxs(this.db));
    let i = 0;
    while (i < unfed.length) {
      const height = unfed[i]!.height!;
      const group: typeof unfed = [];
      while (i < unfed.length && unfed[i]!.height === height) group.push(unfed[i++]!);
      if (!onChain(group[0]!.blockHash!, height)) continue;
      const header = chain.header(height);
      const txdata = group.map((t) => ldk.TwoTuple_usizeTransactionZ.constructor_new(t.pos!, t.raw));
      for (const c of confirms) c.transactions_confirmed(header, txdata, height);
      fedFrom = Math.min(fedFrom ?? height, height);
      withDbErrors(() => {
        for (const t of group) markFed(this.db, t.txid);
      });
    }
    // A resolved close stays resolved (until its monitor is written again); the others are read again.
    for (const [k, v] of this.closedCache) if (v) this.closedCache.delete(k);
    const tipHeader = chain.header(chain.height);
    for (const c of confirms) c.best_block_updated(tipHeader, chain.height);
    this.schedule();
    return fedFrom;
  }

  // ---- peers -------------------------------------------------------------------------------

  private adopt(socket: net.Socket): ldk.SocketDescriptor {
    const id = this.nextSocketId++;
    const descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data: Uint8Array, _resume: boolean) => {
        if (socket.destroyed) return 0;
        socket.write(Buffer.from(data));
        return data.length;
      },
      disconnect_socket: () => {
        this.sockets.delete(id);
        socket.destroy();
      },
      eq: (other: ldk.SocketDescriptor) => other.hash() === id,
      hash: () => id,
    } as ldk.SocketDescriptorInterface);
    this.sockets.set(id, { socket, descriptor });
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      if (this.stopped) return;
      const r = this.peers.read_event(descriptor, new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (!(r instanceof ldk.Result_boolPeerHandleErrorZ_OK)) {
        this.sockets.delete(id);
        socket.destroy();
        return;
      }
      this.schedule();
    });
    socket.on('close', () => {
      if (this.sockets.delete(id) && !this.stopped) this.peers.socket_disconnected(descriptor);
      this.schedule();
    });
    socket.on('error', () => socket.destroy());
    return descriptor;
  }

  private async listen(at: { host: string; port: number }): Promise<void> {
    const server = net.createServer((socket) => {
      // While the backup cannot be written no peer hears from this node (see writeBackup).
      if (this.stopped || this.backupAlarm) return socket.destroy();
      const d = this.adopt(socket);
      const r = this.peers.new_inbound_connection(d, ldk.Option_SocketAddressZ.constructor_none());
      if (!(r instanceof ldk.Result_NonePeerHandleErrorZ_OK)) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new CofferError('port-unavailable', `Lightning port ${at.port} cannot be used (${e.code ?? 'error'}).`)));
      server.listen(at.port, at.host, () => resolve());
    });
    this.server = server;
    const bound = server.address() as net.AddressInfo;
    this.listenPort = bound.port;
    this.listenHost = bound.address;
  }

  get listening(): number | undefined {
    return this.listenPort;
  }

  private connected(nodeId: Uint8Array): boolean {
    return this.peers.list_peers().some((p) => hex(p.get_counterparty_node_id()) === hex(nodeId));
  }

  /** Connect to a peer (noise handshake and init) unless already connected. */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    if (this.connected(nodeId)) return;
    this.refuseWhileBackupFails();
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new CofferError('peer-unreachable', `No answer from ${host}:${port}.`));
      }, CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new CofferError('peer-unreachable', `Cannot connect to ${host}:${port} (${e.code ?? 'error'}).`));
      });
    });
    const d = this.adopt(socket);
    const r = this.peers.new_outbound_connection(nodeId, d, ldk.Option_SocketAddressZ.constructor_none());
    if (!(r instanceof ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      socket.destroy();
      throw new CofferError('peer-unreachable', 'The connection was refused by LDK.');
    }
    socket.write(Buffer.from(r.res));
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (!this.connected(nodeId)) {
      if (socket.destroyed || Date.now() > deadline) {
        socket.destroy();
        throw new CofferError('peer-unreachable', `${host}:${port} did not complete the Lightning handshake (wrong public key?).`);
      }
      await new Promise((r2) => setTimeout(r2, 20));
    }
    withDbErrors(() => putPeer(this.db, hex(nodeId), `${host}:${port}`));
    this.writeBackup();
  }

  /** Reconnect to the counterparties of our channels. */
  private reconnecting = false;
  private async reconnect(): Promise<void> {
    if (this.reconnecting || this.stopped || this.backupAlarm) return;
    this.reconnecting = true;
    try {
      const wanted = new Set(this.manager.list_channels().map((c) => hex(c.get_counterparty().get_node_id())));
      for (const p of withDbErrors(() => listPeers(this.db))) {
        if (!wanted.has(p.nodeId)) continue;
        const nodeId = Uint8Array.from(Buffer.from(p.nodeId, 'hex'));
        if (this.connected(nodeId)) continue;
        const i = p.address.lastIndexOf(':');
        try {
          await this.connect(nodeId, p.address.slice(0, i), Number(p.address.slice(i + 1)));
        } catch {
          // offline peer: next tick
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  // ---- the API -----------------------------------------------------------------------------

  info(): Results['ln.info'] {
    const a = this.backupAlarm;
    const inbound = this.opts.inbound;
    return {
      nodeId: this.nodeId,
      ...(this.listenPort !== undefined ? { listen: this.listenPort, listenHost: this.listenHost! } : {}),
      peers: this.peers.list_peers().length,
      channels: this.manager.list_channels().length,
      forwards: this.opts.forward === true,
      ...(inbound ? { acceptsChannels: { minSat: inbound.minSat, maxSat: inbound.maxSat, maxPendingPerPeer: inbound.maxPendingPerPeer } } : {}),
      ...(a ? { backupFailing: { file: a.file, code: a.code, message: a.message, since: a.since } } : {}),
    };
  }

  async open(peerUri: string, amountSat: number, pushSat = 0): Promise<{ channelId: string; fundingTxid: string }> {
    const peer = checkOpen(peerUri, amountSat, pushSat);
    if (hex(peer.nodeId) === this.nodeId) throw new CofferError('invalid-peer', 'That is this node.');
    this.refuseWhileBackupFails();
    await this.connect(peer.nodeId, peer.host, peer.port);
    const r = this.manager.create_channel(peer.nodeId, BigInt(amountSat), BigInt(pushSat) * 1000n, 0n, null, null);
    if (!(r instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) {
      throw new CofferError('channel-open-failed', `The channel cannot be opened: ${apiErrorText((r as ldk.Result_ChannelIdAPIErrorZ_Err).err)}.`);
    }
    const temp = hex(r.res.get_a());
    const result = new Promise<{ channelId: string; fundingTxid: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.opens.delete(temp);
        reject(new CofferError('channel-open-failed', 'The peer did not answer the channel opening in time.'));
      }, OPEN_TIMEOUT_MS);
      this.opens.set(temp, { resolve, reject, timer });
    });
    this.schedule();
    return result;
  }

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
    for (const b of this.chainMonitor.get_claimable_balances(others)) {
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
    for (const c of withDbErrors(() => forceCloses(this.db))) {
      const key = c.fundingOutpoint!;
      if (!this.closedCache.has(key)) this.closedCache.set(key, this.closedInfo(c));
      const info = this.closedCache.get(key);
      if (info) out.push(info);
    }
    return out;
  }

  private closedInfo(c: ChannelClose): ChannelInfo | null {
    const data = withDbErrors(() => readMonitor(this.db, c.fundingOutpoint!));
    if (!data) return null;
    const monitor = decodeMonitor(data, this.keys, this.signer);
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
      outbound: withDbErrors(() => fundedByUs(this.db, hexToHash(fundingTxid)!)),
      usable: false,
      ...(at !== undefined ? { claimableAt: at } : {}),
    };
  }

  list(): ChannelInfo[] {
    const all = this.manager.list_channels();
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

  private channel(id: string): ldk.ChannelDetails {
    const c = this.manager.list_channels().find((d) => hex(d.get_channel_id().get_a()) === id.toLowerCase());
    if (!c) throw new CofferError('unknown-channel', `There is no open channel ${id}.`);
    return c;
  }

  close(id: string, force: boolean): { channelId: string; force: boolean; delay?: number } {
    const c = this.channel(id);
    const cp = c.get_counterparty().get_node_id();
    const r = force
      ? this.manager.force_close_broadcasting_latest_txn(c.get_channel_id(), cp, 'closed by the user')
      : this.manager.close_channel(c.get_channel_id(), cp);
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
      this.manager,
      amountMsat === undefined ? ldk.Option_u64Z.constructor_none() : ldk.Option_u64Z.constructor_some(BigInt(amountMsat)),
      description,
      expirySecs,
      ldk.Option_u16Z.constructor_none(),
    );
    if (!(r instanceof ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) throw new CofferError('lightning-unavailable', 'LDK could not create the invoice.');
    const inv = r.res;
    const paymentHash = hex(inv.payment_hash());
    withDbErrors(() => putPayment(this.db, { paymentHash, direction: 'in', ...(amountMsat !== undefined ? { amountMsat } : {}), status: 'pending', bolt11: inv.to_str() }));
    return { bolt11: inv.to_str(), paymentHash, expiresAt: Number(inv.duration_since_epoch() + inv.expiry_time()) };
  }

  async pay(bolt11: string, amountMsat?: number): Promise<{ paymentHash: string; preimage: string; feeMsat: number }> {
    const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11.trim());
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new CofferError('invalid-invoice', 'This is not a valid BOLT 11 invoice.');
    const inv = parsed.res;
    if (inv.currency() !== ldkCurrency(this.network)) throw new CofferError('invalid-invoice', `This invoice is for another network than ${this.network}.`);
    if (inv.would_expire(BigInt(Math.floor(Date.now() / 1000)))) throw new CofferError('invoice-expired', 'This invoice has expired; ask the payee for a new one.');
    // The payee's key as LDK 0.1 pays to (recovered from the signature); an invoice that names
    // another key explicitly would send the payment to a node that cannot take it.
    const recovered = inv.clone().into_signed_raw().recover_payee_pub_key();
    if (!(recovered instanceof ldk.Result_PayeePubKeySecp256k1ErrorZ_OK)) throw new CofferError('invalid-invoice', 'The payee of this invoice cannot be read from its signature.');
    const payee = hex(recovered.res.get_a());
    const named = inv.payee_pub_key();
    if (named && named.length === 33 && named.some((b) => b !== 0) && hex(named) !== payee) throw new CofferError('invalid-invoice', 'This invoice names a payee that did not sign it.');
    if (payee === this.nodeId) throw new CofferError('invalid-invoice', 'This invoice is this node\'s own.');
    this.refuseWhileBackupFails();
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
    const before = withDbErrors(() => payment(this.db, key));
    if (before?.direction === 'out' && before.status === 'succeeded') throw new CofferError('invoice-paid', 'This invoice was paid already.', { paymentHash: key });
    if (before?.direction === 'out' && before.status === 'pending') throw new CofferError('payment-pending', 'A payment of this invoice is under way.', { paymentHash: key });
    const need = Number(fixed ?? BigInt(amountMsat ?? 0));
    const spendable = this.manager.list_usable_channels().reduce((s, c) => s + Number(c.get_next_outbound_htlc_limit_msat()), 0);
    if (need > spendable) throw new CofferError('insufficient-funds', `The channels can send ${spendable} msat now; the invoice asks for ${need}.`, { needed: need, available: spendable });
    withDbErrors(() => putPayment(this.db, { paymentHash: key, direction: 'out', amountMsat: need, status: 'pending', bolt11: bolt11.trim() }));
    const result = new Promise<{ paymentHash: string; preimage: string; feeMsat: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.payments.delete(key);
        reject(new CofferError('payment-pending', 'The payment has not completed yet; it may still succeed or fail, and the channel balances will show which. Paying the invoice again is refused meanwhile.', { paymentHash: key }));
      }, PAYMENT_TIMEOUT_MS);
      this.payments.set(key, { resolve, reject, timer });
    });
    const t = params.res;
    const sent = this.manager.send_payment(paymentHash, t.get_b(), paymentHash, t.get_c(), ldk.Retry.constructor_attempts(3));
    if (!(sent instanceof ldk.Result_NoneRetryableSendFailureZ_OK)) {
      const w = this.payments.get(key);
      if (w) clearTimeout(w.timer);
      this.payments.delete(key);
      withDbErrors(() => putPayment(this.db, { paymentHash: key, direction: 'out', status: 'failed' }));
      const why = sent instanceof ldk.Result_NoneRetryableSendFailureZ_Err ? String(ldk.RetryableSendFailure[sent.err]).replace(/^LDKRetryableSendFailure_/, '') : 'unknown';
      throw new CofferError(why === 'RouteNotFound' ? 'no-route' : 'payment-failed', `The payment cannot be sent (${why}).`, { paymentHash: key });
    }
    this.schedule();
    return result;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    try {
      this.flush();
      withDbErrors(() => writeManager(this.db, this.manager.write()));
    } catch (e) {
      this.host.log.error('ln.persist-failed', { code: e instanceof CofferError ? e.code : 'internal' });
    }
    this.stopped = true;
    this.backupKey?.fill(0);
    clearInterval(this.timer);
    clearTimeout(this.backupRetry);
    for (const w of [...this.opens.values(), ...this.payments.values()]) {
      clearTimeout(w.timer);
      w.reject(new CofferError('lightning-unavailable', 'The Lightning node is stopping.'));
    }
    this.peers.disconnect_all_peers();
    for (const { socket } of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}


/**
 * Put a channel backup into a wallet restored from its words, before Lightning starts: its
 * monitors and peers are stored and, at the next start, LDK closes every channel and the funds
 * come back to the wallet after the channels' delays. Refused when the wallet has channel state
 * of its own, or the backup is another wallet's.
 */
export async function restoreChannels(wallet: ChannelWallet, bytes: Uint8Array): Promise<{ channels: number; nodeId: string; writtenAt: number }> {
  await loadLdk();
  const key = wallet.withSeed((s) => backupKey(s, wallet.network));
  let backup;
  try {
    backup = openBackup(bytes, key);
  } finally {
    key.fill(0);
  }
  if (backup.network !== wallet.network) throw new CofferError('invalid-backup', `This channel backup is for ${backup.network}, not ${wallet.network}.`);
  const seed = wallet.withSeed((s) => ldkSeed(s, wallet.network));
  const keys = ldk.KeysManager.constructor_new(seed, 0n, 0);
  seed.fill(0);
  const id = keys.as_NodeSigner().get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK) || hex(id.res) !== backup.nodeId) throw new CofferError('invalid-backup', 'This channel backup belongs to another wallet.');
  // Every monitor must read back as LDK reads it at start-up, for the channel it is filed under:
  // one that does not would be stored and then stop Lightning from ever starting.
  const signer = keys.as_SignerProvider();
  for (const m of backup.monitors) {
    const monitor = decodeMonitor(m.data, keys, signer);
    if (!monitor || outpointText(monitor.get_funding_txo().get_a()) !== m.fundingOutpoint) {
      throw new CofferError('invalid-backup', `The channel backup's state of channel ${m.fundingOutpoint.slice(0, 80)} cannot be read; nothing was restored.`);
    }
  }
  withDbErrors(() =>
    wallet.database.transaction(() => {
      if (hasChannelState(wallet.database)) {
        throw new CofferError('invalid-backup', 'This wallet has channel state of its own; a backup is restored only into a wallet just restored from its words.');
      }
      for (const m of backup.monitors) writeMonitor(wallet.database, m.fundingOutpoint, m.data, 0n);
      for (const p of backup.peers) putPeer(wallet.database, p.nodeId, p.address);
      wallet.setMeta('channel_restore', '1');
    }).immediate(),
  );
  return { channels: backup.monitors.length, nodeId: backup.nodeId, writtenAt: backup.writtenAt };
}
