// The headless watchtower: holds a keyless package, listens to its peers for any transaction
// spending a vault's deposit or unvault output, and answers an unannounced unvault at once with
// the cheapest presigned cancel that meets the fee need. One JSON object per event goes to
// `print`. Withdrawal announcements come from the wallet (signed, see vaults/watchtower.ts).

import path from 'node:path';
import { hex } from '@scure/base';
import { hexToHash } from '../chain/bytes.js';
import { chainParams } from '../chain/params.js';
import type { Tx } from '../chain/tx.js';
import { HeaderStore } from '../db/header-store.js';
import type { Network } from '../keys/networks.js';
import { outpointBytes, type WatchSet } from '../node/source.js';
import { SpvClient } from '../node/spv.js';
import { react, verifyAnnouncement, type TowerPackage } from '../vaults/watchtower.js';
import { ensureDir, networkPaths } from './datadir.js';
import { chainStartFor } from './wallet-sync.js';

const RETRY_MS = 10_000;

export interface TowerOptions {
  datadir: string;
  pkg: TowerPackage;
  connect: string[];
  /** The least fee rate a cancel should pay (sat/vB); the peers' relay floor if higher. */
  minFeerate: number;
  print: (line: Record<string, unknown>) => void;
}

function outpoint(txidHex: string, vout: number): Uint8Array {
  return outpointBytes(hexToHash(txidHex)!, vout);
}

/** Deposit outpoints and unvault outputs: a peer relays any transaction spending one of them. */
export function towerWatchSet(pkg: TowerPackage): WatchSet {
  return {
    elements: [],
    outpoints: pkg.vaults.flatMap((v) => [outpoint(v.deposit.txid, v.deposit.vout), outpoint(v.unvaultTxid, 0)]),
    txids: [],
  };
}

export class WatchtowerRunner {
  private spv: SpvClient | undefined;
  private store: HeaderStore | undefined;
  private stopRelay: (() => void) | undefined;
  private readonly announced = new Set<string>();
  /** Unvaults already answered, so a transaction relayed twice is cancelled once. */
  private readonly handled = new Set<string>();

  constructor(private readonly opts: TowerOptions) {}

  async start(): Promise<void> {
    const network = this.opts.pkg.network as Network;
    const params = chainParams(network);
    const dir = path.join(networkPaths(this.opts.datadir, network).dir, 'watchtower');
    ensureDir(dir);
    this.store = HeaderStore.open(dir, params, chainStartFor(params, undefined));
    this.spv = new SpvClient({ params, store: this.store, ...(this.opts.connect.length > 0 ? { connect: this.opts.connect } : {}) });
    await this.spv.start();
    this.stopRelay = this.spv.watchRelay(
      towerWatchSet(this.opts.pkg),
      (tx) => void this.onTx(tx),
      (peer) => this.opts.print({ event: 'peer', peer: peer.address }),
    );
    this.opts.print({ event: 'watching', network, vaults: this.opts.pkg.vaults.length });
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
    const v = this.opts.pkg.vaults.find((x) => x.id === vault);
    if (typeof vault !== 'string' || typeof unvaultTxid !== 'string' || typeof signature !== 'string' || !v || v.unvaultTxid !== unvaultTxid || !verifyAnnouncement(this.opts.pkg, vault, unvaultTxid, signature)) {
      this.opts.print({ event: 'announcement-refused', reason: 'not signed by this wallet for one of its vaults' });
      return;
    }
    this.announced.add(unvaultTxid);
    this.opts.print({ event: 'announcement', vault, unvaultTxid });
  }

  private readonly retries = new Set<NodeJS.Timeout>();

  private async onTx(tx: Tx): Promise<void> {
    const spv = this.spv;
    if (!spv) return;
    const floor = (await spv.fees()).floor;
    for (const e of react(this.opts.pkg, tx, this.announced, Math.max(this.opts.minFeerate, floor))) {
      if (e.event !== 'cancel') {
        if (!this.handled.has(`${e.event}:${e.txid}`)) this.opts.print(e);
        this.handled.add(`${e.event}:${e.txid}`);
        continue;
      }
      if (this.handled.has(e.unvaultTxid)) continue;
      this.handled.add(e.unvaultTxid);
      const { hex: raw, ...cancel } = e;
      this.opts.print({ event: 'unvault', vault: e.vault, txid: e.unvaultTxid, announced: false });
      try {
        const peers = await spv.announce(hex.decode(raw));
        if (peers === 0) throw new Error('no peer took the cancel');
        this.opts.print({ ...cancel, peers });
      } catch (err) {
        // A peer announces a transaction once: do not wait to see the unvault again, retry.
        this.handled.delete(e.unvaultTxid);
        this.opts.print({ event: 'cancel-failed', vault: e.vault, cancelTxid: e.cancelTxid, reason: err instanceof Error ? err.message : 'error', retryInSeconds: RETRY_MS / 1000 });
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          void this.onTx(tx);
        }, RETRY_MS);
        this.retries.add(timer);
      }
    }
  }

  stop(): void {
    for (const t of this.retries) clearTimeout(t);
    this.stopRelay?.();
    this.spv?.stop();
    this.store?.close();
  }
}
