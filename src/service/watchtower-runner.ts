// The headless watchtower: holds a keyless package and answers any unvault the wallet did not
// announce with the cheapest presigned cancel that meets the fee need. It runs on any chain source
// and watches two ways: unconfirmed spends of a vault's deposit or unvault output (relayed by P2P
// peers at once, or found in a node's mempool: tower-link.ts), and blocks scanned from where its
// last run stopped (height and hash in `scan.json`), so an unvault that confirmed while the tower
// was down is still cancelled within the delay. The package
// file is re-read when it changes, and once more right before a cancel. One JSON object per event
// goes to `print`. Withdrawal announcements come from the wallet (signed, see vaults/watchtower.ts).

import fs from 'node:fs';
import path from 'node:path';
import { hex } from '@scure/base';
import { CofferError } from '../api/errors.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import type { ChainChange, HeaderChain } from '../chain/header-chain.js';
import { chainParams } from '../chain/params.js';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { HeaderStore } from '../db/header-store.js';
import type { Network } from '../keys/networks.js';
import type { SourceFactory } from '../node/source-factory.js';
import { outpointBytes, type ProvenBlock, type ScanDecision, type WatchSet } from '../node/source.js';
import { announcedKey, parsePackage, react, requireScripts, verifyAnnouncement, type TowerEvent, type TowerPackage } from '../vaults/watchtower.js';
import { ensureDir, networkPaths } from './datadir.js';
import { chainStartFor } from './wallet-sync.js';
import { readPackageFile, readScanState, stampOf, writeScanState } from './tower-files.js';
import { towerLink, type TowerLink } from './tower-link.js';

const RETRY_MS = 10_000;
/** How often the package file's stat is compared with the loaded one. */
const PACKAGE_POLL_MS = 1_000;
/** When the saved scan point is not on our header chain (a damaged header store), rescan this far back. */
const LOST_TRACK_BLOCKS = 144;
const SCAN_FILE = 'scan.json';

type CancelEvent = Extract<TowerEvent, { event: 'cancel' }>;

export interface TowerOptions {
  datadir: string;
  pkg: TowerPackage;
  /** The file `pkg` was parsed from (readPackageFile), re-read when it changes; without it the package is fixed. */
  file?: { path: string; text: string; stamp: string };
  /** The chain source: SPV or compact-filter peers (`--connect`, else DNS seeds), the embedded node or Bitcoin Core. */
  source: SourceFactory;
  /** The least fee rate a cancel should pay (sat/vB); the peers' relay floor if higher. */
  minFeerate: number;
  print: (line: Record<string, unknown>) => void;
}

function outpoint(txidHex: string, vout: number): Uint8Array {
  return outpointBytes(hexToHash(txidHex)!, vout);
}

/**
 * Deposit outpoints and unvault outputs: a BIP37 peer relays (and a merkle block proves) any
 * transaction spending one of them. Their output scripts: a BIP158 filter holds the scripts a
 * block's inputs spend, so a block spending a vault output matches them.
 */
export function towerWatchSet(pkg: TowerPackage): WatchSet {
  return {
    elements: [],
    scripts: pkg.vaults.flatMap((v) => [v.deposit.script, v.unvaultScript].flatMap((s) => (s === undefined ? [] : [hex.decode(s)]))),
    outpoints: pkg.vaults.flatMap((v) => [outpoint(v.deposit.txid, v.deposit.vout), outpoint(v.unvaultTxid, 0)]),
    txids: [],
  };
}

const watchKey = (w: WatchSet) => [...w.outpoints, ...w.scripts].map((o) => hex.encode(o)).sort().join();
const ids = (pkg: TowerPackage) => new Set(pkg.vaults.map((v) => v.id));

