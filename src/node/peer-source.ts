// What both peer-to-peer chain sources share (BIP37 in spv.ts, BIP157 in filters.ts): the pool,
// header sync into the validated chain, broadcast, whole blocks, and fees (the peers' floor, and
// estimates from the last blocks when asked: recent-blocks.ts).

import { checkMerkleRoot, checkWitnessCommitment, parseBlock, type Block } from '../chain/block.js';
import { hashToHex } from '../chain/bytes.js';
import type { ChainChange } from '../chain/header-chain.js';
import { HeaderError } from '../chain/header-rules.js';
import type { ChainParams } from '../chain/params.js';
import { headerHash } from '../chain/sha256d.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import { CofferError } from '../api/errors.js';
import type { PeerInfo, PeerService } from '../api/peers.js';
import type { HeaderStore } from '../db/header-store.js';
import { MAX_HEADERS, MSG_TX, MSG_WITNESS_BLOCK, NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_NETWORK_LIMITED, NODE_WITNESS, type Message } from '../p2p/messages.js';
import { PeerError, PROTOCOL_VERSION, type Peer, type PeerTimeouts, type Transport } from '../p2p/peer.js';
import { Pool } from '../p2p/pool.js';
import type { Socks5Proxy } from '../p2p/socks5.js';
import { BLOCK_FEES_SOURCE, estimateFromBlocks } from '../wallet/block-fees.js';
import { peerFileStore } from './peer-file.js';
import { RecentBlockFees } from './recent-blocks.js';
import type { FeeAsk, FeeEstimates } from './source.js';

/** Peers waited for, one after another, while none has answered a header sync in full. */
const MAX_HEADER_WAITS = 8;
/** A transaction a peer fetched this recently is not announced again (see broadcast). */
const TAKEN_MS = 10 * 60_000;
const MAX_TAKEN = 1_000;
/**
 * A peer that has not asked for an announced transaction is told again this often within the
 * wait: a node may drop an `inv` that comes right after the handshake (btcd hands a new peer to
 * its sync manager asynchronously and ignores announcements from a peer it does not know yet).
 */
const REANNOUNCE_MS = 2_000;
/** How long `fees()` waits for the recent blocks it lacks: the send form asks as the user types. */
const BLOCK_FEES_WAIT_MS = 6_000;

/** The service bits the peers view names (NODE_P2P_V2 is BIP324's). */
const SERVICE_NAMES: [bigint, PeerService][] = [
  [NODE_NETWORK, 'network'],
  [NODE_NETWORK_LIMITED, 'network limited'],
  [NODE_WITNESS, 'witness'],
  [NODE_BLOOM, 'bloom'],
  [NODE_COMPACT_FILTERS, 'compact filters'],
  [1n << 11n, 'p2p v2'],
];

export interface PeerSourceOptions {
  params: ChainParams;
  store: HeaderStore;
  connect?: string[];
  maxPeers?: number;
  timeouts?: Partial<PeerTimeouts>;
  /** Every peer connection through this SOCKS5 proxy (`--proxy`). */
  proxy?: Socks5Proxy;
  /** 'v2': BIP324 first with every peer (`--v2`); otherwise with those that advertise it (the pool's). */
  transport?: Transport;
  log?: (event: string, fields: Record<string, string | number | boolean>) => void;
}

export abstract class PeerSource {
  abstract readonly kind: 'spv' | 'filters';
  readonly pool: Pool;
  readonly store: HeaderStore;
  protected readonly opts: PeerSourceOptions;
  /** Transactions a peer fetched from us, by txid (display hex), and when. */
  private readonly taken = new Map<string, number>();
  private readonly recent: RecentBlockFees;
  /** Why the last `fees()` had no estimate from blocks, if it had none. */
  private unused: string | undefined;

