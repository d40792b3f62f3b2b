// The routing knowledge's persistence seam (channels/routing.ts): the network graph and the scorer
// written and read back, a damaged or foreign copy replaced by an empty one with a log line, and
// Rapid Gossip Sync snapshots applied or refused with typed errors.

import fs from 'node:fs';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as ldk from 'lightningdevkit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelLog } from '../../src/channels/host.js';
import { loadLdk } from '../../src/channels/ldk.js';
import { applySnapshot, importSnapshot, Routing } from '../../src/channels/routing.js';
import { readRouting, writeRouting } from '../../src/db/channel-store.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { FILE_LIMITS, readFileLimited } from '../../src/service/files.js';
import { expectCode } from '../helpers/errors.js';
import { rgsSnapshot, type RgsChannel } from '../helpers/rgs.js';
import { tmpDir } from '../helpers/tmp.js';

type Line = { level: 'info' | 'warn' | 'error'; event: string; fields?: Record<string, unknown> };

function recordingLog(): ChannelLog & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    info: (event, fields) => lines.push({ level: 'info', event, ...(fields ? { fields } : {}) }),
    warn: (event, fields) => lines.push({ level: 'warn', event, ...(fields ? { fields } : {}) }),
    error: (event, fields) => lines.push({ level: 'error', event, ...(fields ? { fields } : {}) }),
  };
}

const keep: unknown[] = [];
let logger: ldk.Logger;
/** Four nodes, keys sorted, so a channel's node1 is its first index. */
let nodes: Uint8Array[];
let regtestHash: Uint8Array;
let mainHash: Uint8Array;

const policy = { cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, htlcMaximumMsat: 500_000_000n, feeBaseMsat: 1000, feePpm: 100 };
/** 0 - 1 - 2 - 3 in a line. */
const LINE: RgsChannel[] = [
  { scid: (101n << 40n) | (1n << 16n), node1: 0, node2: 1, policy },
  { scid: (102n << 40n) | (1n << 16n), node1: 1, node2: 2, policy },
  { scid: (103n << 40n) | (1n << 16n), node1: 2, node2: 3, policy },
];
const now = () => Math.floor(Date.now() / 1000);

function db(): Db {
  return openDatabase(path.join(tmpDir(), 'wallet.sqlite'));
}

/**
 * One regtest graph and scorer shared by the tests that need no database: every NetworkGraph
 * reserves about 160 MB of WASM memory (LDK sizes it for mainnet) and the bindings reach only
 * 2 GB, so this file makes few.
 */
let scratch: Routing | undefined;
function scratchRouting(): Routing {
  scratch ??= Routing.load(db(), 'regtest', logger, recordingLog(), keep);
  return scratch;
}

/** A route from node 0 to node `to` over the graph, scored by `scorer`: the scids it takes. */
function route(graph: ldk.NetworkGraph, scorer: ldk.ProbabilisticScorer, to: number, msat: bigint): bigint[] | undefined {
  const params = ldk.RouteParameters.constructor_from_payment_params_and_value(ldk.PaymentParameters.constructor_from_node_id(nodes[to]!, 40), msat);
  const r = ldk.UtilMethods.constructor_find_route(nodes[0]!, params, graph, null, logger, scorer.as_ScoreLookUp(), ldk.ProbabilisticScoringFeeParameters.constructor_default(), new Uint8Array(32));
  return r instanceof ldk.Result_RouteLightningErrorZ_OK ? r.res.get_paths()[0]!.get_hops().map((h) => h.get_short_channel_id()) : undefined;
}

beforeAll(async () => {
  await loadLdk();
  logger = ldk.Logger.new_impl({ log() {} } as ldk.LoggerInterface);
  keep.push(logger);
  nodes = [1, 2, 3, 4].map((i) => secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i : 7)), true)).sort((a, b) => Buffer.compare(a, b));
  // A chain's hash is its genesis block's (each NetworkGraph reserves ~160 MB of WASM memory: few are made here).
  regtestHash = ldk.BestBlock.constructor_from_network(ldk.Network.LDKNetwork_Regtest).get_block_hash();
  mainHash = ldk.BestBlock.constructor_from_network(ldk.Network.LDKNetwork_Bitcoin).get_block_hash();
});

