// The open wallet's Lightning node as the core runs it: started once per process (one process per
// wallet holds `lightning.lock`), fed the chain by the sync loop, given fee rates refreshed every
// round, and stopped with the wallet. LDK itself loads only when the node starts.

import path from 'node:path';
import type { CofferEvent } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { hexToHash } from '../chain/bytes.js';
import { ChannelWatch } from '../channels/chain-watch.js';
// Type only: LDK (a second to load) is loaded when Lightning starts, not with every command.
import type { ChannelNode } from '../channels/channel-node.js';
import type { ChannelNodeOptions } from '../channels/options.js';
import { presetRate } from '../wallet/fees.js';
import { channelHost } from './channel-host.js';
import { networkPaths } from './datadir.js';
import { acquireLock, type LockFile } from './lock-file.js';
import type { Logger } from './log.js';
import type { SyncLoop } from './sync-loop.js';
import type { WalletService } from './wallet-service.js';
import type { WalletSync } from './wallet-sync.js';

export interface LightningRunnerHost {
  datadir: string;
  log: Logger;
  /** The open wallet, else `no-wallet`. */
  wallet(): WalletService;
  loop: SyncLoop;
  emit(e: CofferEvent): void;
}

export class LightningRunner {
  private readonly watches = new WeakMap<WalletService, ChannelWatch>();
  private running: { node: ChannelNode; lock: LockFile; watch: ChannelWatch } | undefined;
  private starting: Promise<ChannelNode> | undefined;
  /** Fee rates (sat/vB) LDK is given, refreshed every sync round while it runs. */
  private fees = { fast: 10, normal: 5, slow: 2 };

  constructor(private readonly host: LightningRunnerHost) {}

  /** The running node, if any. */
  get node(): ChannelNode | undefined {
    return this.running?.node;
  }

  /** The wallet's channel watch list: matched by every sync, whether or not Lightning runs. */
  watch(wallet: WalletService): ChannelWatch {
    let w = this.watches.get(wallet);
    if (!w) {
      w = new ChannelWatch(wallet.database);
      this.watches.set(wallet, w);
    }
    return w;
  }

  /** After each sync round: LDK's fee rates follow the source's estimates. */
  async afterSync(session: WalletSync): Promise<void> {
    if (this.running) await this.refreshFees(session);
  }

  private async refreshFees(session: WalletSync): Promise<void> {
    const w = this.host.wallet();
    try {
      const est = await session.fees();
      this.fees = { fast: presetRate(w, est, 'fast').feeRate, normal: presetRate(w, est, 'normal').feeRate, slow: presetRate(w, est, 'slow').feeRate };
    } catch {
      // keep the last rates
    }
  }

  /**
   * Start the Lightning node of the open wallet (once per process; one process per wallet holds it).
   * The wallet must be unlocked: the node's keys come from the seed.
   */
  start(opts: ChannelNodeOptions = {}): Promise<ChannelNode> {
    if (this.running) return Promise.resolve(this.running.node);
    const { loop, log } = this.host;
    this.starting ??= (async () => {
      const wallet = this.host.wallet();
      if (wallet.locked) throw new CofferError('wallet-locked', 'Unlock the wallet to start Lightning: its keys come from the seed.');
      const lock = acquireLock(path.join(networkPaths(this.host.datadir, wallet.network).dir, 'lightning.lock'), 'Lightning');
      try {
        // LDK starts from the chain as synced: the first round must have run.
        if (wallet.meta('tip_hash') === undefined) await loop.run();
        const tipHash = wallet.meta('tip_hash');
        if (tipHash === undefined) throw new CofferError('backend-unavailable', 'The chain has not been synced yet; Lightning starts after the first sync.');
        const session = await loop.ensure(wallet);
        await this.refreshFees(session);
        const { ChannelNode: Node } = await import('../channels/channel-node.js');
        const watch = this.watch(wallet);
        const node = await Node.start(
          channelHost(wallet, {
            log,
            broadcast: async (raw) => (await loop.ensure(wallet)).relay(raw),
            feeRates: () => this.fees,
            tip: () => ({ hash: hexToHash(wallet.meta('tip_hash') ?? '') ?? new Uint8Array(32), height: Number(wallet.meta('tip_height') ?? '0') }),
            watch,
            onBackupAlarm: (failing) => this.host.emit({ type: 'channel-backup', ...(failing ? { failing } : {}) }),
          }),
          opts,
        );
        this.running = { node, lock, watch };
        watch.attach(node);
        void loop.run();
        return node;
      } catch (e) {
        lock.release();
        throw e;
      }
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const c = this.running;
    if (!c) return;
    this.running = undefined;
    c.watch.attach(undefined);
    await c.node.stop();
    c.lock.release();
  }
}
