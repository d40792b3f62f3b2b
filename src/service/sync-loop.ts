// The open wallet's sync loop: a round on a timer (3 s on regtest, 15 s elsewhere), at once when
// the chain source hears news (a block or a new transaction a peer announces), and on request;
// concurrent requests share the running round. It owns the wallet's sync session (one chain source
// per backend setting) and turns what a round found into the core's events: sync state, the
// wallet changed, an incoming payment, an unvault the wallet did not start.

import type { CofferEvent, SyncState } from '../api/contract.js';
import type { PeerInfo } from '../api/peers.js';
import { CofferError, toWireError } from '../api/errors.js';
import type { ChannelWatch } from '../channels/chain-watch.js';
import type { Network } from '../keys/networks.js';
import { PeerSource } from '../node/peer-source.js';
import type { ChainSource } from '../node/source.js';
import type { SourceFactory } from '../node/source-factory.js';
import { errorOrigin, type Logger } from './log.js';
import { listVaultEntries } from './vault-service.js';
import { history } from './views.js';
import type { WalletService } from './wallet-service.js';
import type { Socks5Proxy } from '../p2p/socks5.js';
import { WalletSync } from './wallet-sync.js';

/** How often the open wallet syncs; a regtest node is local and cheap to ask. */
const syncInterval = (n: Network) => (n === 'regtest' ? 3_000 : 15_000);
/** A round after news waits this long, so a burst of announcements makes one round. */
const NEWS_DELAY_MS = 200;
const FIRST_ROUND_DELAY_MS = 1_000;

export interface SyncLoopHost {
  datadir: string;
  log: Logger;
  /** A `coffer` command's core: no timer, no mempool wait (the command syncs when it needs to). */
  command: boolean;
  /** The wallet open now (a round for another is dropped). */
  wallet(): WalletService | undefined;
  /** The chain source for the open wallet's backend. */
  sourceFactory(): Promise<SourceFactory>;
  channelWatch(wallet: WalletService): ChannelWatch;
  /** The SOCKS5 proxy of the wallet's connections, if any (remote towers take it too). */
  proxy(): Socks5Proxy | undefined;
  /** After a round's sync, before its events (the Lightning node's fee rates). */
  afterSync(session: WalletSync): Promise<void>;
  emit(e: CofferEvent): void;
}

export class SyncLoop {
  private timer: NodeJS.Timeout | undefined;
  private firstRound: NodeJS.Timeout | undefined;
  private newsRound: NodeJS.Timeout | undefined;
  private newsDuringRound = false;
  private syncing: Promise<void> | undefined;
  private session: WalletSync | undefined;
  /** The chain source the session made last (the peers view reads its peers). */
  private source: ChainSource | undefined;
  /** Set while the session is being made, so concurrent callers share it. */
  private opening: Promise<WalletSync> | undefined;
  private current: SyncState = { phase: 'idle', height: 0 };
  /** Txids already in the history: a new one with a positive amount is an incoming payment. */
  private known: Set<string> | undefined;
  /** What the last round saw (tip, history, vaults), so only a change is reported. */
  private signature = '';
  /** Unvaults already alerted, so each is reported once. */
  private readonly alerted = new Set<string>();

  constructor(private readonly host: SyncLoopHost) {}

  get state(): SyncState {
    return this.current;
  }

  /** The light client's connected peers; none for a node or RPC source, or before the first round. */
  peers(): PeerInfo[] {
    return this.source instanceof PeerSource ? this.source.peerList() : [];
  }

  /** A wallet was opened: forget the last one's news and start the timer. */
  begin(wallet: WalletService, network: Network): void {
    this.known = undefined;
    this.signature = '';
    // Alerts of vaults already settled are not news after a restart.
    this.alerted.clear();
    if (wallet.hasWallet()) {
      for (const v of listVaultEntries(wallet)) if (v.alert && v.unvaultTxid && (v.status === 'cancelled' || v.status === 'withdrawn')) this.alerted.add(v.unvaultTxid);
    }
    this.current = { phase: 'idle', height: Number(wallet.meta('tip_height') ?? '0') };
    if (this.host.command) return;
    this.timer = setInterval(() => void this.run(), syncInterval(network));
    this.timer.unref();
    // The first round loads the whole header chain (about 0.3 s per million headers, blocking):
    // let the window come up first.
    this.firstRound = setTimeout(() => void this.run(), FIRST_ROUND_DELAY_MS);
    this.firstRound.unref();
  }

  /** No more rounds: the timers stop and the running round ends. The session stays until close(). */
  async halt(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined; // no rounds for news from here on
    clearTimeout(this.firstRound);
    await this.syncing;
    // A round that just ended may have scheduled one for news it heard.
    clearTimeout(this.newsRound);
    this.newsRound = undefined;
    this.newsDuringRound = false;
  }

  /** Wait for the running round, if any. */
  async idle(): Promise<void> {
    await this.syncing;
  }

