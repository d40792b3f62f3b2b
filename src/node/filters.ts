// The BIP157 light client: headers from peers into the validated chain (peer-source.ts), the
// filter-header chain tied to it (filter-headers.ts), then BIP158 filters matched here against
// the wallet's scripts; only matching blocks are fetched, whole with witnesses, and checked
// against their headers. Nothing about the wallet leaves the machine: unconfirmed transactions
// come from ordinary relay (version relay=true) and are matched here too.

import { equalBytes, hashToHex } from '../chain/bytes.js';
import { matchAny } from '../chain/bip158.js';
import type { Block } from '../chain/block.js';
import { sha256d, type Tx } from '../chain/tx.js';
import { CofferError } from '../api/errors.js';
import { BASIC_FILTER, MAX_GETCFILTERS } from '../p2p/cf-messages.js';
import { MSG_BLOCK, MSG_TX, MSG_WITNESS_TX, NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_WITNESS, type Message } from '../p2p/messages.js';
import { PeerError, type Peer } from '../p2p/peer.js';
import { collect, FilterHeaders } from './filter-headers.js';
import { PeerSource, type PeerSourceOptions } from './peer-source.js';
import { outpointBytes, type ChainSource, type ProvenBlock, type ProvenTx, type ScanDecision, type WatchSet } from './source.js';

/** Relayed transactions remembered (matched ones until the next round, the others as already fetched); a flood beyond this is forgotten. */
const MAX_RELAYED = 10_000;
/** Whole blocks asked for in one getdata. */
const BLOCK_BATCH = 16;
const ATTEMPTS = 20;
/** Our feefilter: 1 sat/vB, the relay floor; nothing below it can reach a block anyway. */
const FEEFILTER = 1_000;

export interface FiltersOptions extends PeerSourceOptions {
  /** Listen to relayed transactions for unconfirmed payments (default true). */
  relay?: boolean;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** The watch set as hex; `outpoints` grows with the watched outputs of the transactions it takes. */
class Matcher {
  readonly scripts: Set<string>;
  readonly outpoints: Set<string>;
  readonly txids: Set<string>;
  readonly scriptList: Uint8Array[];

  constructor(w: WatchSet) {
    this.scriptList = w.scripts;
    this.scripts = new Set(w.scripts.map(hex));
    this.outpoints = new Set(w.outpoints.map(hex));
    this.txids = new Set(w.txids.map(hex));
  }

  /** Whether a transaction is the wallet's: it pays or spends a watched script or outpoint, or is one of ours. */
  take(txid: Uint8Array, tx: Tx): boolean {
    const hit = this.txids.has(hex(txid)) || tx.inputs.some((i) => this.outpoints.has(hex(outpointBytes(i.prevTxid, i.vout)))) || tx.outputs.some((o) => this.scripts.has(hex(o.script)));
    if (hit) tx.outputs.forEach((o, vout) => this.scripts.has(hex(o.script)) && this.outpoints.add(hex(outpointBytes(txid, vout))));
    return hit;
  }
}

export class FiltersSource extends PeerSource implements ChainSource {
  readonly kind = 'filters' as const;
  private readonly relay: boolean;
  private readonly headers: FilterHeaders;
  private news: (() => void) | undefined;
  /** What the wallet watches as of its last round: relayed transactions are matched against it as they come. */
  private watching: Matcher | undefined;
  /** Relayed transactions that matched, for the next round. */
  private readonly matched = new Map<string, Uint8Array>();
  /** Transactions already fetched (or asked for): each is fetched once. */
  private readonly seen = new Set<string>();
  private readonly askedMempool = new WeakSet<Peer>();

  constructor(opts: FiltersOptions) {
    const relay = opts.relay ?? true;
    // NODE_WITNESS: nodes (btcd, Core) read a witness peer's transactions with their witnesses.
    super(opts, { services: NODE_NETWORK | NODE_WITNESS | NODE_COMPACT_FILTERS, ours: NODE_WITNESS, relay });
    this.relay = relay;
    this.headers = new FilterHeaders({
      pool: this.pool,
      chain: this.store.chain,
      peers: () => this.twoPeers(),
      block: async (height, peers) => {
        for (const peer of peers) {
          if (peer.closed) continue;
          try {
            return (await this.blocks([height], peer))[0]!;
          } catch (e) {
            if (!(e instanceof PeerError)) throw e;
          }
        }
        throw new PeerError(`no peer sent block ${height}`, false);
      },
      log: (event, fields) => this.log(event, fields),
    });
    this.pool.on('peer', (peer: Peer) => {
      if (relay) peer.send({ type: 'feefilter', feeRate: FEEFILTER });
      peer.on('message', (m: Message) => this.onMessage(peer, m));
    });
  }

  onNews(listener: () => void): void {
    this.news = listener;
  }

  private onMessage(peer: Peer, m: Message): void {
    if (m.type === 'headers' && m.headers.length > 0) this.news?.();
    if (m.type === 'inv') {
      if (m.items.some((i) => (i.type & 0xff) === MSG_BLOCK)) this.news?.();
      // Until the wallet's first round says what it watches, the mempool request covers relay.
      if (!this.relay || !this.watching) return;
      const want = m.items.filter((i) => (i.type & 0xff) === MSG_TX && !this.seen.has(hex(i.hash)));
      if (want.length === 0) return;
      if (this.seen.size + want.length > MAX_RELAYED) this.seen.clear();
      for (const i of want) this.seen.add(hex(i.hash));
      peer.send({ type: 'getdata', items: want.map((i) => ({ type: MSG_WITNESS_TX, hash: i.hash })) });
    } else if (m.type === 'tx' && this.relay && this.watching?.take(m.txid, m.tx)) {
      if (this.matched.size < MAX_RELAYED) this.matched.set(hex(m.txid), m.raw);
      this.news?.();
    }
  }