export class WatchtowerRunner {
  private link: TowerLink | undefined;
  private store: HeaderStore | undefined;
  private pkg: TowerPackage;
  private pkgText: string | undefined;
  private stamp: string | undefined;
  private relayKey = '';
  private readonly announced = new Set<string>();
  /** Package announcements already refused, so a reload does not repeat their lines. */
  private readonly refusedAnnouncements = new Set<string>();
  /** `event:vault:txid` lines already printed, so a transaction relayed and then mined is told once. */
  private readonly printed = new Set<string>();
  /** Unvaults whose cancel is out or going out (`announcedKey`), so a transaction seen twice is cancelled once. */
  private readonly answered = new Set<string>();
  /** Vaults whose deposit or unvault output is spent for good (a cancel, a withdrawal): nothing to answer. */
  private readonly settled = new Set<string>();
  /** Unvaults found in blocks and not answered yet, by vault: answered once the scan reached the tip. */
  private readonly found = new Map<string, { tx: Tx; height: number }>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly timers: NodeJS.Timeout[] = [];
  private scanFile = '';
  private scanned: { height: number; hash: string } | undefined;
  /** The vaults the blocks up to `scanned` were scanned for. */
  private covered = new Set<string>();
  /** A lower height the next scan must start from (a fresh tower, or vaults added with an older package height). */
  private floor: number | undefined;
  private passing = false;
  private again = false;
  /** Passes run once the tower watches (after `watching`). */
  private started = false;
  private stopped = false;
  /** The source matches output scripts, not outpoints (compact filters): every vault needs its scripts. */
  private scriptsOnly = false;

  constructor(private readonly opts: TowerOptions) {
    this.pkg = opts.pkg;
    this.pkgText = opts.file?.text;
    this.stamp = opts.file?.stamp;
  }

  async start(): Promise<void> {
    const network = this.pkg.network as Network;
    const params = chainParams(network);
    const dir = path.join(networkPaths(this.opts.datadir, network).dir, 'watchtower');
    ensureDir(dir);
    this.scanFile = path.join(dir, SCAN_FILE);
    const saved = readScanState(this.scanFile, network);
    if (saved) {
      this.scanned = { height: saved.height, hash: saved.hash };
      this.covered = new Set(saved.vaults);
      if (this.pkg.vaults.some((v) => !this.covered.has(v.id))) this.floor = this.pkg.height;
    } else {
      this.floor = this.pkg.height;
    }
    const lowest = [saved ? saved.height + 1 : undefined, this.pkg.height].filter((h) => h !== undefined);
    this.store = HeaderStore.open(dir, params, chainStartFor(params, lowest.length > 0 ? Math.max(0, Math.min(...lowest)) : undefined));
    const source = this.opts.source(params, this.store);
    // Compact filters and Electrum servers match scripts only: a package without them would leave the tower blind.
    this.scriptsOnly = source.kind === 'filters' || source.kind === 'electrum';
    if (this.scriptsOnly) requireScripts(this.pkg);
    this.link = towerLink(source, { tx: (tx) => void this.handleTx(tx), block: () => this.kick(), print: this.opts.print });
    for (const a of this.pkg.announcements ?? []) this.accept(a.vault, a.unvaultTxid, a.signature, 'package');
    await this.link.start(() => this.stopped);
    if (this.stopped) return; // stopped while the seeds or the node were asked
    this.startRelay();
    this.opts.print({ event: 'watching', network, vaults: this.pkg.vaults.length });
    this.timers.push(setInterval(() => this.refreshPackage(), PACKAGE_POLL_MS));
    for (const t of this.timers) t.unref();
    this.started = true;
    this.kick();
  }

  /** A line from the wallet: `{"vault", "unvaultTxid", "signature"}`. */
  announce(line: string): void {
    let a: { vault?: unknown; unvaultTxid?: unknown; signature?: unknown };
    try {
      a = JSON.parse(line) as typeof a;
    } catch {
      this.opts.print({ event: 'announcement-refused', reason: 'not JSON' });
      return;
    }
    const { vault, unvaultTxid, signature } = a;
    if (typeof vault !== 'string' || typeof unvaultTxid !== 'string' || typeof signature !== 'string') {
      this.opts.print({ event: 'announcement-refused', reason: 'not signed by this wallet for one of its vaults' });
      return;
    }
    this.accept(vault, unvaultTxid, signature, 'stdin');
  }