describe('the graph and scorer in the database', () => {
  it('start empty, and come back as saved: channels, routes and what a failed payment taught the scorer', () => {
    const d = db();
    const log = recordingLog();
    const first = Routing.load(d, 'regtest', logger, log, keep);
    expect(first.counts()).toEqual({ channels: 0, nodes: 0 });
    expect(log.lines).toEqual([]);
    applySnapshot(first.graph, logger, rgsSnapshot(regtestHash, now(), nodes, LINE));
    expect(first.counts()).toEqual({ channels: 3, nodes: 4 });
    expect(route(first.graph, first.scorer, 3, 10_000_000n)).toEqual(LINE.map((c) => c.scid));

    // A payment that failed at the middle channel: the scorer now knows less than 10,000 sats pass it.
    const hops = LINE.map((c, i) => ldk.RouteHop.constructor_new(nodes[i + 1]!, ldk.NodeFeatures.constructor_empty(), c.scid, ldk.ChannelFeatures.constructor_empty(), 1000n, 40, true));
    const path = ldk.Path.constructor_new(hops, null);
    const failed = ldk.Event.constructor_payment_path_failed(ldk.Option_ThirtyTwoBytesZ.constructor_none(), new Uint8Array(32), false, ldk.PathFailure.constructor_on_path(ldk.Option_NetworkUpdateZ.constructor_none()), path, ldk.Option_u64Z.constructor_some(LINE[1]!.scid));
    const target = ldk.NodeId.constructor_from_pubkey(nodes[2]!);
    expect(first.scorer.estimated_channel_liquidity_range(LINE[1]!.scid, target)).toBeInstanceOf(ldk.Option_C2Tuple_u64u64ZZ_None);
    first.learn(failed);
    const learned = first.scorer.estimated_channel_liquidity_range(LINE[1]!.scid, target);
    expect(learned).toBeInstanceOf(ldk.Option_C2Tuple_u64u64ZZ_Some);
    const max = (learned as ldk.Option_C2Tuple_u64u64ZZ_Some).some.get_b();
    expect(max).toBeLessThan(10_000_000n);
    first.save();
    expect(readRouting(d, 'graph')).toBeDefined();
    expect(readRouting(d, 'scorer')).toBeDefined();

    const again = Routing.load(d, 'regtest', logger, log, keep);
    expect(again.counts()).toEqual({ channels: 3, nodes: 4 });
    expect(again.graph.to_str()).toBe(first.graph.to_str());
    expect(route(again.graph, again.scorer, 3, 1_000_000n)).toEqual(LINE.map((c) => c.scid));
    const reread = again.scorer.estimated_channel_liquidity_range(LINE[1]!.scid, target);
    expect((reread as ldk.Option_C2Tuple_u64u64ZZ_Some).some.get_b()).toBe(max);
    expect(log.lines).toEqual([{ level: 'info', event: 'ln.graph-loaded', fields: { channels: 3, nodes: 4 } }]);
    d.close();
  });

  it('a successful path, or one the recipient failed, tells the scorer the channels had the liquidity; other events are ignored', () => {
    const r = scratchRouting();
    applySnapshot(r.graph, logger, rgsSnapshot(regtestHash, now(), nodes, LINE));
    const hops = LINE.slice(0, 2).map((c, i) => ldk.RouteHop.constructor_new(nodes[i + 1]!, ldk.NodeFeatures.constructor_empty(), c.scid, ldk.ChannelFeatures.constructor_empty(), i === 1 ? 20_000_000n : 1000n, 40, true));
    const path = ldk.Path.constructor_new(hops, null);
    const range = (scid: bigint, to: number) => {
      const r2 = r.scorer.estimated_channel_liquidity_range(scid, ldk.NodeId.constructor_from_pubkey(nodes[to]!));
      return r2 instanceof ldk.Option_C2Tuple_u64u64ZZ_Some ? [r2.some.get_a(), r2.some.get_b()] : undefined;
    };
    const empty = r.scorer.write();
    r.learn(ldk.Event.constructor_channel_ready(ldk.ChannelId.constructor_new_zero(), 0n, nodes[1]!, ldk.ChannelTypeFeatures.constructor_empty()));
    expect(r.scorer.write()).toEqual(empty);
    r.learn(ldk.Event.constructor_payment_path_successful(new Uint8Array(32), ldk.Option_ThirtyTwoBytesZ.constructor_none(), path));
    // The amount that crossed the channel left its sender's side: at most the rest is there now.
    expect(range(LINE[1]!.scid, 2)![1]).toBeLessThanOrEqual(policy.htlcMaximumMsat - 20_000_000n);
    const failedAtRecipient = ldk.Event.constructor_payment_path_failed(ldk.Option_ThirtyTwoBytesZ.constructor_none(), new Uint8Array(32), true, ldk.PathFailure.constructor_on_path(ldk.Option_NetworkUpdateZ.constructor_none()), ldk.Path.constructor_new([hops[0]!], null), ldk.Option_u64Z.constructor_none());
    const before = range(LINE[0]!.scid, 1)?.[0] ?? 0n;
    r.learn(failedAtRecipient);
    // Failed by the recipient: the amount reached it, so at least that much can cross the channel.
    expect(range(LINE[0]!.scid, 1)![0]).toBeGreaterThan(before);
  });

  it('a save writes only what changed', () => {
    const d = db();
    const r = Routing.load(d, 'regtest', logger, recordingLog(), keep);
    r.save();
    // Nothing learned yet: an empty graph and scorer are not written.
    expect(readRouting(d, 'graph')).toBeUndefined();
    applySnapshot(r.graph, logger, rgsSnapshot(regtestHash, now(), nodes, LINE.slice(0, 1)));
    r.save();
    const written = d.prepare("SELECT written_at FROM chan_graph WHERE name = 'graph'").get() as { written_at: number };
    d.prepare("UPDATE chan_graph SET written_at = 1 WHERE name = 'graph'").run();
    r.save();
    expect(d.prepare("SELECT written_at FROM chan_graph WHERE name = 'graph'").get()).toEqual({ written_at: 1 });
    expect(written.written_at).toBeGreaterThan(1);
    d.close();
  });

  it('a damaged graph or scorer starts empty with a log line; the node still starts', () => {
    const d = db();
    writeRouting(d, 'graph', Uint8Array.from([1, 2, 3, 4, 5]));
    writeRouting(d, 'scorer', Uint8Array.from([9, 9, 9]));
    const log = recordingLog();
    const r = Routing.load(d, 'regtest', logger, log, keep);
    expect(r.counts()).toEqual({ channels: 0, nodes: 0 });
    expect(log.lines.map((l) => [l.level, l.event])).toEqual([
      ['warn', 'ln.graph-unreadable'],
      ['warn', 'ln.scorer-unreadable'],
    ]);
    expect(log.lines[0]!.fields).toMatchObject({ bytes: 5 });
    // The next save replaces the damaged copies.
    r.save();
    const again = recordingLog();
    expect(Routing.load(d, 'regtest', logger, again, keep).counts()).toEqual({ channels: 0, nodes: 0 });
    expect(again.lines).toEqual([]);
    d.close();
  });

  it('a graph of another network is not used', () => {
    const d = db();
    const main = ldk.NetworkGraph.constructor_new(ldk.Network.LDKNetwork_Bitcoin, logger);
    applySnapshot(main, logger, rgsSnapshot(mainHash, now(), nodes, LINE));
    writeRouting(d, 'graph', main.write());
    const log = recordingLog();
    expect(Routing.load(d, 'regtest', logger, log, keep).counts()).toEqual({ channels: 0, nodes: 0 });
    expect(log.lines).toEqual([{ level: 'warn', event: 'ln.graph-unreadable', fields: { bytes: main.write().length, reason: 'other-network' } }]);
    d.close();
  });
});

