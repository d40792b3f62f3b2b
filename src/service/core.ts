// The running core behind the desktop app, the browser shell, the daemon and each command: the
// open wallet, its chain source and sync loop, and a dispatcher to the handlers in handlers/.

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parseCall, type AppStatus, type CofferEvent, type Method } from '../api/contract.js';
import { CofferError, toWireError, type Result } from '../api/errors.js';
import { isNetwork, NETWORKS, type Network } from '../keys/networks.js';
import { EmbeddedNode, readControl } from '../node/embedded-node.js';
import { RpcClient } from '../node/rpc-client.js';
import { sourceFactory, type SourceFactory } from '../node/source-factory.js';
import { networkPaths } from './datadir.js';
import { filePins } from './electrum-pins.js';
import { parseServerUrl } from '../node/electrum/client.js';
import { errorOrigin, fileLogger, type Logger } from './log.js';
import { hasChannelState } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { LightningRunner } from './lightning-runner.js';
import { TowerPusher } from './remote-towers.js';
import { SyncLoop } from './sync-loop.js';
import { presetRate } from '../wallet/fees.js';
import { WalletService } from './wallet-service.js';
// Type only: LDK (a second to load) is loaded when Lightning starts, not with every command.
import type { ChannelNode } from '../channels/channel-node.js';
import type { ChannelNodeOptions } from '../channels/options.js';
import { needsUnlock, readBackend, rpcAuthOf, type StoredBackend } from './backend-setting.js';
import { readTextFile } from './files.js';
import type { HandlerMap, SessionHost } from './handlers/handler.js';
import { nodeHandlers } from './handlers/node.js';
import { sessionHandlers } from './handlers/session.js';
import { displayHandlers } from './handlers/display.js';
import { settingsHandlers } from './handlers/settings.js';
import { vaultHandlers } from './handlers/vault.js';
import { towerHandlers } from './handlers/towers.js';
import { lightningNodeHandlers, lightningReadHandlers } from './handlers/lightning.js';
import { playgroundHandlers } from './handlers/playground.js';
import { PLAYGROUND_INBOUND, PlaygroundPeer } from './playground-peer.js';
import { spendHandlers } from './handlers/spend.js';
import { sendHandlers } from './handlers/send.js';
import { walletHandlers } from './handlers/wallet.js';
import { parseProxyUrl, type Socks5Proxy } from '../p2p/socks5.js';

export const VERSION = '0.1.0';

/**
 * A `coffer` command's own core (`command`): the process can read the wallet's database anyway,
 * so the app's lock screen does not gate reads (spends still need the password); it remembers no
 * network for the app, runs no sync timer (the command syncs when it needs to) and does not wait
 * for mempool announcements.
 */
export interface CoreOptions {
  command?: boolean;
}

/** What may be called while the wallet is locked; everything else shows wallet data and needs the password first. */
const WHILE_LOCKED = new Set<Method>(['app.status', 'app.open', 'app.activity', 'wallet.create', 'wallet.restore', 'wallet.playground', 'wallet.unlock', 'wallet.lock']);

export class Core extends EventEmitter<{ event: [CofferEvent] }> {
  private wallet: WalletService | undefined;
  private node: EmbeddedNode | undefined;
  /** The embedded node's start while under way: every caller waits for this one start. */
  private nodeStarting: Promise<EmbeddedNode> | undefined;
  /** How Lightning starts when the core starts it (the daemon sets its flags; unset: nodeOptions' defaults). */
  lightningOptions: ChannelNodeOptions | undefined;
  /** The chain source the daemon's command-line flags chose, instead of the wallet's setting. */
  private sourceOverride: SourceFactory | undefined;
  /** The proxy of the overriding source's peers (the command's --proxy), which Lightning's peers use too. */
  private proxyOverride: Socks5Proxy | undefined;
  private readonly log: Logger;
  private readonly loop: SyncLoop;
  private readonly ln: LightningRunner;
  /** The regtest playground's second Lightning node, once opened (playground-peer.ts). */
  private peer: Promise<PlaygroundPeer> | undefined;
  /** Pushes the vaults' package to remote towers until each acks (not in a command's core). */
  private readonly towers = new TowerPusher(
    () => this.wallet,
    (e) => this.log.warn('tower.push-failed', { code: e instanceof CofferError ? e.code : 'internal' }),
    () => this.proxy(),
  );
  /** One handler per contract method, by area in handlers/. */
  private readonly handlers: HandlerMap<Method>;