  /**
   * `services`: what every peer must offer; `ours`: what we offer; `relay`: whether peers relay
   * transactions from the handshake on.
   */
  constructor(opts: PeerSourceOptions, peers: { services: bigint; ours: bigint; relay: boolean }) {
    this.opts = opts;
    this.store = opts.store;
    this.pool = new Pool({
      params: opts.params,
      ...(opts.connect ? { connect: opts.connect } : {}),
      ...(opts.maxPeers ? { maxPeers: opts.maxPeers } : {}),
      ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
      ...(opts.proxy ? { proxy: opts.proxy } : {}),
      ...(opts.transport ? { transport: opts.transport } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      // The address table and bans, kept beside the headers.
      store: peerFileStore(opts.store.dir),
      requiredServices: peers.services,
      services: peers.ours,
      relay: peers.relay,
      ourHeight: () => this.store.chain.height,
    });
    this.recent = new RecentBlockFees({
      chain: this.store.chain,
      network: opts.params.network,
      dir: opts.store.dir,
      block: async (hash) => (await this.wholeBlocks(await this.peer(10_000), [hash]))[0]!,
      log: (event, fields) => this.log(event, fields),
    });
  }

  get chain() {
    return this.store.chain;
  }

  async start(): Promise<void> {
    await this.pool.start();
  }

  stop(): void {
    this.pool.stop();
  }

  /** The connected peers, as the app's peers view shows them. */
  peerList(): PeerInfo[] {
    return this.pool.peers.map((p) => {
      const services = p.version?.services ?? 0n;
      return {
        address: p.address,
        services: SERVICE_NAMES.filter(([bit]) => (services & bit) !== 0n).map(([, name]) => name),
        transport: p.transport,
        viaProxy: this.opts.proxy !== undefined,
        inbound: false,
        userAgent: p.version?.userAgent ?? '',
        startHeight: p.startHeight,
      };
    });
  }

  protected log(event: string, fields: Record<string, string | number | boolean>): void {
    this.opts.log?.(event, fields);
  }

  /** Wait for a usable peer or fail with a plain explanation. */
  async peer(timeoutMs: number): Promise<Peer> {
    const p = await this.pool.waitForPeer(timeoutMs);
    if (!p) throw new CofferError('no-peers', 'No peer could be reached (or every peer was banned).');
    return p;
  }

  /**
   * Download headers from every connected peer until none has more. `beforeApply` sees each
   * change before it is written to disk, so the wallet can roll back first. Until one peer has
   * answered in full (the first ones may be banned or drop), the next peer to connect is waited for.
   * A peer that says "nothing new" while our chain is still below the height it announced has not
   * answered in full (a peer that claims a long chain and sends none would otherwise end the sync
   * before an honest peer has even connected).
   */
  async syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    await this.peer(10_000);
    const done = new Set<Peer>();
    let answered = false;
    for (let waits = 0; ; ) {
      const next = this.pool.peers.filter((p) => !done.has(p)).sort((a, b) => b.startHeight - a.startHeight)[0];
      if (!next) {
        if (answered || ++waits > MAX_HEADER_WAITS) break;
        if (this.pool.peers.length === 0) await this.peer(10_000);
        else if (!(await this.newPeer(10_000))) break;
        continue;
      }
      done.add(next);
      if (!(await this.headersFrom(next, beforeApply)) || next.closed) continue;
      if (this.chain.height >= next.startHeight) answered = true;
      else this.log('chain.short-answer', { peer: next.address, announced: next.startHeight, height: this.chain.height });
    }
  }

