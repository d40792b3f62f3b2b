// The SPV client: headers from peers into the validated chain, then BIP37 merkle blocks proving the
// wallet's transactions against it, and the mempool's matching transactions.
//
// Every header is validated by HeaderChain; every merkle block must prove its transactions up to
// the merkle root of a header on our best chain at the height we asked for. A peer that sends an
// invalid header, an unconnected one, a bad proof or an unrequested block is banned.

import { randomBytes } from 'node:crypto';
import { hashToHex } from '../chain/bytes.js';
import { verifyMerkleBlock } from '../chain/merkle.js';
import type { Tx } from '../chain/tx.js';
import { CofferError } from '../api/errors.js';
import { BloomFilter, BLOOM_UPDATE_ALL } from '../p2p/bloom.js';
import { MSG_BLOCK, MSG_FILTERED_BLOCK, MSG_TX, NODE_BLOOM, NODE_NETWORK, NODE_WITNESS, type Message } from '../p2p/messages.js';
import type { Peer } from '../p2p/peer.js';
import { PeerError } from '../p2p/peer.js';
import { PeerSource, type PeerSourceOptions } from './peer-source.js';
import type { ChainSource, ProvenBlock, ScanDecision, WatchSet } from './source.js';

export const SCAN_BATCH = 500;
const FALSE_POSITIVE_RATE = 0.00001;
/** Announcements kept between mempool rounds; beyond this a flood is dropped (the next block brings them). */
const MAX_ANNOUNCED = 10_000;

export type SpvOptions = PeerSourceOptions;

export class SpvClient extends PeerSource implements ChainSource {
  readonly kind = 'spv' as const;
  private readonly filtered = new WeakMap<Peer, number>();
  private watchVersion = 0;
  /**
   * Transactions peers announced between mempool rounds (they match our filter). A node announces
   * a transaction once per peer and leaves it out of later `mempool` answers, so an announcement
   * that arrives while no round is listening is kept here for the next round to fetch.
   */
  private readonly announcedTxs = new Map<string, Uint8Array>();

  constructor(opts: SpvOptions) {
    // Whole blocks' history with witnesses, and BIP37 filtering.
    super(opts, { services: NODE_NETWORK | NODE_WITNESS | NODE_BLOOM, ours: 0n, relay: false });
    this.pool.on('peer', (peer: Peer) => {
      peer.on('message', (m: Message) => {
        if (m.type === 'headers' && m.headers.length > 0) this.news?.();
        if (m.type !== 'inv') return;
        if (m.items.some((i) => (i.type & 0xff) === MSG_BLOCK || ((i.type & 0xff) === MSG_TX && this.firstHeard(i.hash)))) this.news?.();
        for (const i of m.items) {
          if ((i.type & 0xff) !== MSG_TX || this.announcedTxs.size >= MAX_ANNOUNCED) continue;
          this.announcedTxs.set(hashToHex(i.hash), i.hash);
        }
      });
    });
  }

  private news: (() => void) | undefined;
  /** Transactions already told as news (a round's `mempool` request announces them again). */
  private readonly heard = new Set<string>();

  onNews(listener: () => void): void {
    this.news = listener;
  }

  private firstHeard(hash: Uint8Array): boolean {
    const id = hashToHex(hash);
    if (this.heard.has(id)) return false;
    if (this.heard.size >= MAX_ANNOUNCED) this.heard.clear();
    this.heard.add(id);
    return true;
  }

  private loadFilter(peer: Peer, watch: WatchSet): void {
    const n = watch.elements.length + watch.outpoints.length + watch.txids.length;
    const f = BloomFilter.create(Math.max(n, 10) + 100, FALSE_POSITIVE_RATE, randomBytes(4).readUInt32LE(), BLOOM_UPDATE_ALL);
    for (const e of watch.elements) f.insert(e);
    for (const o of watch.outpoints) f.insert(o);
    for (const t of watch.txids) f.insert(t);
    peer.send({ type: 'filterload', ...f.toFilterload() });
    this.filtered.set(peer, this.watchVersion);
  }