  constructor(
    readonly datadir: string,
    private readonly options: CoreOptions = {},
  ) {
    super();
    this.log = fileLogger(path.join(path.resolve(datadir), 'logs'));
    this.loop = new SyncLoop({
      datadir,
      log: this.log,
      command: options.command === true,
      wallet: () => this.wallet,
      sourceFactory: () => this.sourceFactory(),
      channelWatch: (w) => this.ln.watch(w),
      proxy: () => this.proxy(),
      afterSync: (session) => this.ln.afterSync(session),
      emit: (e) => this.emitEvent(e),
    });
    this.ln = new LightningRunner({ datadir, log: this.log, wallet: () => this.requireWallet(), loop: this.loop, emit: (e) => this.emitEvent(e) });
    const host = this.sessionHost();
    this.handlers = {
      ...sessionHandlers(host),
      ...settingsHandlers(host),
      ...displayHandlers(host),
      ...nodeHandlers(host),
      ...walletHandlers(host),
      ...sendHandlers(host),
      ...spendHandlers(host),
      ...vaultHandlers(host),
      ...towerHandlers(host),
      ...playgroundHandlers(host),
      ...lightningReadHandlers(() => this.requireWallet()),
      ...lightningNodeHandlers(() => this.startLightning(this.nodeOptions()), () => void this.loop.run()),
    };
  }

  /** Open the network used last, if it has a wallet. */
  async start(): Promise<void> {
    const last = this.appState().network;
    if (last && this.wallets().includes(last)) await this.open(last);
  }

  async stop(): Promise<void> {
    this.towers.stop();
    await this.stopPeer();
    await this.loop.halt();
    await this.ln.stop();
    await this.loop.close();
    this.wallet?.close();
    await this.stopNode();
    this.wallet = undefined;
  }

  /** Validate and run one call; never throws: errors come back as data. */
  async call(method: unknown, params: unknown): Promise<Result<unknown>> {
    const parsed = parseCall(method, params);
    if (!parsed) return { ok: false, error: { code: 'usage', message: 'Unknown method or malformed parameters.' } };
    try {
      if (!WHILE_LOCKED.has(parsed.method) && !this.options.command && this.wallet?.hasWallet() && this.wallet.locked) {
        throw new CofferError('wallet-locked', 'The wallet is locked; unlock it with your password.');
      }
      const handler = this.handlers[parsed.method] as (p: unknown) => unknown;
      return { ok: true, value: await handler(parsed.params) };
    } catch (e) {
      const error = toWireError(e);
      // The user sees only that something went wrong; the log says what, without the call's secrets.
      if (error.code === 'internal') this.log.error('core.internal-error', { method: parsed.method, ...errorOrigin(e, secretsOf(parsed.params)) });
      return { ok: false, error };
    }
  }

  private emitEvent(e: CofferEvent): void {
    this.emit('event', e);
  }

  private appFile(): string {
    return path.join(path.resolve(this.datadir), 'app.json');
  }

  private appState(): { network?: Network } {
    try {
      const s = JSON.parse(readTextFile(this.appFile(), 'state')) as { network?: string };
      return s.network && isNetwork(s.network) ? { network: s.network } : {};
    } catch {
      return {};
    }
  }

  private wallets(): Network[] {
    return NETWORKS.filter((n) => fs.existsSync(networkPaths(this.datadir, n).database)).filter((n) => {
      const w = WalletService.open({ datadir: this.datadir, network: n, logger: this.walletLog(n) });
      try {
        return w.hasWallet();
      } finally {
        w.close();
      }
    });
  }

  /**
   * A wallet's events go to its network's log, as a command's always did: an emptied database
   * beside them is a lost wallet, never a new one (datadir.ts, refuseLostWallet).
   */
  private walletLog(network: Network): Logger {
    return fileLogger(networkPaths(this.datadir, network).logs);
  }

  /** A wallet handle whose locking tells the UI, while it is the open one. */
  private walletService(network: Network): WalletService {
    const w: WalletService = WalletService.open({
      datadir: this.datadir,
      network,
      logger: this.walletLog(network),
      onLock: () => this.onWalletLocked(w),
    });
    return w;
  }

  private requireWallet(): WalletService {
    if (!this.wallet) throw new CofferError('no-wallet', 'No wallet is open; create or restore one first.');
    return this.wallet;
  }

  private backend(): StoredBackend {
    return this.wallet ? readBackend(this.wallet) : { kind: 'spv', connect: [] };
  }