  /** Whether another peer connects within `timeoutMs`. */
  private newPeer(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (connected: boolean) => {
        clearTimeout(t);
        this.pool.off('peer', onPeer);
        resolve(connected);
      };
      const onPeer = () => finish(true);
      const t = setTimeout(() => finish(false), timeoutMs);
      this.pool.on('peer', onPeer);
    });
  }

  /** Headers from one peer until it has no more; false when it stalled, closed or was banned. */
  private async headersFrom(peer: Peer, beforeApply: (c: ChainChange) => void): Promise<boolean> {
    for (;;) {
      // Some nodes (bcoin) stay silent when they have no new headers; a ping after the request
      // tells "nothing new" from "still working", since peers answer in order. A block
      // announcement (BIP130 headers) may arrive before the answer and not connect yet: every
      // headers message until the pong is tried in order, and only the last one, the answer to
      // our locator, must connect.
      const got: Uint8Array[][] = [];
      const listen = (x: Message) => {
        if (x.type === 'headers' && x.headers.length > 0) got.push(x.headers);
      };
      peer.on('message', listen);
      try {
        peer.send({ type: 'getheaders', version: PROTOCOL_VERSION, locator: this.chain.locator(), stop: new Uint8Array(32) });
        await peer.ping();
      } catch {
        return false; // stalled or closed: the next peer takes over
      } finally {
        peer.off('message', listen);
      }
      let full = false;
      for (const [i, headers] of got.entries()) {
        const raw = new Uint8Array(headers.length * 80);
        headers.forEach((h, i) => raw.set(h, i * 80));
        try {
          const r = this.chain.add(raw);
          if (r.unconnected) {
            if (i < got.length - 1) continue;
            this.pool.ban(peer, 'headers that do not connect to our locator');
            return false;
          }
          if (r.change) {
            beforeApply(r.change);
            this.store.apply(r.change);
            if (r.change.disconnected.length > 0) {
              this.log('chain.reorg', { forkHeight: r.change.forkHeight, disconnected: r.change.disconnected.length, peer: peer.address });
            }
          }
          if (headers.length >= MAX_HEADERS) full = true;
        } catch (e) {
          if (e instanceof HeaderError) {
            this.log('chain.invalid-header', { peer: peer.address, height: e.height, reason: e.reason });
            if (e.punish) this.pool.ban(peer, `invalid header at ${e.height}: ${e.reason}`);
            return false;
          }
          throw e;
        }
      }
      if (!full) return true;
    }
  }

  /**
   * Announce a transaction to every connected peer and hand it to those that ask for it.
   * Resolves with the number of peers that fetched it; a `reject` from a peer is an error.
   */
  async broadcast(raw: Uint8Array): Promise<void> {
    // A peer that fetched it lately has it: announcing it again would wait for a getdata that
    // never comes (a peer asks only for what it lacks), holding up the round that rebroadcasts.
    const key = hashToHex(txidOf(parseTx(raw)));
    const at = this.taken.get(key);
    if (at !== undefined && Date.now() - at < TAKEN_MS) return;
    const fetched = await this.announce(raw);
    if (fetched === 0) throw new CofferError('backend-unavailable', `None of the ${this.pool.peers.length} connected peers asked for the transaction within 10 seconds.`);
    if (this.taken.size >= MAX_TAKEN) this.taken.delete(this.taken.keys().next().value!);
    this.taken.set(key, Date.now());
  }

  /** Announce to every peer; the number of peers that fetched the transaction. */
  async announce(raw: Uint8Array, waitMs = 10_000): Promise<number> {
    await this.peer(waitMs);
    const tx = parseTx(raw);
    const id = txidOf(tx);
    const key = hashToHex(id);
    const peers = this.pool.peers;
    const fetched = await Promise.all(
      peers.map(
        (peer) =>
          new Promise<boolean>((resolve, reject) => {
            const timer = setTimeout(() => finish(false), waitMs);
            const again = setInterval(() => peer.send({ type: 'inv', items: [{ type: MSG_TX, hash: id }] }), REANNOUNCE_MS);
            const finish = (ok: boolean, err?: Error) => {
              clearTimeout(timer);
              clearInterval(again);
              peer.off('message', listen);
              if (err) reject(err);
              else resolve(ok);
            };
            const listen = (m: Message) => {
              if (m.type === 'getdata' && m.items.some((i) => hashToHex(i.hash) === key)) {
                clearInterval(again);
                peer.send({ type: 'tx', raw, tx, txid: id });
                // The ping's pong comes after the peer processed the transaction (and any reject).
                peer.ping().then(() => finish(true), () => finish(true));
              } else if (m.type === 'reject' && m.data && hashToHex(m.data) === key) {
                finish(false, new CofferError('invalid-transaction', `A peer rejected the transaction: ${m.reason}.`, { reason: m.reason }));
              }
            };
            peer.on('message', listen);
            peer.send({ type: 'inv', items: [{ type: MSG_TX, hash: id }] });
          }),
      ),
    );
    return fetched.filter(Boolean).length;
  }

  bestHeight(): number | undefined {
    return this.pool.best()?.startHeight;
  }

  /**
   * Whole blocks with witnesses from `peer`, in the order asked, each checked against the hash
   * asked for (Merkle root, witness commitment). A peer that fails is dropped: closed, or banned
   * for a bad block.
   */
  protected async wholeBlocks(peer: Peer, hashes: Uint8Array[]): Promise<Block[]> {
    const wanted = new Set(hashes.map((h) => hashToHex(h)));
    const payloads = new Map<string, Uint8Array>();
    // Only these blocks: another request on the same peer (a scan, a fee estimate) may bring others.
    const listen = (m: Message) => {
      if (m.type !== 'unknown' || m.command !== 'block' || m.payload.length < 80) return;
      const key = hashToHex(headerHash(m.payload.subarray(0, 80)));
      if (wanted.has(key)) payloads.set(key, m.payload);
    };
    try {
      peer.on('message', listen);
      try {
        peer.send({ type: 'getdata', items: hashes.map((hash) => ({ type: MSG_WITNESS_BLOCK, hash })) });
        await peer.ping();
      } finally {
        peer.off('message', listen);
      }
      return hashes.map((hash) => {
        const payload = payloads.get(hashToHex(hash));
        if (!payload) throw new PeerError('the peer did not send a block we asked for', false);
        try {
          const block = parseBlock(payload);
          checkMerkleRoot(block);
          checkWitnessCommitment(block);
          return block;
        } catch (e) {
          throw new PeerError(e instanceof CofferError ? e.message : 'a bad block', true);
        }
      });
    } catch (e) {
      if (e instanceof PeerError) this.drop(peer, e);
      throw e;
    }
  }

  /** A peer that failed a request: closed, or banned when it misbehaved. */
  protected drop(peer: Peer, e: PeerError): void {
    this.log(`${this.kind}.peer-dropped`, { peer: peer.address, reason: e.message, banned: e.misbehaving });
    if (e.misbehaving) this.pool.ban(peer, e.message);
    else peer.close(e.message);
  }

  /**
   * The peers' feefilter floor; with `recentBlocks`, estimates from the chain's last blocks too
   * (wallet/block-fees.ts). Without them (too few blocks, a stale tip, no peer sent them in time)
   * the floor alone, and the wallet's presets apply; the log says why.
   */
  async fees(ask: FeeAsk = {}): Promise<FeeEstimates> {
    const floors = this.pool.peers.map((p) => p.feeRate / 1000).filter((r) => r > 0);
    const floor = Math.max(1, ...floors);
    const plain = { floor, source: floors.length > 0 ? 'peers feefilter' : 'minimum relay fee' };
    if (!ask.recentBlocks) return plain;
    let why: string;
    try {
      const est = estimateFromBlocks(await this.recent.lastBlocks(BLOCK_FEES_WAIT_MS), floor);
      if (est) {
        this.unused = undefined;
        return { ...est, floor, source: BLOCK_FEES_SOURCE };
      }
      why = 'fewer than 6 blocks';
    } catch (e) {
      if (!(e instanceof CofferError)) throw e;
      why = e.message;
    }
    // Once per reason: the send form asks at every change.
    if (why !== this.unused) this.log('fees.blocks-unused', { reason: why });
    this.unused = why;
    return plain;
  }
}
