// Routing figures on a synthetic network of mainnet size (15,000 nodes, 50,000 channels, made as
// a Rapid Gossip Sync snapshot): importing it, the graph's memory and stored size, route finding
// with the probabilistic scorer, and a `coffer daemon` starting with that graph in its database.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as ldk from 'lightningdevkit';
import { loadLdk } from '../src/channels/ldk.js';
import { applySnapshot, Routing } from '../src/channels/routing.js';
import { writeRouting } from '../src/db/channel-store.js';
import { openDatabase } from '../src/db/database.js';
import { party, startDaemon, stopDaemon, type Party } from '../test/helpers/daemon.js';
import { startNode } from '../test/helpers/regtest.js';
import { rgsSnapshot, type RgsChannel } from '../test/helpers/rgs.js';
import { median, report, rssMiB, type Figure } from './measure.js';

/** A fixed pseudo-random sequence (xorshift32), so every run builds the same network. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * `nodes` keys sorted (so a channel's first node is its lower index) and `channels` channels: a
 * random tree joins every node, the rest attach preferentially to low indexes (a few large hubs,
 * many small nodes, as on mainnet).
 */
export function syntheticNetwork(nodeCount: number, channelCount: number): { nodes: Uint8Array[]; channels: RgsChannel[] } {
  const rand = prng(0xc0ffee);
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const key = new Uint8Array(32);
    key[0] = 1;
    new DataView(key.buffer).setUint32(28, i + 1);
    return secp256k1.getPublicKey(key, true);
  }).sort((a, b) => Buffer.compare(a, b));
  const channels: RgsChannel[] = [];
  const seen = new Set<string>();
  const hub = () => Math.floor(nodeCount * rand() ** 3);
  for (let i = 0; channels.length < channelCount; i++) {
    const x = i < nodeCount - 1 ? i + 1 : Math.floor(rand() * nodeCount);
    const y = i < nodeCount - 1 ? Math.floor(rand() * (i + 1)) : hub();
    const [n1, n2] = x < y ? [x, y] : [y, x];
    if (n1 === n2 || seen.has(`${n1}:${n2}`)) continue;
    seen.add(`${n1}:${n2}`);
    const block = 500_000n + BigInt(channels.length);
    const capacitySat = 100_000 + Math.floor(rand() * 9_900_000);
    channels.push({
      scid: (block << 40n) | (1n << 16n),
      node1: n1,
      node2: n2,
      policy: {
        cltvExpiryDelta: 40 + Math.floor(rand() * 104),
        htlcMinimumMsat: 1000n,
        htlcMaximumMsat: BigInt(capacitySat) * 990n,
        feeBaseMsat: Math.floor(rand() * 1000),
        feePpm: 1 + Math.floor(rand() * 999),
      },
    });
  }
  return { nodes, channels };
}

export async function benchGraph(nodeCount = 15_000, channelCount = 50_000, routes = 50): Promise<Figure[]> {
  const figures: Figure[] = [];
  const push = (f: Figure) => {
    figures.push(f);
    report([f]);
  };
  await loadLdk();
  const logger = ldk.Logger.new_impl({ log() {} } as ldk.LoggerInterface);
  const keep: unknown[] = [logger];
  let t = performance.now();
  const { nodes, channels } = syntheticNetwork(nodeCount, channelCount);
  const chain = ldk.BestBlock.constructor_from_network(ldk.Network.LDKNetwork_Regtest).get_block_hash();
  const snapshot = rgsSnapshot(chain, Math.floor(Date.now() / 1000), nodes, channels);
  push({ name: 'graph: synthetic network as an RGS snapshot', value: performance.now() - t, unit: 'ms', note: `${nodeCount} nodes, ${channelCount} channels, ${(snapshot.length / 2 ** 20).toFixed(1)} MiB` });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-graph-'));
  const db = openDatabase(path.join(dir, 'wallet.sqlite'));
  global.gc?.();
  const rssBefore = rssMiB();
  const routing = Routing.load(db, 'regtest', logger, { info() {}, warn() {}, error() {} }, keep);
  t = performance.now();
  applySnapshot(routing.graph, logger, snapshot);
  push({ name: 'graph: import the RGS snapshot', value: performance.now() - t, unit: 'ms' });
  global.gc?.();
  push({ name: 'graph: resident memory of the loaded graph', value: rssMiB() - rssBefore, unit: 'MiB', note: 'RSS after the import minus before the empty graph' });
  t = performance.now();
  const bytes = routing.graph.write();
  push({ name: 'graph: serialize (as stored in chan_graph)', value: performance.now() - t, unit: 'ms', note: `${(bytes.length / 2 ** 20).toFixed(1)} MiB` });
  t = performance.now();
  writeRouting(db, 'graph', bytes);
  push({ name: 'graph: write to SQLite (synchronous=FULL)', value: performance.now() - t, unit: 'ms' });
  t = performance.now();
  const loaded = Routing.load(db, 'regtest', logger, { info() {}, warn() {}, error() {} }, keep);
  push({ name: 'graph: read back and decode at start', value: performance.now() - t, unit: 'ms', note: `${loaded.channelCount()} channels` });

  // Routes between random pairs of nodes, 50,000 sats, with the (empty) probabilistic scorer.
  const rand = prng(7);
  const params = ldk.ProbabilisticScoringFeeParameters.constructor_default();
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < routes; i++) {
    const from = nodes[Math.floor(rand() * nodeCount)]!;
    const to = nodes[Math.floor(rand() * nodeCount)]!;
    if (Buffer.compare(from, to) === 0) continue;
    const rp = ldk.RouteParameters.constructor_from_payment_params_and_value(ldk.PaymentParameters.constructor_from_node_id(to, 40), 50_000_000n);
    t = performance.now();
    const r = ldk.UtilMethods.constructor_find_route(from, rp, loaded.graph, null, logger, loaded.scorer.as_ScoreLookUp(), params, new Uint8Array(32));
    times.push(performance.now() - t);
    if (r instanceof ldk.Result_RouteLightningErrorZ_OK) found++;
  }
  const sorted = [...times].sort((a, b) => a - b);
  push({ name: 'graph: find a route (median)', value: median(times), unit: 'ms', note: `${found} of ${times.length} pairs routed, 50,000 sats` });
  push({ name: 'graph: find a route (90th percentile)', value: sorted[Math.floor(sorted.length * 0.9)] ?? 0, unit: 'ms' });
  db.close();

  // A daemon's start with that graph stored, against the same wallet with none.
  const node = await startNode();
  let p: Party | undefined;
  try {
    await node.fund();
    p = await party(node, fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-')), []);
    t = performance.now();
    await startDaemon(node, p);
    push({ name: 'graph: daemon start, empty graph (spawn to ready)', value: performance.now() - t, unit: 'ms' });
    await stopDaemon(p);
    const walletDb = openDatabase(path.join(p.dir, 'regtest', 'wallet.sqlite'));
    writeRouting(walletDb, 'graph', bytes);
    walletDb.close();
    t = performance.now();
    const d = await startDaemon(node, p);
    push({ name: 'graph: daemon start, mainnet-size graph stored', value: performance.now() - t, unit: 'ms', note: `${(await p.call<{ graphChannels: number }>('ln.info')).graphChannels} channels loaded` });
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${d.child.pid}/status`, 'utf8'));
    if (m) push({ name: 'graph: that daemon\'s resident memory', value: Number(m[1]) / 1024, unit: 'MiB' });
  } finally {
    if (p) await stopDaemon(p);
    if (p) fs.rmSync(p.dir, { recursive: true, force: true });
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
