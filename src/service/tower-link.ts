// How the headless watchtower hears of vault spends and new blocks through its chain source, and
// sends its cancels. SPV: its filter in every peer, so a spend is relayed the moment a peer has
// it, and the peers' block announcements. Compact filters: every relayed transaction is fetched
// and matched here, so a spend is seen as soon as a peer announces it; blocks on the source's
// news. A node over JSON-RPC (`--backend node|rpc`): the node's mempool and tip asked every
// second, less often (up to every 30 s) while the node cannot be reached.

import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import type { ChainChange } from '../chain/header-chain.js';
import { verifyMerkleBlock } from '../chain/merkle.js';
import { headerHash } from '../chain/sha256d.js';
import { parseTx, type Tx } from '../chain/tx.js';
import { FiltersSource } from '../node/filters.js';
import type { ChainSource, ProvenBlock, ScanDecision, WatchSet } from '../node/source.js';
import { SpvClient } from '../node/spv.js';
import { MSG_BLOCK, type Message } from '../p2p/messages.js';
import type { Peer } from '../p2p/peer.js';

/** What the link tells the tower. */
export interface LinkEvents {
  /** An unconfirmed transaction matching the watch set. */
  tx(tx: Tx): void;
  /** A new block may be there: sync headers and scan. */
  block(): void;
  print(line: Record<string, unknown>): void;
}

export interface TowerLink {
  readonly source: ChainSource;
  /** How long after a failed scan the next pass comes, in seconds. */
  readonly retrySeconds: number;
  /** Connect; resolves once the source answers (SPV: at once, peers come and go). */
  start(isStopped: () => boolean): Promise<void>;
  /** Whether a pass can run now; the link calls `block` once it can. */
  ready(): boolean;
  /** From now on, unconfirmed spends matching `set` reach `tx`. */
  watch(set: WatchSet): void;
  syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void>;
  scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void>;
  /** Broadcast a cancel; the fields its `cancel` line adds (SPV: how many peers took it). */
  send(raw: Uint8Array): Promise<Record<string, unknown>>;
  stop(): void;
}

export function towerLink(source: ChainSource, events: LinkEvents): TowerLink {
  if (source instanceof SpvClient) return new SpvLink(source, events);
  return source instanceof FiltersSource ? new FiltersLink(source, events) : new PollingLink(source, events);
}

/**
 * Blocks are scanned when a peer announces one (headers, or an inv); this timer only covers an
 * announcement that never came (a peer that reconnected, one that does not announce at all).
 */
const SPV_BLOCK_POLL_MS = 30_000;
/**
 * Quiet time after a block announcement before syncing: a burst of blocks is fetched in one pass,
 * and no announcement of the burst overtakes the answer to our getheaders (which SpvClient would
 * take for a bad answer).
 */
const BLOCK_SETTLE_MS = 250;

class SpvLink implements TowerLink {
  readonly retrySeconds = SPV_BLOCK_POLL_MS / 1000;
  private stopRelay: (() => void) | undefined;
  /**
   * Txids proven (merkle root, header on our best chain) to be in a block a peer sent: its `tx`
   * messages reach the relay listener too, but the scan answers them, knowing what later blocks hold.
   */
  private readonly confirmed = new Set<string>();
  private syncingHeaders = false;
  /** The last block a peer announced while headers were syncing: synced again unless that pass got it. */
  private announcedTip: Uint8Array | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly source: SpvClient,
    private readonly events: LinkEvents,
  ) {}

  async start(): Promise<void> {
    await this.source.start();
    for (const peer of this.source.pool.peers) this.listenForBlocks(peer);
    this.source.pool.on('peer', (peer: Peer) => this.listenForBlocks(peer));
    this.timer = setInterval(() => this.events.block(), SPV_BLOCK_POLL_MS);
    this.timer.unref();
  }

  ready(): boolean {
    return this.source.pool.peers.length > 0; // a peer's arrival starts the next pass
  }

  watch(set: WatchSet): void {
    this.stopRelay?.();
    this.stopRelay = this.source.watchRelay(
      set,
      (tx, txid) => {
        if (!this.confirmed.has(hashToHex(txid))) this.events.tx(tx);
      },
      (peer) => this.events.print({ event: 'peer', peer: peer.address }),
    );
  }

  private listenForBlocks(peer: Peer): void {
    peer.on('message', (m: Message) => {
      const chain = this.source.chain;
      if (m.type === 'merkleblock') {
        // Comes before its transactions; every listener of this peer sees them in that order.
        try {
          const v = verifyMerkleBlock({ header: m.header, tree: { total: m.total, hashes: m.hashes, flags: m.flags } });
          if (chain.heightOf(v.blockHash) !== undefined) for (const x of v.matched) this.confirmed.add(hashToHex(x.txid));
        } catch {
          // the scan judges (and bans) a bad proof
        }
      } else if (m.type === 'headers' && m.headers.length > 0) {
        const tip = headerHash(m.headers.at(-1)!);
        if (chain.heightOf(tip) !== undefined) return;
        // During a sync this may be the answer to our getheaders: checked when the sync ends.
        if (this.syncingHeaders) this.announcedTip = tip;
        else this.blockSoon();
      } else if (m.type === 'inv' && m.items.some((i) => (i.type & 0xff) === MSG_BLOCK)) {
        this.blockSoon();
      }
    });
    this.events.block();
  }

  /** A block was announced: sync once the burst is over (one pass for many blocks on regtest). */
  private blockSoon(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.events.block();
    }, BLOCK_SETTLE_MS);
  }

  async syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    this.syncingHeaders = true;
    this.announcedTip = undefined;
    try {
      await this.source.syncHeaders(beforeApply);
    } finally {
      this.syncingHeaders = false;
    }
    if (this.announcedTip && this.source.chain.heightOf(this.announcedTip) === undefined) this.blockSoon();
  }

  async scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    try {
      await this.source.scan(from, to, watch, onBlocks);
    } finally {
      this.confirmed.clear();
    }
  }

  async send(raw: Uint8Array): Promise<Record<string, unknown>> {
    const peers = await this.source.announce(raw);
    if (peers === 0) throw new Error('no peer took the cancel');
    return { peers };
  }

  stop(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.timer) clearInterval(this.timer);
    this.stopRelay?.();
    this.source.stop();
  }
}

