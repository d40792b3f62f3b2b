// What the node knows for routing: the network graph (learned by P2P gossip or imported from a Rapid
// Gossip Sync snapshot) and the probabilistic scorer fed by payment outcomes, both kept in the
// database as caches: an unreadable copy starts afresh with a log line, never stops the node.

import { sha256 } from '@noble/hashes/sha2.js';
import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { readRouting, writeRouting } from '../db/channel-store.js';
import { withDbErrors, type Db } from '../db/database.js';
import type { Network } from '../keys/networks.js';
import type { ChannelLog } from './host.js';
import { hex, ldkNetwork } from './ldk.js';

/** The graph and scorer are written at most this often (and at stop), when they changed. */
const ROUTING_SAVE_MS = 10 * 60_000;
/** Channels without an update for two weeks leave the graph this often (LDK's background processor: hourly). */
const GRAPH_PRUNE_MS = 60 * 60_000;

const nowSecs = (): bigint => BigInt(Math.floor(Date.now() / 1000));

export interface RoutingCounts {
  channels: number;
  nodes: number;
}

export class Routing {
  private savedDigest: { graph?: string; scorer?: string } = {};
  private lastSave = Date.now();
  private lastPrune = Date.now();

  private constructor(
    private readonly db: Db,
    private readonly log: ChannelLog,
    readonly graph: ldk.NetworkGraph,
    readonly scorer: ldk.ProbabilisticScorer,
    /** Gossip from peers into the graph: the peer manager's routing message handler. */
    readonly gossip: ldk.P2PGossipSync,
  ) {}

  /**
   * The stored graph and scorer, or empty ones when there are none or they cannot be read (logged).
   * Every object handed to LDK is pushed on `keep` (the bindings hold weak references).
   */
  static load(db: Db, network: Network, logger: ldk.Logger, log: ChannelLog, keep: unknown[]): Routing {
    const { graph, digest: graphDigest } = loadGraph(db, network, logger, log);
    const decay = ldk.ProbabilisticScoringDecayParameters.constructor_default();
    const storedScorer = withDbErrors(() => readRouting(db, 'scorer'));
    let scorer: ldk.ProbabilisticScorer | undefined;
    let scorerDigest: string | undefined;
    if (storedScorer) {
      const r = ldk.ProbabilisticScorer.constructor_read(storedScorer, decay, graph, logger);
      if (r instanceof ldk.Result_ProbabilisticScorerDecodeErrorZ_OK) [scorer, scorerDigest] = [r.res, digest(storedScorer)];
      else log.warn('ln.scorer-unreadable', { bytes: storedScorer.length, reason: decodeReason(r) });
    }
    scorer ??= ldk.ProbabilisticScorer.constructor_new(decay, graph, logger);
    // No chain lookup for announced channels: their funding outputs are not checked (a light
    // wallet has no UTXO set); a fake channel costs at most a failed route attempt.
    const gossip = ldk.P2PGossipSync.constructor_new(graph, ldk.Option_UtxoLookupZ.constructor_none(), logger);
    keep.push(graph, decay, scorer, gossip);
    const routing = new Routing(db, log, graph, scorer, gossip);
    // What is stored already, by its digest (a new, empty one's is that of its few bytes; an
    // unreadable copy's is none, so the next save replaces it).
    routing.savedDigest = { graph: graphDigest, scorer: scorerDigest ?? (storedScorer ? '' : digest(scorer.write())) };
    const counts = routing.counts();
    if (counts.channels > 0) log.info('ln.graph-loaded', { channels: counts.channels, nodes: counts.nodes });
    return routing;
  }

  /** Channels in the graph (cheap: one array of ids, for `ln.info`). */
  channelCount(): number {
    const ro = this.graph.read_only();
    try {
      return ro.list_channels().length;
    } finally {
      ro.free();
    }
  }

  counts(): RoutingCounts {
    // A read lock on the graph, released by hand (gossip waits while it is held).
    const ro = this.graph.read_only();
    try {
      return { channels: ro.list_channels().length, nodes: ro.list_nodes().length };
    } finally {
      ro.free();
    }
  }

  /** A payment's outcome teaches the scorer (and a failure's channel update the graph); other events are ignored. */
  learn(e: ldk.Event): void {
    if (!(e instanceof ldk.Event_PaymentPathFailed || e instanceof ldk.Event_PaymentPathSuccessful || e instanceof ldk.Event_ProbeSuccessful || e instanceof ldk.Event_ProbeFailed)) return;
    const now = nowSecs();
    const score = this.scorer.as_ScoreUpdate();
    if (e instanceof ldk.Event_PaymentPathFailed) {
      if (e.failure instanceof ldk.PathFailure_OnPath && e.failure.network_update instanceof ldk.Option_NetworkUpdateZ_Some) this.graph.handle_network_update(e.failure.network_update.some);
      const scid = e.short_channel_id;
      if (scid instanceof ldk.Option_u64Z_Some) score.payment_path_failed(e.path, scid.some, now);
      // Failed by the recipient itself: every channel on the way had the liquidity (a probe that made it).
      else if (e.payment_failed_permanently) score.probe_successful(e.path, now);
    } else if (e instanceof ldk.Event_PaymentPathSuccessful) {
      score.payment_path_successful(e.path, now);
    } else if (e instanceof ldk.Event_ProbeSuccessful) {
      score.probe_successful(e.path, now);
    } else if (e instanceof ldk.Event_ProbeFailed) {
      if (e.short_channel_id instanceof ldk.Option_u64Z_Some) score.probe_failed(e.path, e.short_channel_id.some, now);
    }
  }