  /** Prove matching transactions in blocks from..to, batch by batch, retrying on other peers. */
  async scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    let height = from;
    let peer: Peer | undefined;
    let attempts = 0;
    this.watchVersion++;
    while (height <= to) {
      if (!peer || peer.closed) {
        if (++attempts > 20) throw new CofferError('no-peers', 'The blocks could not be fetched from any peer.');
        peer = await this.peer(10_000);
      }
      if (this.filtered.get(peer) !== this.watchVersion) this.loadFilter(peer, watch());
      const end = Math.min(to, height + SCAN_BATCH - 1);
      let blocks: ProvenBlock[];
      try {
        blocks = await this.fetchBlocks(peer, height, end);
      } catch (e) {
        if (!(e instanceof PeerError)) throw e;
        if (e.misbehaving) this.pool.ban(peer, e.message);
        else peer.close(e.message);
        peer = undefined;
        continue;
      }
      const decision = onBlocks(blocks);
      if (decision.restartFrom !== undefined) {
        height = decision.restartFrom;
        this.watchVersion++;
      } else height = end + 1;
    }
  }

  /**
   * The whole block with witnesses, checked against its header (Merkle root, witness commitment):
   * the way to a confirmed transaction's witness (an HTLC preimage a peer revealed on chain).
   */
  async withWitness(blockHash: Uint8Array, txids: Uint8Array[]): Promise<Uint8Array[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const [block] = await this.wholeBlocks(await this.peer(10_000), [blockHash]);
        const want = new Set(txids.map((t) => hashToHex(t)));
        return block!.txs.filter((t) => want.has(hashToHex(t.txid))).map((t) => t.raw);
      } catch (e) {
        if (!(e instanceof PeerError)) throw e;
      }
    }
    throw new CofferError('no-peers', 'No peer sent the block with its witnesses.');
  }

  /** getdata for filtered blocks, then a ping: everything before the pong belongs to the batch. */
  private async fetchBlocks(peer: Peer, from: number, to: number): Promise<ProvenBlock[]> {
    const hashes: Uint8Array[] = [];
    for (let h = from; h <= to; h++) hashes.push(this.chain.hashAt(h));
    const got: Message[] = [];
    const listen = (m: Message) => {
      if (m.type === 'merkleblock' || m.type === 'tx' || m.type === 'notfound') got.push(m);
    };
    peer.on('message', listen);
    try {
      peer.send({ type: 'getdata', items: hashes.map((hash) => ({ type: MSG_FILTERED_BLOCK, hash })) });
      await peer.ping();
    } finally {
      peer.off('message', listen);
    }
    const blocks: ProvenBlock[] = [];
    let current: ProvenBlock | undefined;
    let expected = new Set<string>();
    for (const m of got) {
      if (m.type === 'notfound') {
        if (m.items.some((i) => i.type === MSG_FILTERED_BLOCK)) throw new PeerError('the peer does not have the blocks', false);
        continue;
      }
      if (m.type === 'merkleblock') {
        const k = blocks.length;
        const want = hashes[k];
        let v;
        try {
          v = verifyMerkleBlock({ header: m.header, tree: { total: m.total, hashes: m.hashes, flags: m.flags } });
        } catch (e) {
          throw new PeerError(`bad merkle proof: ${e instanceof CofferError ? String(e.details['reason']) : 'invalid'}`, true);
        }
        if (!want || hashToHex(v.blockHash) !== hashToHex(want)) throw new PeerError('a merkle block we did not ask for', true);
        const time = new DataView(m.header.buffer, m.header.byteOffset + 68, 4).getUint32(0, true);
        current = { height: from + k, hash: v.blockHash, time, txs: v.matched.map((x) => ({ txid: x.txid, pos: x.index })) };
        expected = new Set(v.matched.map((x) => hashToHex(x.txid)));
        blocks.push(current);
        continue;
      }
      if (m.type !== 'tx') continue;
      // A transaction: it belongs to the merkle block before it when that block matched it.
      const id = hashToHex(m.txid);
      const slot = current && expected.has(id) ? current.txs.find((t) => hashToHex(t.txid) === id) : undefined;
      if (slot) slot.raw = m.raw;
      else this.onRelay?.(m.raw, m.txid);
    }
    if (blocks.length !== hashes.length) throw new PeerError(`the peer sent ${blocks.length} of ${hashes.length} blocks`, false);
    return blocks;
  }

  /** Unconfirmed transactions that arrive outside a merkle block (relay, mempool). */
  private onRelay?: ((raw: Uint8Array, txid: Uint8Array) => void) | undefined;

  /**
   * Ask a peer for the matching transactions in its mempool (BIP35 `mempool`). Some nodes answer
   * at once, some batch their announcements (bcoin every 5 s), and a node with nothing to say is
   * silent, so wait up to `waitMs` for the first announcement.
   */
  async mempool(watch: WatchSet, onTx: (raw: Uint8Array) => void, waitMs = 6_000): Promise<void> {
    this.onRelay = (raw) => onTx(raw);
    const peer = await this.peer(10_000);
    if (this.filtered.get(peer) !== this.watchVersion) this.loadFilter(peer, watch);
    // What was announced since the last round, then what the `mempool` request brings.
    const items: Uint8Array[] = [...this.announcedTxs.values()];
    this.announcedTxs.clear();
    let announced: () => void = () => {};
    const firstInv = new Promise<void>((resolve) => (announced = resolve));
    const listen = (m: Message) => {
      if (m.type === 'inv') {
        for (const i of m.items) if ((i.type & 0xff) === MSG_TX) items.push(i.hash);
        announced();
      }
      if (m.type === 'tx') this.onRelay?.(m.raw, m.txid);
    };
    peer.on('message', listen);
    let timer: NodeJS.Timeout | undefined;
    try {
      peer.send({ type: 'mempool' });
      await Promise.race([firstInv, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      await peer.ping();
      for (let i = 0; i < items.length; i += 1000) {
        peer.send({ type: 'getdata', items: items.slice(i, i + 1000).map((hash) => ({ type: MSG_TX, hash })) });
      }
      if (items.length > 0) await peer.ping();
      // This round fetched them; the listener in the constructor saw this round's invs too.
      for (const hash of items) this.announcedTxs.delete(hashToHex(hash));
    } catch (e) {
      if (!(e instanceof PeerError)) throw e;
    } finally {
      if (timer) clearTimeout(timer);
      peer.off('message', listen);
    }
  }

  /**
   * Until stop() is called: every transaction peers relay that matches `watch` reaches `onTx`, as
   * soon as it is announced (the filter goes to every peer, present and future, and each is asked
   * for its mempool once). For a watchtower, which must act within seconds, not at the next round.
   * `onReady` hears of each peer once its filter is loaded.
   */
  watchRelay(watch: WatchSet, onTx: (tx: Tx, txid: Uint8Array) => void, onReady?: (peer: Peer) => void): () => void {
    const attached = new Map<Peer, (m: Message) => void>();
    const attach = (peer: Peer) => {
      if (attached.has(peer) || peer.closed) return;
      const listen = (m: Message) => {
        if (m.type === 'inv') {
          const items = m.items.filter((i) => (i.type & 0xff) === MSG_TX).map((i) => ({ type: MSG_TX, hash: i.hash }));
          if (items.length > 0) peer.send({ type: 'getdata', items });
        } else if (m.type === 'tx') {
          onTx(m.tx, m.txid);
        }
      };
      attached.set(peer, listen);
      peer.on('message', listen);
      peer.once('close', () => attached.delete(peer));
      this.loadFilter(peer, watch);
      this.filtered.delete(peer); // a scan or mempool round reloads the wallet's own filter
      peer.send({ type: 'mempool' });
      // Peers answer in order: after the pong, the filter is in place.
      peer.ping().then(() => onReady?.(peer), () => {});
    };
    for (const peer of this.pool.peers) attach(peer);
    this.pool.on('peer', attach);
    return () => {
      this.pool.off('peer', attach);
      for (const [peer, listen] of attached) peer.off('message', listen);
      attached.clear();
    };
  }
}