/**
 * Compact filters: the source fetches every transaction its peers announce and keeps those that
 * match the watch set (a deposit or unvault outpoint spent, a vault script paid), then tells its
 * news; the link hands them over at once. The source also asks the peer it uses for its mempool
 * once per connection (BIP35, where served), so an unvault relayed before the tower watched is not
 * missed. Without relay (`--no-tx-relay`) an unvault is seen in its block.
 */
class FiltersLink implements TowerLink {
  readonly retrySeconds = SPV_BLOCK_POLL_MS / 1000;
  private set: WatchSet | undefined;
  private draining = false;
  private again = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly source: FiltersSource,
    private readonly events: LinkEvents,
  ) {}

  async start(): Promise<void> {
    // News is a matched relayed transaction or a block announcement: take the first now, sync for the second.
    this.source.onNews(() => {
      void this.drain();
      this.blockSoon();
    });
    this.source.pool.on('peer', (peer: Peer) => {
      this.events.print({ event: 'peer', peer: peer.address });
      void this.drain();
      this.events.block();
    });
    await this.source.start();
    this.timer = setInterval(() => this.events.block(), SPV_BLOCK_POLL_MS);
    this.timer.unref();
  }

  ready(): boolean {
    return this.source.pool.peers.length > 0;
  }

  watch(set: WatchSet): void {
    this.set = set;
    void this.drain();
  }

  /** The matched relayed transactions (also: the source takes the watch set from this call); one drain at a time. */
  private async drain(): Promise<void> {
    if (!this.set || this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        await this.source.mempool(this.set, (raw) => this.events.tx(parseTx(raw)), 0);
      } while (this.again && !this.stopped);
    } catch (e) {
      // No peer for now: the next one to connect drains again.
      if (!(e instanceof CofferError)) throw e;
    } finally {
      this.draining = false;
    }
  }

  private blockSoon(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.events.block();
    }, BLOCK_SETTLE_MS);
  }

  syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    return this.source.syncHeaders(beforeApply);
  }

  scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    return this.source.scan(from, to, watch, onBlocks);
  }

  async send(raw: Uint8Array): Promise<Record<string, unknown>> {
    const peers = await this.source.announce(raw);
    if (peers === 0) throw new Error('no peer took the cancel');
    return { peers };
  }

  stop(): void {
    this.stopped = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.timer) clearInterval(this.timer);
    this.source.stop();
  }
}

const POLL_MS = 1_000;
const MAX_POLL_MS = 30_000;

/** A node over JSON-RPC: nothing is pushed, so its mempool and tip are asked in turn. */
class PollingLink implements TowerLink {
  readonly retrySeconds = POLL_MS / 1000;
  private set: WatchSet | undefined;
  private reachable = false;
  private delay = POLL_MS;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    readonly source: ChainSource,
    private readonly events: LinkEvents,
  ) {}

  /** Waits for the node: one it cannot reach is asked again, less and less often; any other refusal ends the tower. */
  async start(isStopped: () => boolean): Promise<void> {
    for (;;) {
      try {
        await this.source.start();
        break;
      } catch (e) {
        if (!(e instanceof CofferError && e.code === 'backend-unavailable') || isStopped() || this.stopped) throw e;
        this.unreachable(e);
        await this.sleep();
        if (isStopped() || this.stopped) return;
      }
    }
    this.reachable = true;
    this.delay = POLL_MS;
    void this.loop();
  }

  private unreachable(e: CofferError): void {
    // Told when the node goes away, and again only once it came back and went away again.
    if (this.reachable || this.delay === POLL_MS) this.events.print({ event: 'backend-unavailable', reason: e.message, retryInSeconds: Math.min(this.delay * 2, MAX_POLL_MS) / 1000 });
    this.reachable = false;
    this.delay = Math.min(this.delay * 2, MAX_POLL_MS);
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, this.delay);
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.source.mempool(this.set ?? { elements: [], scripts: [], outpoints: [], txids: [] }, (raw) => this.events.tx(parseTx(raw)), 0);
        if (!this.reachable) this.events.print({ event: 'backend-reachable' });
        this.reachable = true;
        this.delay = POLL_MS;
        this.events.block();
      } catch (e) {
        if (this.stopped) return;
        if (!(e instanceof CofferError)) throw e;
        this.unreachable(e);
      }
      await this.sleep();
    }
  }

  ready(): boolean {
    return this.reachable;
  }

  watch(set: WatchSet): void {
    this.set = set;
  }

  syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    return this.source.syncHeaders(beforeApply);
  }

  scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    return this.source.scan(from, to, watch, onBlocks);
  }

  async send(raw: Uint8Array): Promise<Record<string, unknown>> {
    await this.source.broadcast(raw);
    return { backend: this.source.kind };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    this.source.stop();
  }
}