  private accept(vault: string, unvaultTxid: string, signature: string, source: 'stdin' | 'package'): void {
    const v = this.pkg.vaults.find((x) => x.id === vault);
    if (!v || v.unvaultTxid !== unvaultTxid || !verifyAnnouncement(this.pkg, vault, unvaultTxid, signature)) {
      const key = `${vault}:${unvaultTxid}:${signature}`;
      if (source === 'package' && this.refusedAnnouncements.has(key)) return;
      if (source === 'package') this.refusedAnnouncements.add(key);
      this.opts.print({ event: 'announcement-refused', reason: 'not signed by this wallet for one of its vaults', source, ...(source === 'package' ? { vault } : {}) });
      return;
    }
    // Every rewrite of the package repeats the wallet's announcements: tell each once.
    const key = announcedKey(vault, unvaultTxid);
    if (source === 'package' && this.announced.has(key)) return;
    this.announced.add(key);
    this.opts.print({ event: 'announcement', vault, unvaultTxid, source });
  }

  /** A package handed over in-process (`watchtower serve`'s union of its wallets): taken as a changed file is. */
  load(pkg: TowerPackage): void {
    if (this.scriptsOnly) requireScripts(pkg);
    const text = JSON.stringify(pkg);
    if (text !== this.pkgText) this.replace(pkg, text);
  }

  /** The height of the tower's header chain (0 before it loaded). */
  tip(): number {
    return this.store?.chain.height ?? 0;
  }

  // ---- the package file ----

  /**
   * Loads the package file when its stat says it changed; true when a new package was taken. Also
   * called right before a cancel: the wallet writes its announcement to the file just before it
   * broadcasts its unvault, and a poll that has not come round yet must not cost it its withdrawal.
   */
  private refreshPackage(): boolean {
    const file = this.opts.file?.path;
    if (file === undefined || this.stopped) return false;
    let stamp: string;
    try {
      stamp = stampOf(fs.statSync(file, { bigint: true }));
    } catch (e) {
      stamp = `unreadable:${(e as NodeJS.ErrnoException).code ?? 'unknown'}`;
    }
    if (stamp === this.stamp) return false;
    let text: string;
    try {
      ({ text, stamp } = readPackageFile(file));
    } catch (e) {
      this.refuse('unreadable', e instanceof CofferError ? e.message : 'The package cannot be read.');
      this.stamp = stamp; // told once, until the file changes again
      return false;
    }
    this.stamp = stamp;
    if (text === this.pkgText) return false;
    let pkg: TowerPackage;
    try {
      pkg = parsePackage(text);
      if (this.scriptsOnly) requireScripts(pkg);
    } catch (e) {
      this.refuse(e instanceof CofferError ? String(e.details['reason'] ?? e.code) : 'invalid', e instanceof Error ? e.message : 'invalid');
      return false;
    }
    if (pkg.network !== this.pkg.network) {
      this.refuse('network', `The package is for ${pkg.network}; this tower watches ${this.pkg.network}.`);
      return false;
    }
    this.replace(pkg, text);
    return true;
  }

  private refuse(reason: string, message: string): void {
    this.opts.print({ event: 'package-refused', reason, message, vaults: this.pkg.vaults.length });
  }

  private replace(pkg: TowerPackage, text: string): void {
    const before = ids(this.pkg);
    const after = ids(pkg);
    this.pkg = pkg;
    this.pkgText = text;
    this.opts.print({
      event: 'package-loaded',
      vaults: pkg.vaults.length,
      added: [...after].filter((id) => !before.has(id)).length,
      removed: [...before].filter((id) => !after.has(id)).length,
    });
    for (const a of pkg.announcements ?? []) this.accept(a.vault, a.unvaultTxid, a.signature, 'package');
    if (watchKey(towerWatchSet(pkg)) !== this.relayKey) this.startRelay();
    // Vaults the blocks so far were not scanned for: from the package's height (else from here on).
    if (pkg.height !== undefined && pkg.vaults.some((v) => !this.covered.has(v.id))) {
      this.floor = Math.min(this.floor ?? Infinity, pkg.height);
      this.kick();
    }
  }

  // ---- relayed transactions ----

  private startRelay(): void {
    const watch = towerWatchSet(this.pkg);
    this.relayKey = watchKey(watch);
    this.link?.watch(watch);
  }

