// Wallet synchronisation over the SPV client: headers, then merkle-proven transactions block by
// block from the wallet's birthday, then the mempool. Every batch of blocks is persisted in one
// SQLite transaction together with the scan height, so a crash at any moment loses nothing. Each
// step is a change set (wallet/change-set.ts): stored in one transaction, then applied in memory.

import { CofferError } from '../api/errors.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { checkpointStart, genesisStart, type ChainChange, type ChainStart, type HeaderChain } from '../chain/header-chain.js';
import { chainParams, type ChainParams } from '../chain/params.js';
import { withDbErrors } from '../db/database.js';
import { HeaderStore } from '../db/header-store.js';
import { commitChangeSet, persistChangeSet, readWalletState } from '../db/change-set-store.js';
import { listTxs } from '../db/tx-store.js';
import { listAccounts, listAllAddresses } from '../db/wallet-store.js';
import { outpointBytes, scriptElement, type ChainSource, type FeeEstimates, type ProvenBlock, type ScanDecision, type WatchSet } from '../node/source.js';
import type { SourceFactory } from '../node/source-factory.js';
import { ChangeSetBuilder, confirmedAbove, emptyChangeSet, unbacked, type WalletChangeSet } from '../wallet/change-set.js';
import { WalletState, type Balance, type Confirmation, type ScriptOwner } from '../wallet/wallet-state.js';
import { networkPaths } from './datadir.js';
import { faultPoint } from './fault.js';
import type { Logger } from './log.js';
import { serveTowers, VaultTracker } from './vault-tracker.js';
import type { ChainWatcher } from '../channels/chain-watch.js';
import { presetRate } from '../wallet/fees.js';
import { usesRecentBlocks } from '../wallet/block-fees.js';
import type { Socks5Proxy } from '../p2p/socks5.js';
import type { WalletService } from './wallet-service.js';

/** Blocks this far before a wallet's creation time are scanned too (clock skew, MTP). */
const BIRTHDAY_MARGIN_SECONDS = 2 * 60 * 60;
/** Addresses watched beyond the gap limit while scanning, so a run of used ones rarely forces a rescan. */
const SCAN_LOOKAHEAD = 50;
const RESCAN_PASSES = 4;

export interface SyncOptions {
  datadir: string;
  source: SourceFactory;
  log: Logger;
  /** How long to wait for the mempool's answer; 0 skips asking. */
  mempoolWaitMs?: number;
  /** The SOCKS5 proxy this wallet's peers go through, if any: its other connections (remote towers) take it too. */
  proxy?: Socks5Proxy | undefined;
  /** Progress for a sync bar: what is being downloaded, how far, towards which height. */
  onProgress?: (p: { phase: 'headers' | 'blocks' | 'mempool'; height: number; target?: number }) => void;
}

export interface SyncResult {
  tipHeight: number;
  tipHash: string;
  balance: Balance;
}

function txidOfRaw(raw: Uint8Array): Uint8Array {
  return txidOf(parseTx(raw));
}

/** The wallet's transactions and scripts as stored. */
export function loadWalletState(wallet: WalletService): WalletState {
  return withDbErrors(() => readWalletState(wallet.database));
}

/** Where the header chain must start so that the blocks from `scanFrom` can be proven. */
export function chainStartFor(params: ChainParams, scanFrom: number | undefined): ChainStart {
  const last = params.checkpoints.at(-1);
  if (!last) return genesisStart();
  const target = scanFrom === undefined ? last.height + 1 : scanFrom;
  const boundary = Math.floor(Math.min(target, last.height + 1) / params.interval) * params.interval;
  return boundary === 0 ? genesisStart() : checkpointStart(params, boundary);
}

export class WalletSync {
  private readonly wallet: WalletService;
  private readonly opts: SyncOptions;
  private readonly params: ChainParams;
  private state: WalletState;
  private chain: HeaderChain | undefined;
  /** Addresses derived per account/chain when the filter was last built. */
  private watched = new Map<string, number>();
  readonly vaults: VaultTracker;
  /** Others that follow the chain through this sync (the Lightning node). */
  readonly watchers: ChainWatcher[] = [];