  /** The wallet locked: a chain source that needed its key (an RPC password) is closed with it. */
  private onWalletLocked(w: WalletService): void {
    if (this.wallet !== w) return;
    this.emitEvent({ type: 'locked' });
    // The playground peer runs while the wallet is unlocked; its next call starts it again.
    void this.stopPeer();
    if (!this.sourceOverride && needsUnlock(this.backend())) {
      void (async () => {
        await this.loop.idle();
        if (this.wallet === w && w.locked) await this.loop.close();
      })();
    }
  }

  /** Open a network's wallet (or adopt one just made, `made`) and start its sync loop. */
  private async open(network: Network, made?: WalletService): Promise<void> {
    await this.stop();
    this.wallet = made ?? this.walletService(network);
    if (!this.options.command) {
      fs.mkdirSync(path.resolve(this.datadir), { recursive: true, mode: 0o700 });
      fs.writeFileSync(this.appFile(), JSON.stringify({ network }), { mode: 0o600 });
    }
    this.loop.begin(this.wallet, network);
    if (!this.options.command) this.towers.start();
  }

  /** The chain source for the open wallet's backend; starts the embedded node when asked for. */
  private async sourceFactory(): Promise<SourceFactory> {
    const wallet = this.requireWallet();
    if (this.sourceOverride) return this.sourceOverride;
    const b = this.backend();
    const proxy = this.proxy();
    if (b.kind === 'spv') return sourceFactory({ kind: 'spv', connect: b.connect, ...(proxy ? { proxy } : {}) }, this.log);
    if (b.kind === 'filters') return sourceFactory({ kind: 'filters', connect: b.connect, ...(b.relay === false ? { relay: false } : {}), ...(proxy ? { proxy } : {}) }, this.log);
    if (b.kind === 'electrum') {
      const dir = networkPaths(this.datadir, wallet.network).dir;
      return sourceFactory({ kind: 'electrum', servers: b.servers.map(parseServerUrl), pins: filePins(dir), ...(proxy ? { proxy } : {}) }, this.log);
    }
    let rpc: RpcClient;
    if (b.kind === 'node') {
      // A node another process runs (`coffer node start`) is used as it is; else this core starts its own.
      const running = this.node || this.nodeStarting ? undefined : readControl(this.datadir, wallet.network);
      const c = running ?? (await this.embeddedNode({ datadir: this.datadir, network: wallet.network, prune: b.prune, connect: b.connect })).control;
      rpc = new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey });
    } else {
      rpc = new RpcClient(b.url, rpcAuthOf(wallet, b));
    }
    return sourceFactory({ kind: b.kind, rpc }, this.log);
  }

  /**
   * This core's embedded node, started once: the first sync round and the playground's mining
   * both ask for it, and two starts on one data directory collide on bcoin's database lock.
   */
  private embeddedNode(opts: Parameters<typeof EmbeddedNode.start>[0]): Promise<EmbeddedNode> {
    if (this.node) return Promise.resolve(this.node);
    this.nodeStarting ??= EmbeddedNode.start(opts)
      .then((node) => (this.node = node))
      .finally(() => {
        this.nodeStarting = undefined;
      });
    return this.nodeStarting;
  }

  private async stopNode(): Promise<void> {
    await this.nodeStarting?.catch(() => undefined);
    const node = this.node;
    this.node = undefined;
    await node?.stop();
  }

  /** Whether this is the app's regtest playground: the embedded node, the wallet's own setting, not a command's core. */
  private inPlayground(): boolean {
    return !this.options.command && !this.sourceOverride && this.wallet?.network === 'regtest' && this.backend().kind === 'node';
  }

  /** The playground's peer, opened once the embedded node runs; only on the regtest playground. */
  private playgroundPeer(): Promise<PlaygroundPeer> {
    const w = this.requireWallet();
    if (!this.inPlayground()) {
      throw new CofferError('backend-unavailable', 'The playground peer runs only in the regtest playground (embedded node).');
    }
    this.peer ??= (async () => {
      await this.loop.ready(w);
      const control = this.node?.control ?? readControl(this.datadir, w.network);
      if (!control) throw new CofferError('node-not-running', 'The embedded node is not running.');
      return PlaygroundPeer.open(this.datadir, control, this.log, (dir) => new Core(dir));
    })().catch((e: unknown) => {
      this.peer = undefined;
      throw e;
    });
    return this.peer;
  }

  private async stopPeer(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    await (await peer?.catch(() => undefined))?.stop();
  }

  private status(): AppStatus {
    const w = this.wallet;
    const open = w?.hasWallet()
      ? { network: w.network, locked: w.locked, backend: this.backend().kind, fingerprint: w.info().fingerprint, backupConfirmed: w.meta('backup_confirmed') === '1' }
      : undefined;
    const failing = this.ln.node?.backupFailing;
    return { version: VERSION, wallets: this.wallets(), ...(open ? { open } : {}), sync: this.loop.state, ...(failing ? { channelBackupFailing: failing } : {}) };
  }

  /** What the handlers reach of the core. */
  private sessionHost(): SessionHost {
    return {
      datadir: this.datadir,
      log: this.log,
      command: this.options.command === true,
      wallet: () => this.requireWallet(),
      current: () => this.wallet,
      wallets: () => this.wallets(),
      walletService: (network) => this.walletService(network),
      open: (network, made) => this.open(network, made),
      status: () => this.status(),
      backend: () => this.backend(),
      syncSession: () => this.loop.ready(this.requireWallet()),
      sync: () => this.loop.run(),
      idle: () => this.loop.idle(),
      peers: () => this.loop.peers(),
      feeRate: (given, preset) => this.feeRate(given, preset),
      backendKind: () => this.backend().kind,
      pins: () => filePins(networkPaths(this.datadir, this.requireWallet().network).dir),
      backendChanged: async (kind) => {
        await this.loop.idle();
        await this.loop.close();
        if (kind !== 'node') await this.stopNode();
        void this.loop.run();
      },
      playgroundPeer: () => this.playgroundPeer(),
      lightning: () => this.startLightning(this.nodeOptions()),
      nodeControl: () => (this.wallet ? (this.node?.control ?? readControl(this.datadir, this.wallet.network)) : undefined),
      unlocked: (w) => {
        // A wallet with channels runs its Lightning node from unlock on: closes must be watched and
        // swept, and a revoked commitment answered, whether or not the channels screen is open.
        if (!this.ln.node && withDbErrors(() => hasChannelState(w.database))) {
          this.startLightning(this.nodeOptions()).catch((e: unknown) =>
            this.log.warn('ln.autostart-failed', e instanceof CofferError ? { code: e.code } : { code: 'internal', ...errorOrigin(e) }),
          );
        }
      },
      // A command's core stops once its call is done: the next command syncs first.
      changed: () => {
        if (!this.options.command) void this.loop.run();
      },
    };
  }

  /**
   * Start the Lightning node of the open wallet (once per process; one process per wallet holds it).
   * The wallet must be unlocked: the node's keys come from the seed.
   */
  startLightning(opts: ChannelNodeOptions = {}): Promise<ChannelNode> {
    // Lightning's peers go through the light client's proxy too.
    const proxy = this.proxy();
    return this.ln.start(proxy ? { ...opts, proxy } : opts);
  }

  /**
   * How the wallet's node starts when the core starts it: as set, else in the app's playground
   * taking the channel the playground peer offers (play money; the node does not listen, so only a
   * peer it dials can open one), else with the defaults.
   */
  private nodeOptions(): ChannelNodeOptions {
    if (this.lightningOptions) return this.lightningOptions;
    return this.inPlayground() ? { inbound: PLAYGROUND_INBOUND } : {};
  }

  /** The SOCKS5 proxy the wallet's peers go through: the command's --proxy, else the light client's setting. */
  private proxy(): Socks5Proxy | undefined {
    if (this.sourceOverride) return this.proxyOverride;
    const b = this.backend();
    return (b.kind === 'spv' || b.kind === 'filters' || b.kind === 'electrum') && b.proxy ? parseProxyUrl(b.proxy) : undefined;
  }

  /** Use this chain source (the daemon's flags, with their --proxy) rather than the stored backend setting. */
  overrideSource(source: SourceFactory, proxy?: Socks5Proxy): void {
    this.sourceOverride = source;
    this.proxyOverride = proxy;
    void this.loop.close();
  }

  /** The daemon's wallet stays unlocked while it runs (funding channels signs with the seed). */
  keepUnlocked(): void {
    this.requireWallet().keepUnlocked();
  }

  private async feeRate(given: number | undefined, preset: 'fast' | 'normal' | 'slow' | undefined): Promise<{ feeRate: number; source: string }> {
    const w = this.requireWallet();
    // A rate the user chose needs no estimate: do not wait for a running sync round.
    if (given !== undefined) return { feeRate: given, source: 'given' };
    return presetRate(w, await (await this.loop.ready(this.requireWallet())).fees(), preset ?? 'normal');
  }
}


/** The secret strings of a call's params (passwords, words, passphrases), to keep out of the log. */
function secretsOf(params: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if (/pass|mnemonic|secret/i.test(key) && v !== '') out.push(v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(params, '');
  return out;
}