  /** React to a transaction: relayed (unconfirmed), or an unvault found in a block at `height`. */
  private async handleTx(tx: Tx, height?: number): Promise<void> {
    const link = this.link;
    if (!link || this.stopped) return;
    const needed = Math.max(this.opts.minFeerate, (await link.source.fees()).floor);
    let events = react(this.pkg, tx, this.announced, needed);
    if (events.some((e) => e.event === 'cancel') && this.refreshPackage()) events = react(this.pkg, tx, this.announced, needed);
    for (const e of events) {
      if (e.event === 'cancel') {
        await this.cancel(e, tx, height);
        continue;
      }
      if (e.event === 'cancelled' || e.event === 'deposit-spent') this.settle(e.vault);
      if (e.event === 'unvault' && this.found.delete(e.vault)) this.save(); // announced after all
      this.printOnce(height === undefined ? e : { ...e, height });
    }
  }

  private async cancel(e: CancelEvent, tx: Tx, height: number | undefined): Promise<void> {
    const key = announcedKey(e.vault, e.unvaultTxid);
    if (this.settled.has(e.vault) || this.answered.has(key) || this.stopped) return;
    this.answered.add(key);
    const { hex: raw, ...cancel } = e;
    this.opts.print({ event: 'unvault', vault: e.vault, txid: e.unvaultTxid, announced: false, ...(height === undefined ? {} : { height }) });
    try {
      const sent = await this.link!.send(hex.decode(raw));
      this.opts.print({ ...cancel, ...sent });
      if (this.found.delete(e.vault)) this.save();
    } catch (err) {
      // A peer announces a transaction once: do not wait to see the unvault again, retry.
      this.answered.delete(key);
      if (this.stopped) return;
      this.opts.print({ event: 'cancel-failed', vault: e.vault, cancelTxid: e.cancelTxid, reason: err instanceof Error ? err.message : 'error', retryInSeconds: RETRY_MS / 1000 });
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.handleTx(tx, height);
      }, RETRY_MS);
      this.retries.add(timer);
    }
  }

  private printOnce(e: Exclude<TowerEvent, CancelEvent> & { height?: number }): void {
    const key = `${e.event}:${e.vault}:${e.txid}`;
    if (this.printed.has(key)) return;
    this.printed.add(key);
    this.opts.print(e);
  }

  private settle(vault: string): void {
    this.settled.add(vault);
    if (this.found.delete(vault)) this.save();
  }

  // ---- blocks ----

  /** Run a pass (headers, then blocks), or one more after the current one. */
  private kick(): void {
    if (this.stopped || !this.started) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (e) {
        if (this.stopped) return;
        this.opts.print({ event: 'scan-failed', code: e instanceof CofferError ? e.code : 'internal', reason: e instanceof Error ? e.message : 'error', retryInSeconds: this.link!.retrySeconds });
        await this.answerFound();
      } finally {
        this.passing = false;
      }
    })();
  }

  private async pass(): Promise<void> {
    const link = this.link!;
    if (!link.ready()) return;
    const chain = this.store!.chain;
    await link.syncHeaders((c) => this.onChainChange(c));
    if (this.stopped) return;
    const from = this.nextHeight(chain);
    const to = chain.height;
    if (from > to) return;
    // From here on the blocks are scanned for every vault of the package; below `from` none is needed.
    this.covered = ids(this.pkg);
    this.floor = undefined;
    this.scanned = { height: from - 1, hash: from - 1 >= chain.baseHeight ? hashToHex(chain.hashAt(from - 1)) : '' };
    this.save();
    let lowest = from;
    await link.scan(from, to, () => towerWatchSet(this.pkg), (blocks) => {
      const d = this.onBlocks(blocks, chain);
      if (d.restartFrom !== undefined) lowest = Math.min(lowest, d.restartFrom);
      return d;
    });
    this.opts.print({ event: 'scanned', from: lowest, to });
    await this.answerFound();
  }

  /** The first block to scan: after the saved point when it is on our chain, never above a pending floor. */
  private nextHeight(chain: HeaderChain): number {
    const s = this.scanned;
    let from: number;
    if (!s) from = this.floor ?? chain.height;
    else if (s.height >= chain.baseHeight && s.height <= chain.height && hashToHex(chain.hashAt(s.height)) === s.hash) from = s.height + 1;
    else if (s.height < chain.baseHeight) from = chain.baseHeight;
    else from = Math.min(s.height, chain.height) - LOST_TRACK_BLOCKS;
    if (this.floor !== undefined) from = Math.min(from, this.floor);
    return Math.max(from, chain.baseHeight);
  }

  private onBlocks(blocks: ProvenBlock[], chain: HeaderChain): ScanDecision {
    if (this.stopped) throw new Error('the tower stopped');
    const first = blocks[0];
    if (!first) return {};
    if (this.floor !== undefined) {
      // Vaults were added while this batch came in: scan again, their outpoints in the filter.
      const restart = Math.max(Math.min(this.floor, first.height), chain.baseHeight);
      this.floor = undefined;
      this.covered = ids(this.pkg);
      this.scanned = { height: restart - 1, hash: restart - 1 >= chain.baseHeight ? hashToHex(chain.hashAt(restart - 1)) : '' };
      this.save();
      return { restartFrom: restart };
    }
    for (const b of blocks) {
      for (const p of b.txs) {
        if (!p.raw) continue;
        let tx: Tx;
        try {
          tx = parseTx(p.raw);
        } catch {
          continue;
        }
        this.inBlock(tx, b.height);
      }
    }
    const last = blocks.at(-1)!;
    this.scanned = { height: last.height, hash: hashToHex(last.hash) };
    this.save();
    return {};
  }

  /** A matched transaction in a block: spends settle a vault; an unannounced unvault waits for the end of the pass. */
  private inBlock(tx: Tx, height: number): void {
    const txid = hashToHex(txidOf(tx));
    for (const e of react(this.pkg, tx, this.announced, this.opts.minFeerate)) {
      if (e.event === 'cancel') {
        // A confirmed withdrawal cannot be replaced; an unvault can, until someone spends its output.
        if (e.unvaultTxid === txid && !this.settled.has(e.vault)) this.found.set(e.vault, { tx, height });
        continue;
      }
      if (e.event !== 'unvault') this.settle(e.vault);
      else this.found.delete(e.vault);
      this.printOnce({ ...e, height });
    }
  }

  /** Cancel the unvaults found in blocks that no later block spent. */
  private async answerFound(): Promise<void> {
    for (const [vault, f] of [...this.found]) {
      if (this.stopped) return;
      if (this.settled.has(vault) || !this.pkg.vaults.some((v) => v.id === vault)) {
        if (this.found.delete(vault)) this.save();
      } else {
        await this.handleTx(f.tx, f.height);
      }
    }
  }

  /** Before a reorg reaches the disk: scan again from the fork; what was settled above it may not be. */
  private onChainChange(c: ChainChange): void {
    if (c.disconnected.length === 0) return;
    this.settled.clear();
    this.answered.clear();
    for (const f of this.found.values()) f.height = Math.min(f.height, c.forkHeight + 1);
    if (this.scanned && this.scanned.height > c.forkHeight) {
      // The fork block is the parent of the first new header.
      this.scanned = { height: c.forkHeight, hash: hashToHex(c.headers.subarray(4, 36)) };
    }
    this.save();
    this.opts.print({ event: 'reorg', forkHeight: c.forkHeight, disconnected: c.disconnected.length });
  }

  /** The scan point on disk stays below any unvault found but not answered yet, so a restart finds it again. */
  private save(): void {
    const chain = this.store?.chain;
    if (!this.scanned || !chain || this.stopped) return;
    let { height, hash } = this.scanned;
    const pending = Math.min(...[...this.found.values()].map((f) => f.height));
    if (pending <= height) {
      height = pending - 1;
      hash = height >= chain.baseHeight && height <= chain.height ? hashToHex(chain.hashAt(height)) : '';
    }
    writeScanState(this.scanFile, { format: 1, network: this.pkg.network, height, hash, vaults: [...this.covered] });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    for (const t of this.timers) clearInterval(t);
    this.link?.stop();
    this.store?.close();
  }
}