  constructor(wallet: WalletService, opts: SyncOptions) {
    this.wallet = wallet;
    this.opts = opts;
    this.params = chainParams(wallet.network);
    this.state = loadWalletState(wallet);
    this.vaults = new VaultTracker(wallet, opts.log);
  }

  /** The SOCKS5 proxy of this wallet's connections, if any. */
  get proxy(): Socks5Proxy | undefined {
    return this.opts.proxy;
  }

  /** First block to scan: the restore birthday, the block at the creation time, or genesis. */
  private scanStart(chain: HeaderChain): number {
    const birthday = this.wallet.meta('birthday_height');
    if (birthday !== undefined) return Math.max(chain.baseHeight, Number(birthday));
    const created = this.wallet.meta('restored') === '1' ? undefined : Number(this.wallet.meta('created_at'));
    if (created === undefined || Number.isNaN(created)) return chain.baseHeight;
    let h = chain.height;
    while (h > chain.baseHeight && chain.timeAt(h - 1) >= created - BIRTHDAY_MARGIN_SECONDS) h--;
    return h;
  }

  private scanned(): { height: number; hash?: Uint8Array } | undefined {
    const h = this.wallet.meta('scan_height');
    const hash = this.wallet.meta('scan_hash');
    if (h === undefined || h === '') return undefined;
    const parsed = hash ? hexToHash(hash) : undefined;
    return parsed ? { height: Number(h), hash: parsed } : { height: Number(h) };
  }

  private session: { store: HeaderStore; source: ChainSource } | undefined;

