// The node's assembly: LDK's logger, fee estimator, broadcaster, chain filter, persister, signer,
// router (over the stored graph and scorer, routing.ts) and configuration wired to the host, and
// the channel manager and monitors read back from the database (or a fresh manager).

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { readManager, readMonitors, unfeedAll, writeManager } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import type { LdkParts } from './context.js';
import type { ChannelHost } from './host.js';
import { ldkNetwork } from './ldk.js';
import type { ChannelNodeOptions } from './options.js';
import { Routing } from './routing.js';

/** LDK never goes below 253 sat per 1000 weight (1.012 sat/vB). */
export const MIN_FEERATE_PER_KW = 253;

export function feerateToKw(satPerVb: number): number {
  return Math.max(MIN_FEERATE_PER_KW, Math.ceil(satPerVb * 250));
}

/**
 * A channel monitor from its bytes, or undefined when they are not one. The one decoder: start-up,
 * the closed channels' view and a channel restore all read monitors through it.
 */
export function decodeMonitor(data: Uint8Array, keys: ldk.KeysManager, signer: ldk.SignerProvider): ldk.ChannelMonitor | undefined {
  const r = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(data, keys.as_EntropySource(), signer);
  return r instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK ? r.res.get_b() : undefined;
}

/** Where LDK's callbacks go: monitor persistence and the broadcaster. Either may be called while assembling. */
export interface AssemblyHooks {
  persist(outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor): ldk.ChannelMonitorUpdateStatus;
  broadcast(raw: Uint8Array): void;
}

/**
 * Build LDK's objects for this wallet. Every JS object handed to LDK is pushed on `keep`, which
 * the caller holds for the node's life: the bindings hold only weak references, and a callback
 * into a collected object is fatal.
 */