  /** One peer, or two to compare filter headers when two are connected. */
  private async twoPeers(): Promise<Peer[]> {
    const first = await this.peer(10_000);
    const other = this.pool.peers.find((p) => p !== first);
    return other ? [first, other] : [first];
  }

  /**
   * For each block from..to: its filter, checked against the filter-header chain, matched against
   * `watch().scripts`; matching blocks are fetched whole and their wallet transactions handed over.
   */
  async scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    let height = from;
    let attempts = 0;
    while (height <= to) {
      let blocks: ProvenBlock[];
      try {
        const window = await this.headers.window(height);
        const end = Math.min(to, window.end, height + MAX_GETCFILTERS - 1);
        const filters = await this.filters(height, end, window.hashes.slice(height - window.start, end - window.start + 1));
        blocks = await this.prove(height, filters, watch());
      } catch (e) {
        if (!(e instanceof PeerError)) throw e;
        if (++attempts > ATTEMPTS) throw new CofferError('no-peers', 'The block filters could not be fetched from any peer.');
        continue;
      }
      const decision = onBlocks(blocks);
      height = decision.restartFrom ?? blocks.at(-1)!.height + 1;
    }
  }

  /** Close a peer that failed a request, or ban it when it lied. */
  /** The filters of from..to from one peer, each hashing to the agreed filter hash; a peer that sends another is banned. */
  private async filters(from: number, to: number, hashes: Uint8Array[]): Promise<Uint8Array[]> {
    const peer = await this.peer(10_000);
    const stopHash = this.chain.hashAt(to);
    try {
      const got = await collect(peer, { type: 'getcfilters', filterType: BASIC_FILTER, startHeight: from, stopHash }, (m) => m.type === 'cfilter');
      const out: Uint8Array[] = [];
      for (const m of got) {
        if (m.type !== 'cfilter') continue;
        const k = out.length;
        if (k > to - from || !equalBytes(m.blockHash, this.chain.hashAt(from + k))) throw new PeerError('a filter we did not ask for', true);
        const disputed = this.headers.disputed.has(hashToHex(m.blockHash));
        if (!disputed && !equalBytes(sha256d(m.filter), hashes[k]!)) throw new PeerError(`a filter for block ${from + k} that is not the agreed one`, true);
        out.push(m.filter);
      }
      if (out.length !== to - from + 1) throw new PeerError(`the peer sent ${out.length} of ${to - from + 1} filters`, false);
      return out;
    } catch (e) {
      if (e instanceof PeerError) this.drop(peer, e);
      throw e;
    }
  }

  /** Every block from `from` with its wallet transactions; blocks whose filter matches are fetched whole. */
  private async prove(from: number, filters: Uint8Array[], watch: WatchSet): Promise<ProvenBlock[]> {
    const m = new Matcher(watch);
    const wanted = filters
      .map((f, k) => {
        const hash = this.chain.hashAt(from + k);
        return this.headers.disputed.has(hashToHex(hash)) || matchAny(f, hash, m.scriptList) ? from + k : -1;
      })
      .filter((h) => h >= 0);
    const whole = new Map<number, Block>();
    for (let i = 0; i < wanted.length; i += BLOCK_BATCH) {
      const batch = wanted.slice(i, i + BLOCK_BATCH);
      (await this.blocks(batch)).forEach((b, j) => whole.set(batch[j]!, b));
    }
    return filters.map((_, k) => {
      const height = from + k;
      const txs: ProvenTx[] = [];
      whole.get(height)?.txs.forEach((t, pos) => {
        if (m.take(t.txid, t.tx)) txs.push({ txid: t.txid, pos, raw: t.raw });
      });
      return { height, hash: this.chain.hashAt(height), time: this.chain.timeAt(height), txs };
    });
  }

  /** Whole blocks with witnesses at best-chain heights, each checked against its header (Merkle root, witness commitment). */
  private async blocks(heights: number[], from?: Peer): Promise<Block[]> {
    return this.wholeBlocks(from ?? (await this.peer(10_000)), heights.map((h) => this.chain.hashAt(h)));
  }

  /**
   * The wallet's unconfirmed transactions: those relayed since the last round that matched, and,
   * from a peer that serves BIP35 (`mempool`: bloom peers), its mempool once per connection.
   */
  async mempool(watch: WatchSet, onTx: (raw: Uint8Array) => void, waitMs = 6_000): Promise<void> {
    this.watching = new Matcher(watch);
    if (!this.relay) return;
    const peer = await this.peer(10_000);
    if (!this.askedMempool.has(peer) && (peer.version!.services & NODE_BLOOM) !== 0n) {
      this.askedMempool.add(peer);
      let timer: NodeJS.Timeout | undefined;
      let announced: () => void = () => {};
      const firstInv = new Promise<void>((resolve) => (announced = resolve));
      const listen = (m: Message) => {
        if (m.type === 'inv') announced();
      };
      peer.on('message', listen);
      try {
        peer.send({ type: 'mempool' });
        await Promise.race([firstInv, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        // Peers answer in order: after two round trips every announced transaction has come.
        await peer.ping();
        await peer.ping();
      } catch (e) {
        if (!(e instanceof PeerError)) throw e;
      } finally {
        if (timer) clearTimeout(timer);
        peer.off('message', listen);
      }
    }
    for (const [id, raw] of this.matched) {
      this.matched.delete(id);
      onTx(raw);
    }
  }
}