  /** Open the header store and start the chain source (connect to peers or the node). */
  async open(): Promise<void> {
    if (this.session) return;
    const birthday = this.wallet.meta('birthday_height');
    const start = chainStartFor(this.params, birthday === undefined ? (this.wallet.meta('restored') === '1' ? 0 : undefined) : Number(birthday));
    const store = HeaderStore.open(networkPaths(this.opts.datadir, this.wallet.network).dir, this.params, start);
    const source = this.opts.source(this.params, store);
    this.session = { store, source };
    this.chain = store.chain;
    try {
      this.reconcile(store.chain);
      await source.start();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private get source(): ChainSource {
    if (!this.session) throw new Error('WalletSync used before open()');
    return this.session.source;
  }

  close(): void {
    if (!this.session) return;
    this.session.source.stop();
    this.session.store.close();
    this.session = undefined;
  }

  /** Headers, then the wallet's blocks, then the mempool, then our pending transactions again. */
  async sync(): Promise<SyncResult> {
    // Spends, channels, vaults and other processes write these tables too: a round starts from
    // what is stored, and within it every step is a change set applied after it is stored.
    this.state = loadWalletState(this.wallet);
    await this.open();
    const source = this.source;
    const chain = this.session!.store.chain;
    const progress = this.opts.onProgress;
    const best = () => source.bestHeight();
    progress?.({ phase: 'headers', height: chain.height, ...(best() !== undefined ? { target: best()! } : {}) });
    await source.syncHeaders((c) => {
      this.onChainChange(c);
      progress?.({ phase: 'headers', height: c.forkHeight + c.hashes.length / 32, ...(best() !== undefined ? { target: best()! } : {}) });
    });
    const done = this.scanned();
    const from = done ? done.height + 1 : this.scanStart(chain);
    if (from <= chain.height) {
      const target = chain.height;
      await source.scan(from, target, () => this.watchSet(), (b) => {
        const d = this.onBlocks(b);
        progress?.({ phase: 'blocks', height: b.at(-1)?.height ?? from, target });
        return d;
      });
    }
    this.finishDiscovery();
    const wait = this.opts.mempoolWaitMs ?? 6_000;
    if (wait > 0) {
      progress?.({ phase: 'mempool', height: chain.height });
      await source.mempool(this.watchSet(), (raw) => this.unconfirmed(raw), wait);
    }
    try {
      serveTowers(this.wallet);
    } catch (e) {
      this.opts.log.warn('vault.towers-unserved', { code: e instanceof CofferError ? e.code : 'internal' });
    }
    await this.rebroadcastPending();
    await this.vaults.guard(chain.height, async () => presetRate(this.wallet, await this.fees(), 'fast').feeRate, (raw) => source.broadcast(raw));
    const store = this.session!.store;
    const view = { height: chain.height, hashAt: (h: number) => chain.hashAt(h), header: (h: number) => store.readHeader(h) };
    // A watcher that learnt what to watch from blocks it was just given has those blocks scanned
    // again (a few times at most: each pass can only add the next transaction of a chain of spends).
    for (let pass = 0; pass < RESCAN_PASSES; pass++) {
      await this.fetchWitnesses(source);
      let again: number | undefined;
      for (const w of this.watchers) {
        const from = await w.afterRound(view);
        if (from !== undefined && from <= chain.height) again = Math.min(again ?? from, from);
      }
      if (again === undefined || pass === RESCAN_PASSES - 1) break;
      await source.scan(again, chain.height, () => this.watchSet(), (b) => this.onBlocks(b));
    }
    const tip = chain.describeTip();
    this.commit({ ...emptyChangeSet(), meta: { tip_height: String(tip.height), tip_hash: tip.hash } });
    return { tipHeight: tip.height, tipHash: tip.hash, balance: this.state.balance(tip.height) };
  }

  /** Witnesses a watcher needs that the scan did not carry (BIP37), from the whole blocks. */
  private async fetchWitnesses(source: ChainSource): Promise<void> {
    if (!source.withWitness) return;
    for (const w of this.watchers) {
      for (const { blockHash, txids } of w.stripped?.() ?? []) {
        try {
          for (const raw of await source.withWitness(blockHash, txids)) w.putWitness?.(raw);
        } catch (e) {
          this.opts.log.warn('sync.witness-unavailable', { code: e instanceof CofferError ? e.code : 'internal' });
        }
      }
    }
  }

  /** Connect, sync, disconnect. */
  async run(): Promise<SyncResult> {
    try {
      return await this.sync();
    } finally {
      this.close();
    }
  }

  /** Hand a transaction that is not the wallet's (a vault's presigned one) to the network. */
  async relay(raw: Uint8Array): Promise<void> {
    await this.open();
    await this.source.broadcast(raw);
  }

  /** Hand a transaction to the network; on success it stops being pending. */
  async broadcast(txid: Uint8Array, raw: Uint8Array): Promise<void> {
    await this.open();
    await this.source.broadcast(raw);
    this.commit({ ...emptyChangeSet(), statuses: [{ txid, status: 'seen' }] });
    this.opts.log.info('wallet.broadcast', { txid: hashToHex(txid) });
  }

  /** Stop treating one of our transactions as pending (a node refused it for good). */
  abandon(txid: Uint8Array): void {
    this.commit({ ...emptyChangeSet(), statuses: [{ txid, status: 'abandoned' }] });
  }

  /** Store a change set in one transaction, then apply it to the state (never before: a failed write changes nothing). */
  private commit(cs: WalletChangeSet): void {
    withDbErrors(() => commitChangeSet(this.wallet.database, this.state, cs));
  }

  /** The source's estimates; a light client's from recent blocks when the `fee-estimates` setting says so. */
  async fees(): Promise<FeeEstimates> {
    await this.open();
    return this.source.fees({ recentBlocks: usesRecentBlocks(this.wallet.feeEstimates(), this.wallet.network) });
  }

  /** Signed transactions the network has not acknowledged yet (a crash or failure before broadcast). */
  private async rebroadcastPending(): Promise<void> {
    for (const t of listTxs(this.wallet.database)) {
      if (t.status !== 'pending' || t.confirmation) continue;
      const w = this.state.get(txidOfRaw(t.raw));
      if (!w || !this.vaults.mayBroadcast(w.txid) || this.watchers.some((x) => x.mayBroadcast?.(w.txid) === false)) continue;
      try {
        await this.broadcast(w.txid, t.raw);
      } catch (e) {
        this.opts.log.warn('wallet.rebroadcast-failed', { txid: hashToHex(w.txid), code: e instanceof CofferError ? e.code : 'internal' });
      }
    }
  }

  /** Confirmations the stored chain no longer backs are dropped; the scan restarts below them. */
  private reconcile(chain: HeaderChain): void {
    const hashAt = (h: number) => (h >= chain.baseHeight && h <= chain.height ? chain.hashAt(h) : undefined);
    const cs = { ...emptyChangeSet(), unconfirmed: unbacked(this.state, hashAt) };
    const vaultLost = this.vaults.reconcile(hashAt);
    const scan = this.scanned();
    const scanOk = !scan || (scan.hash !== undefined && hashToHex(hashAt(scan.height) ?? new Uint8Array(32)) === hashToHex(scan.hash));
    // The scanned chain is gone (damaged header files): scan again from the birthday.
    if (!scanOk) cs.meta.scan_height = '';
    if (cs.unconfirmed.length === 0 && vaultLost === 0 && scanOk) return;
    this.commit(cs);
  }

  /** Record that blocks up to `height` (on `chain`) have been scanned. */
  private stageScanned(stage: ChangeSetBuilder, height: number, chain: HeaderChain): void {
    stage.setMeta('scan_height', String(height));
    stage.setMeta('scan_hash', height >= chain.baseHeight && height <= chain.height ? hashToHex(chain.hashAt(height)) : '');
  }

  /** Before a reorg reaches the disk: forget confirmations above the fork, rescan from there. */
  private onChainChange(c: ChainChange): void {
    if (c.disconnected.length === 0) return;
    const cs = { ...emptyChangeSet(), unconfirmed: confirmedAbove(this.state, c.forkHeight) };
    const scan = this.scanned();
    if (scan && scan.height > c.forkHeight) {
      // The fork block is the parent of the first new header.
      cs.meta = { scan_height: String(c.forkHeight), scan_hash: hashToHex(c.headers.subarray(4, 36)) };
    }
    withDbErrors(() =>
      this.wallet.database.transaction(() => {
        persistChangeSet(this.wallet.database, cs);
        this.vaults.unconfirmAbove(c.forkHeight);
        for (const w of this.watchers) w.unconfirmAbove(c.forkHeight);
      }).immediate(),
    );
    this.state.apply(cs);
    this.opts.log.info('wallet.reorg', { forkHeight: c.forkHeight, unconfirmed: cs.unconfirmed.length });
  }

  /**
   * Everything a filter must match: our scripts (whole, and their data pushes for BIP37) and our
   * unspent outpoints (their scripts are our addresses'; the watchers give theirs).
   */
  watchSet(): WatchSet {
    this.watched = this.wallet.lookahead(SCAN_LOOKAHEAD);
    const elements: Uint8Array[] = [];
    const scripts: Uint8Array[] = [];
    for (const a of listAllAddresses(this.wallet.database)) {
      this.state.addScript(a.script, { accountId: a.accountId, chain: a.chain, index: a.index });
      scripts.push(a.script);
      const e = scriptElement(a.script);
      if (e) elements.push(e);
    }
    const watch = this.state.watchList();
    const others = [this.vaults.watch(), ...this.watchers.map((w) => w.watch())];
    return {
      elements: [...elements, ...others.flatMap((o) => o.elements)],
      scripts: [...scripts, ...others.flatMap((o) => o.scripts)],
      outpoints: [...watch.outpoints.map((o) => outpointBytes(o.txid, o.vout)), ...others.flatMap((o) => o.outpoints)],
      txids: watch.txids,
    };
  }

  /** Apply a batch of proven blocks in one transaction; rescan when new addresses were derived. */
  private onBlocks(blocks: ProvenBlock[]): ScanDecision {
    const db = this.wallet.database;
    let decision: ScanDecision = {};
    const stage = new ChangeSetBuilder(this.state);
    withDbErrors(() =>
      db.transaction(() => {
        for (const b of blocks) {
          let grew = false;
          for (const p of b.txs) {
            const raw = p.raw ?? this.state.get(p.txid)?.raw ?? this.vaults.rawOf(p.txid) ?? this.watchers.map((w) => w.rawOf(p.txid)).find((r) => r !== undefined);
            if (!raw) continue; // a filter false positive the peer did not resend
            this.vaults.observe(raw, { hash: b.hash, height: b.height });
            // A deposit of ours no vault row knows (a restore): its outputs join the filter.
            if (this.vaults.discover(raw)) grew = true;
            for (const w of this.watchers) w.observe(raw, { hash: b.hash, height: b.height, pos: p.pos });
            const paid = this.stageTx(stage, raw, { blockHash: b.hash, height: b.height, pos: p.pos, time: b.time });
            for (const owner of paid) {
              // Addresses the filter did not have may be paid from here on: rescan with them.
              const inFilter = this.watched.get(`${owner.accountId}/${owner.chain}`) ?? 0;
              if (owner.index + this.wallet.setting('gap-limit') >= inFilter) grew = true;
            }
          }
          if (grew) {
            // New addresses or a found vault's outputs were not in the filter: scan this block again with them.
            if (this.chain) this.stageScanned(stage, b.height - 1, this.chain);
            decision = { restartFrom: b.height };
            break;
          }
          stage.setMeta('scan_height', String(b.height));
          stage.setMeta('scan_hash', hashToHex(b.hash));
        }
        persistChangeSet(db, stage.changes);
      }).immediate(),
    );
    this.state.apply(stage.changes);
    faultPoint('sync:blocks-committed');
    return decision;
  }

  /**
   * Stage a transaction when it is the wallet's (filters have false positives), with the addresses
   * it uses and those to derive for the gap limit. Returns the wallet's scripts it pays.
   */
  private stageTx(stage: ChangeSetBuilder, raw: Uint8Array, confirmation?: Confirmation): ScriptOwner[] {
    let staged;
    try {
      staged = stage.addTx(raw, Math.floor(Date.now() / 1000), confirmation);
    } catch (e) {
      if (e instanceof CofferError) return [];
      throw e;
    }
    for (const owner of staged?.paid ?? []) {
      stage.markUsed(owner);
      for (const a of this.wallet.poolGrowth(owner, (stored) => stage.derived(owner, stored))) {
        stage.addAddress({ owner: { accountId: a.accountId, chain: a.chain, index: a.index }, script: a.script, address: a.address });
      }
    }
    return staged?.paid ?? [];
  }

  /** A transaction from the mempool or relay: kept when it is ours. */
  private unconfirmed(raw: Uint8Array): void {
    this.vaults.observe(raw);
    this.vaults.discover(raw);
    for (const w of this.watchers) w.observe(raw);
    const stage = new ChangeSetBuilder(this.state);
    this.stageTx(stage, raw);
    if (stage.changes.txs.length > 0) this.commit(stage.changes);
  }

  /** After the first full scan of a restore, keep the script types that were used, drop the rest. */
  private finishDiscovery(): void {
    const db = this.wallet.database;
    const cs = emptyChangeSet();
    withDbErrors(() =>
      db.transaction(() => {
        const used = new Set(listAllAddresses(db).filter((a) => a.used).map((a) => a.accountId));
        cs.accounts = listAccounts(db, 'discover').map((a) => ({ id: a.id, keep: used.has(a.id) }));
        persistChangeSet(db, cs);
      }).immediate(),
    );
    this.state.apply(cs);
  }
}