export function assemble(host: ChannelHost, opts: ChannelNodeOptions, keys: ldk.KeysManager, hooks: AssemblyHooks, keep: unknown[]): LdkParts {
  const db = host.wallet.database;
  const log = host.log;
  const verbose = process.env['COFFER_LDK_LOG'] === '1';
  const logger = ldk.Logger.new_impl({
    log(record: ldk.Record) {
      const level = record.get_level();
      if (level === ldk.Level.LDKLevel_Error || level === ldk.Level.LDKLevel_Warn) log.warn('ln.ldk', { module: record.get_module_path(), text: record.get_args().slice(0, 500) });
      else if (verbose && level !== ldk.Level.LDKLevel_Gossip) log.info('ln.ldk', { module: record.get_module_path(), text: record.get_args().slice(0, 500) });
    },
  } as ldk.LoggerInterface);
  const feeEstimator = ldk.FeeEstimator.new_impl({
    get_est_sat_per_1000_weight(target: ldk.ConfirmationTarget): number {
      const r = host.feeRates();
      switch (target) {
        case ldk.ConfirmationTarget.LDKConfirmationTarget_MaximumFeeEstimate:
        case ldk.ConfirmationTarget.LDKConfirmationTarget_UrgentOnChainSweep:
          return feerateToKw(r.fast);
        case ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedAnchorChannelRemoteFee:
        case ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee:
        // The least closing fee LDK takes from the peer: lnd ignores BOLT 2's fee_range and answers
        // its own estimate, and LDK force-closes when that is below this, so only the relay floor.
        case ldk.ConfirmationTarget.LDKConfirmationTarget_ChannelCloseMinimum:
          return MIN_FEERATE_PER_KW;
        // An anchor channel's commitment can be bumped when it goes out (fee-bumps.ts), so it
        // need not pay for the next blocks when signed.
        case ldk.ConfirmationTarget.LDKConfirmationTarget_AnchorChannelFee:
        case ldk.ConfirmationTarget.LDKConfirmationTarget_OutputSpendingFee:
          return feerateToKw(r.slow);
        default:
          return feerateToKw(r.normal);
      }
    },
  } as ldk.FeeEstimatorInterface);
  const broadcaster = ldk.BroadcasterInterface.new_impl({
    broadcast_transactions: (txs: Uint8Array[]) => {
      for (const raw of txs) hooks.broadcast(raw);
    },
  } as ldk.BroadcasterInterfaceInterface);

  const filter = ldk.Filter.new_impl({
    register_tx: (_txid: Uint8Array, script: Uint8Array) => host.watch.watchScript(script),
    register_output: (o: ldk.WatchedOutput) => {
      const op = o.get_outpoint();
      host.watch.watchOutpoint(op.get_txid(), op.get_index(), o.get_script_pubkey());
    },
  } as ldk.FilterInterface);

  const persist = ldk.Persist.new_impl({
    persist_new_channel: (outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor) => hooks.persist(outpoint, monitor),
    update_persisted_channel: (outpoint: ldk.OutPoint, _update: ldk.ChannelMonitorUpdate, monitor: ldk.ChannelMonitor) => hooks.persist(outpoint, monitor),
  } as ldk.PersistInterface);

  keep.push(filter, persist, logger, feeEstimator, broadcaster);
  const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_some(filter), broadcaster, logger, feeEstimator, persist);

  const base = keys.as_SignerProvider();
  // Closing outputs and claimed HTLCs pay the wallet directly; only LDK's own scripts need a sweep.
  const walletScript = () => host.changeScript();
  const signer = ldk.SignerProvider.new_impl({
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

  const network = ldkNetwork(host.wallet.network);
  const routing = Routing.load(db, host.wallet.network, logger, log, keep);
  const { graph, scorer } = routing;
  const score = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
  const router = ldk.DefaultRouter.constructor_new(graph, logger, keys.as_EntropySource(), score.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
  const messageRouter = ldk.DefaultMessageRouter.constructor_new(graph, keys.as_EntropySource());
  const config = ldk.UserConfig.constructor_default();
  // LDK's default lets a peer have only 10% of a channel in flight towards us; a wallet's
  // channels pay and receive up to their whole balance, as other implementations allow.
  const handshake = config.get_channel_handshake_config();
  handshake.set_max_inbound_htlc_value_in_flight_percent_of_channel(100);
  // Anchor outputs (option_anchors_zero_fee_htlc_tx) with every peer that offers them; LDK falls
  // back to a legacy channel with one that does not, or that refuses ours.
  handshake.set_negotiate_anchors_zero_fee_htlc_tx(true);
  // Unannounced unless the user asks (`--ln-announce`), and then the only channels forwarding
  // could use are unannounced ones...
  handshake.set_announce_for_forwarding(opts.announce === true);
  config.set_channel_handshake_config(handshake);
  // ...and LDK refuses to forward into those unless told to: others' payments cross this node
  // only when the user opts in (the middle node of a route hint, `coffer daemon --ln-forward`).
  // Forwarding is the path of several LDK fixes newer than these bindings (docs/ldk-advisories.md).
  config.set_accept_forwards_to_priv_channels(opts.forward === true);
  config.set_accept_intercept_htlcs(false);
  // Channels opened to us: refused by LDK unless the user allows them, and then each one is
  // checked against the user's limits (OpenChannelRequest) before LDK accepts it.
  config.set_accept_inbound_channels(opts.inbound !== undefined);
  config.set_manually_accept_inbound_channels(true);
  const limits = config.get_channel_handshake_limits();
  // A peer that wants its channel announced is refused (ours are not), unless this node announces;
  // then a peer's unannounced channel is taken too (a wallet's channel to its router).
  limits.set_force_announced_channel_preference(opts.announce !== true);
  if (opts.inbound) {
    limits.set_min_funding_satoshis(BigInt(opts.inbound.minSat));
    limits.set_max_funding_satoshis(BigInt(opts.inbound.maxSat));
  }
  config.set_channel_handshake_limits(limits);
  keep.push(signer, score, router, messageRouter, config, handshake, limits);

  const stored = withDbErrors(() => ({ manager: readManager(db), monitors: readMonitors(db) }));
  const monitors: ldk.ChannelMonitor[] = [];
  for (const m of stored.monitors) {
    const monitor = decodeMonitor(m.data, keys, signer);
    if (!monitor) throw new CofferError('database-corrupt', `The stored state of channel ${m.fundingOutpoint} cannot be read; restore from a channel backup.`);
    monitors.push(monitor);
  }
  const tip = host.tip();
  const fresh = () =>
    ldk.ChannelManager.constructor_new(
      feeEstimator,
      chainMonitor.as_Watch(),
      broadcaster,
      router.as_Router(),
      messageRouter.as_MessageRouter(),
      logger,
      keys.as_EntropySource(),
      keys.as_NodeSigner(),
      signer,
      config,
      ldk.ChainParameters.constructor_new(network, ldk.BestBlock.constructor_new(tip.hash, tip.height)),
      Math.floor(Date.now() / 1000),
    );
  let managerBytes = stored.manager;
  if (!managerBytes && monitors.length > 0) {
    if (host.wallet.meta('channel_restore') !== '1') {
      throw new CofferError('database-corrupt', 'Channel monitors are stored without their channel manager; restore from a channel backup.');
    }
    // Restored from a backup: an empty manager read back with the monitors makes LDK close
    // every channel it does not know, broadcasting each monitor's latest commitment.
    managerBytes = fresh().write();
    host.log.info('ln.restoring', { channels: monitors.length });
  }
  let manager: ldk.ChannelManager;
  if (managerBytes) {
    const r = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelManagerZ_read(
      managerBytes,
      keys.as_EntropySource(),
      keys.as_NodeSigner(),
      signer,
      feeEstimator,
      chainMonitor.as_Watch(),
      broadcaster,
      router.as_Router(),
      messageRouter.as_MessageRouter(),
      logger,
      config,
      monitors,
    );
    if (!(r instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_OK)) {
      // LDK's reason (e.g. DangerousValue: a monitor behind the manager) goes to the log.
      const why = r instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_Err ? r.err.constructor.name : 'unknown';
      host.log.error('ln.manager-unreadable', { reason: why, monitors: monitors.length });
      throw new CofferError('database-corrupt', 'The stored channel manager cannot be read; restore from a channel backup.');
    }
    manager = r.res.get_b();
  } else {
    manager = fresh();
  }
  withDbErrors(() =>
    db.transaction(() => {
      writeManager(db, manager.write());
      host.wallet.setMeta('channel_restore', '');
    }).immediate(),
  );
  for (const m of monitors) {
    const watched = chainMonitor.as_Watch().watch_channel(m.get_funding_txo().get_a(), m);
    if (!(watched instanceof ldk.Result_ChannelMonitorUpdateStatusNoneZ_OK)) throw new CofferError('database-corrupt', 'A stored channel monitor was refused by LDK.');
  }
  // Everything stored is shown to LDK again after a restart (it ignores what it has seen).
  withDbErrors(() => unfeedAll(db));

  const ignorer = ldk.IgnoringMessageHandler.constructor_new();
  keep.push(ignorer, monitors);
  const peers = ldk.PeerManager.constructor_new(
    manager.as_ChannelMessageHandler(),
    routing.gossip.as_RoutingMessageHandler(),
    ignorer.as_OnionMessageHandler(),
    ignorer.as_CustomMessageHandler(),
    Math.floor(Date.now() / 1000),
    keys.as_EntropySource().get_secure_random_bytes(),
    logger,
    keys.as_NodeSigner(),
  );
  return { keys, signer, chainMonitor, manager, peers, routing, logger };
}