  /** Close the sync session (one being set up included): the next round makes a new one. */
  close(): Promise<void> {
    const close = () => {
      this.session?.close();
      this.session = undefined;
      this.source = undefined;
    };
    if (!this.opening) {
      close();
      return Promise.resolve();
    }
    return this.opening.then(close, close);
  }

  /** One sync round; concurrent requests share it. */
  run(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = this.round().finally(() => {
      this.syncing = undefined;
      if (this.newsDuringRound) {
        this.newsDuringRound = false;
        this.heardNews();
      }
    });
    return this.syncing;
  }

  /** The session for a spend or fee call, once the running round is done with it. */
  async ready(wallet: WalletService): Promise<WalletSync> {
    await this.syncing;
    return this.ensure(wallet);
  }

  /**
   * The open wallet's sync session, created on first use. Callers that come while it is being set
   * up (a sync round and a spend, say) wait for the same one.
   */
  ensure(wallet: WalletService): Promise<WalletSync> {
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= (async () => {
      this.setState({ ...this.current, phase: 'connecting' });
      const factory = await this.host.sourceFactory();
      if (this.host.wallet() !== wallet) throw new CofferError('no-wallet', 'The wallet was closed while its chain source started.');
      const source: SourceFactory = (params, store) => {
        const s = factory(params, store);
        this.source = s;
        s.onNews?.(() => {
          if (this.host.wallet() === wallet) this.heardNews();
        });
        return s;
      };
      const sync = new WalletSync(wallet, {
        datadir: this.host.datadir,
        source,
        log: this.host.log,
        mempoolWaitMs: this.host.command ? 0 : 2_000,
        proxy: this.host.proxy(),
        // Only downloads are news; a round that finds the chain where it was stays quiet.
        onProgress: (p) => {
          if (p.target !== undefined && p.target > p.height) this.setState({ phase: p.phase, height: p.height, target: p.target });
        },
      });
      sync.watchers.push(this.host.channelWatch(wallet));
      this.session = sync;
      return sync;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private setState(s: SyncState): void {
    this.current = s;
    this.host.emit({ type: 'sync', state: s });
  }

  /**
   * The chain source heard of a new block or transaction: a round starts shortly (or right after
   * the running one) instead of at the next tick of the timer, as Electrum and Sparrow show a
   * payment or a block as soon as their server tells them.
   */
  private heardNews(): void {
    if (!this.host.wallet() || !this.timer || this.newsRound) return;
    if (this.syncing) {
      this.newsDuringRound = true;
      return;
    }
    this.newsRound = setTimeout(() => {
      this.newsRound = undefined;
      void this.run();
    }, NEWS_DELAY_MS);
    this.newsRound.unref();
  }

  private async round(): Promise<void> {
    const wallet = this.host.wallet();
    if (!wallet) return;
    // A restored wallet never scanned finds its whole past in the first round: no notices for that.
    // A new wallet has no past: a payment its first round finds is news (it may come during that round).
    const quiet = this.known === undefined && wallet.meta('scan_height') === undefined && wallet.meta('restored') === '1';
    this.known ??= new Set(history(wallet).map((h) => h.txid));
    const known = this.known;
    try {
      const session = await this.ensure(wallet);
      const r = await session.sync();
      await this.host.afterSync(session);
      this.setState({ phase: 'idle', height: r.tipHeight, lastSyncedAt: Date.now() });
      const vaults = listVaultEntries(wallet);
      const list = history(wallet, undefined, vaults);
      const signature = `${r.tipHeight}|${list.map((h) => `${h.txid}${h.status[0]}${h.confirmations > 0 ? 1 : 0}`).join(',')}|${vaults.map((v) => `${v.id}${v.status}`).join(',')}`;
      if (signature !== this.signature) {
        this.signature = signature;
        this.host.emit({ type: 'wallet-changed' });
      }
      for (const h of list) {
        if (known.has(h.txid)) continue;
        known.add(h.txid);
        if (h.amount > 0 && !quiet) this.host.emit({ type: 'transaction', txid: h.txid, amount: h.amount, confirmations: h.confirmations });
      }
      for (const v of vaults) {
        if (!v.alert || !v.unvaultTxid || this.alerted.has(v.unvaultTxid)) continue;
        this.alerted.add(v.unvaultTxid);
        this.host.emit({ type: 'vault-alert', vault: v.id, unvaultTxid: v.unvaultTxid });
      }
    } catch (e) {
      const error = toWireError(e);
      if (error.code === 'internal') this.host.log.error('sync.internal-error', errorOrigin(e));
      if (quiet) this.known = undefined; // the next round is still the first scan
      // No peer reachable (offline): keep the loaded header chain, which takes a while to reload,
      // and let the pool keep reconnecting. Anything else (a node that moved, a database error)
      // starts the source over next round.
      if (error.code !== 'no-peers') {
        this.session?.close();
        this.session = undefined;
      }
      this.setState({ ...this.current, phase: 'error', error });
    }
  }
}