  /** The node's timer: stale channels pruned hourly; the scorer's estimates decayed and both written every 10 minutes. */
  tick(): void {
    const at = Date.now();
    if (at - this.lastPrune >= GRAPH_PRUNE_MS) {
      this.lastPrune = at;
      this.graph.remove_stale_channels_and_tracking_with_time(nowSecs());
    }
    if (at - this.lastSave >= ROUTING_SAVE_MS) this.save();
  }

  /** Write the graph and the scorer when they changed since the last write; a failure is logged and retried at the next save. */
  save(): void {
    this.lastSave = Date.now();
    this.scorer.as_ScoreUpdate().time_passed(nowSecs());
    for (const [name, data] of [
      ['graph', this.graph.write()],
      ['scorer', this.scorer.write()],
    ] as const) {
      const d = digest(data);
      if (this.savedDigest[name] === d) continue;
      try {
        withDbErrors(() => writeRouting(this.db, name, data));
        this.savedDigest[name] = d;
      } catch (e) {
        this.log.error('ln.graph-save-failed', { name, code: e instanceof CofferError ? e.code : 'internal' });
      }
    }
  }
}

function digest(data: Uint8Array): string {
  return hex(sha256(data));
}

/** The variant of a failed read's DecodeError (ShortRead, InvalidValue, ...). */
function decodeReason(r: object): string {
  const err = 'err' in r ? r.err : undefined;
  return err instanceof ldk.DecodeError ? err.constructor.name.replace(/^DecodeError_/, '') : 'unknown';
}

/**
 * The stored graph of this network, or an empty one (logged) when there is none or it cannot be
 * read. Only one graph is made: LDK 0.1 reserves room for a mainnet-sized graph in each (about 160
 * MB of WASM memory, which the bindings address only up to 2 GB).
 */
function loadGraph(db: Db, network: Network, logger: ldk.Logger, log: ChannelLog): { graph: ldk.NetworkGraph; digest: string } {
  const stored = withDbErrors(() => readRouting(db, 'graph'));
  if (stored) {
    const r = ldk.NetworkGraph.constructor_read(stored, logger);
    const genesis = ldk.BestBlock.constructor_from_network(ldkNetwork(network)).get_block_hash();
    if (!(r instanceof ldk.Result_NetworkGraphDecodeErrorZ_OK)) log.warn('ln.graph-unreadable', { bytes: stored.length, reason: decodeReason(r) });
    else if (hex(r.res.get_chain_hash()) !== hex(genesis)) log.warn('ln.graph-unreadable', { bytes: stored.length, reason: 'other-network' });
    else return { graph: r.res, digest: digest(stored) };
  }
  const graph = ldk.NetworkGraph.constructor_new(ldkNetwork(network), logger);
  return { graph, digest: stored ? '' : digest(graph.write()) };
}

/**
 * Apply a Rapid Gossip Sync snapshot to the graph: `invalid-gossip` when the bytes are not one, are
 * for another network or are more than two weeks old. The snapshot's timestamp is returned.
 */
export function applySnapshot(graph: ldk.NetworkGraph, logger: ldk.Logger, bytes: Uint8Array): number {
  const rgs = ldk.RapidGossipSync.constructor_new(graph, logger);
  const r = rgs.update_network_graph_no_std(bytes, ldk.Option_u64Z.constructor_some(nowSecs()));
  if (r instanceof ldk.Result_u32GraphSyncErrorZ_OK) return r.res;
  const err = (r as ldk.Result_u32GraphSyncErrorZ_Err).err;
  if (err instanceof ldk.GraphSyncError_LightningError) {
    const text = err.lightning_error.get_err();
    if (/chain hash/i.test(text)) throw new CofferError('invalid-gossip', 'This gossip snapshot is for another network.', { reason: 'other-network' });
    if (/two weeks old/i.test(text)) throw new CofferError('invalid-gossip', 'This gossip snapshot is more than two weeks old; fetch a newer one.', { reason: 'stale' });
    throw new CofferError('invalid-gossip', `This gossip snapshot cannot be applied: ${text.slice(0, 200)}.`, { reason: 'refused' });
  }
  const reason = err instanceof ldk.GraphSyncError_DecodeError ? err.decode_error.constructor.name.replace(/^DecodeError_/, '') : 'unknown';
  throw new CofferError('invalid-gossip', 'This file is not a Rapid Gossip Sync snapshot Coffer can read.', { reason });
}

let quiet: ldk.Logger | undefined;

/**
 * A logger that drops LDK's lines and lives as long as the process: the objects that hold it call
 * back into it when they are collected, in any order, so it must outlive every one of them.
 */
function quietLogger(): ldk.Logger {
  quiet ??= ldk.Logger.new_impl({ log() {} } as ldk.LoggerInterface);
  return quiet;
}

/**
 * `ln import-gossip`: a snapshot applied to the stored graph, which is written back. The caller
 * holds the Lightning lock, so no running node writes the graph meanwhile.
 */
export function importSnapshot(db: Db, network: Network, bytes: Uint8Array, log: ChannelLog): RoutingCounts & { snapshotTimestamp: number } {
  const routing = Routing.load(db, network, quietLogger(), log, []);
  const snapshotTimestamp = applySnapshot(routing.graph, quietLogger(), bytes);
  withDbErrors(() => writeRouting(db, 'graph', routing.graph.write()));
  const counts = routing.counts();
  log.info('ln.gossip-imported', { ...counts, snapshotTimestamp });
  return { ...counts, snapshotTimestamp };
}