describe('importing a Rapid Gossip Sync snapshot', () => {
  it('adds its channels to the stored graph, keeping what was there', () => {
    const d = db();
    const log = recordingLog();
    const ts = now();
    expect(importSnapshot(d, 'regtest', rgsSnapshot(regtestHash, ts, nodes, LINE.slice(0, 2)), log)).toEqual({ channels: 2, nodes: 3, snapshotTimestamp: ts });
    expect(importSnapshot(d, 'regtest', rgsSnapshot(regtestHash, ts, nodes, LINE.slice(2)), log)).toEqual({ channels: 3, nodes: 4, snapshotTimestamp: ts });
    expect(log.lines.filter((l) => l.event === 'ln.gossip-imported').map((l) => l.fields?.['channels'])).toEqual([2, 3]);
    d.close();
  });

  it('refuses garbage, a truncated snapshot, another network and an old snapshot with invalid-gossip, storing nothing', () => {
    const d = db();
    const good = rgsSnapshot(regtestHash, now(), nodes, LINE);
    expect(expectCode(() => importSnapshot(d, 'regtest', Uint8Array.from([1, 2, 3]), recordingLog()), 'invalid-gossip').details).toEqual({ reason: 'UnknownVersion' });
    expect(readRouting(d, 'graph')).toBeUndefined();
    d.close();
    const graph = scratchRouting().graph;
    const cases: [Uint8Array, string][] = [
      [Uint8Array.from(Buffer.from('not a snapshot at all, just text')), 'UnknownVersion'],
      [good.subarray(0, good.length - 3), 'ShortRead'],
      [rgsSnapshot(mainHash, now(), nodes, LINE), 'other-network'],
      [rgsSnapshot(regtestHash, now() - 30 * 86_400, nodes, LINE), 'stale'],
      [new Uint8Array(0), 'Io'],
    ];
    for (const [bytes, reason] of cases) {
      const e = expectCode(() => applySnapshot(graph, logger, bytes), 'invalid-gossip');
      expect(e.details, reason).toEqual({ reason });
    }
  });

  it('reads the file as a regular file of at most 64 MiB: missing, a folder and an oversized file are file-unreadable', () => {
    const dir = tmpDir();
    const big = path.join(dir, 'big.rgs');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, FILE_LIMITS.gossip + 1);
    const cases: [string, string][] = [
      [path.join(dir, 'missing.rgs'), 'ENOENT'],
      [dir, 'not-a-regular-file'],
      [big, 'too-large'],
    ];
    for (const [file, reason] of cases) {
      const e = expectCode(() => readFileLimited(file, 'gossip'), 'file-unreadable');
      expect(e.details).toMatchObject({ reason, kind: 'gossip' });
      expect(e.message).toContain('gossip snapshot');
    }
  });
});
