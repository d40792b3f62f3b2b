// `watchtower serve`'s server: wallets connect over Noise (the tower's static key is its id), push
// their keyless package signed by their announcement key, and get an ack with the tower's tip.
// Each wallet's newest push is kept apart under wallets/<announceKey>.json (written and flushed
// before the ack), with any vault an earlier push had; the runner guards the union of them all,
// and a new push takes effect at once.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { CofferError } from '../api/errors.js';
import type { Network } from '../keys/networks.js';
import type { SourceFactory } from '../node/source-factory.js';
import { decidePush, keepForgotten, parsePush, type Reply, type StoredPush } from '../net/tower-protocol.js';
import { parsePackage, requireScripts, unionPackage, type TowerPackage } from '../vaults/watchtower.js';
import { ensureDir, networkPaths } from './datadir.js';
import { readTextFile } from './files.js';
import { towerKey } from './tower-files.js';
import { writeBackupFile } from '../channels/channel-backup.js';
import { walletHandshake, type TowerChannel } from './tower-wire.js';
import { WatchtowerRunner } from './watchtower-runner.js';

const HANDSHAKE_MS = 10_000;
/** A connection with nothing to say for this long is closed. */
const IDLE_MS = 60_000;
const MAX_CONNECTIONS = 32;
const WALLET_FILE = /^([0-9a-f]{64})\.json$/;

export interface TowerServerOptions {
  datadir: string;
  network: Network;
  host: string;
  port: number;
  source: SourceFactory;
  minFeerate: number;
  /** The source matches output scripts only (compact filters): packages without them are refused. */
  scriptsOnly?: boolean;
  /** How many wallets' packages the tower holds at most (a new wallet past it is refused). */
  maxWallets: number;
  print: (line: Record<string, unknown>) => void;
}

interface Held extends StoredPush {
  /** What the tower guards for this wallet: the pushed package and the vaults earlier ones had (keepForgotten). */
  pkg: TowerPackage;
}

/** A wallet's file: its newest push as signed, and what is guarded (when earlier vaults were kept). */
interface WalletFile extends StoredPush {
  guarded?: string;
}

export class TowerServer {
  private readonly wallets = new Map<string, Held>();
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private runner: WatchtowerRunner | undefined;
  private secret: Uint8Array | undefined;
  private id = new Uint8Array(0);
  private dir = '';

  constructor(private readonly opts: TowerServerOptions) {}

  /** Loads the key and the wallets, listens, prints `listening`, then starts guarding. */
  async start(): Promise<void> {
    const dir = path.join(networkPaths(this.opts.datadir, this.opts.network).dir, 'watchtower');
    this.dir = path.join(dir, 'wallets');
    ensureDir(this.dir);
    this.secret = towerKey(dir);
    this.id = secp256k1.getPublicKey(this.secret, true);
    this.loadWallets();
    const { datadir, source, minFeerate, print } = this.opts;
    this.runner = new WatchtowerRunner({ datadir, pkg: this.union(), source, minFeerate, print });
    const server = net.createServer((s) => void this.serve(s));
    server.maxConnections = MAX_CONNECTIONS;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL'
            ? new CofferError('port-unavailable', `The tower cannot listen on ${this.opts.host}:${this.opts.port} (${e.code}).`)
            : e,
        ),
      );
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address() as net.AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    print({ event: 'listening', id: hex.encode(this.id), address: `${host}:${addr.port}`, network: this.opts.network, wallets: this.wallets.size });
    await this.runner.start();
  }

  private union(): TowerPackage {
    return unionPackage(this.opts.network, [...this.wallets.values()].map((w) => w.pkg));
  }

  /** The pushes kept from earlier runs; one that no longer parses is told and left out. */
  private loadWallets(): void {
    for (const name of fs.readdirSync(this.dir).sort()) {
      const key = WALLET_FILE.exec(name)?.[1];
      if (!key) continue;
      try {
        const stored = JSON.parse(readTextFile(path.join(this.dir, name), 'package')) as WalletFile;
        const pkg = parsePackage(stored.guarded ?? stored.package);
        if (this.opts.scriptsOnly) requireScripts(pkg);
        if (pkg.announceKey !== key || pkg.network !== this.opts.network || !Number.isSafeInteger(stored.version)) throw new Error('not this wallet');
        this.wallets.set(key, { version: stored.version, package: stored.package, signature: stored.signature, pkg });
      } catch (e) {
        this.opts.print({ event: 'wallet-unreadable', wallet: key, reason: e instanceof Error ? e.message : 'error' });
      }
    }
  }

  private async serve(socket: net.Socket): Promise<void> {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    let channel: TowerChannel;
    try {
      channel = await walletHandshake(socket, this.secret!, HANDSHAKE_MS);
    } catch {
      socket.destroy();
      return;
    }
    try {
      for (;;) channel.send(this.handle(await channel.next()));
    } catch {
      socket.destroy();
    }
  }

  /** One message from a wallet: a push, answered with an ack or a refusal. */
  private handle(message: unknown): Reply {
    let push;
    try {
      push = parsePush(message);
    } catch (e) {
      return { type: 'refused', reason: 'message', message: e instanceof Error ? e.message : 'not a push' };
    }
    const stored = this.wallets.get(push.announceKey);
    if (!stored && this.wallets.size >= this.opts.maxWallets) {
      return { type: 'refused', reason: 'full', message: `This tower holds the packages of ${this.opts.maxWallets} wallets, its limit.` };
    }
    const height = this.runner!.tip();
    const d = decidePush(push, { towerId: this.id, network: this.opts.network, stored, height });
    if (!d.store) return d.reply;
    const pkg = keepForgotten(stored?.pkg, d.pkg);
    try {
      if (this.opts.scriptsOnly) requireScripts(pkg);
    } catch (e) {
      return { type: 'refused', reason: 'package', message: e instanceof Error ? e.message : 'The package has no output scripts.' };
    }
    const file: WalletFile = { version: push.version, package: push.package, signature: push.signature, ...(pkg === d.pkg ? {} : { guarded: JSON.stringify(pkg) }) };
    writeBackupFile(path.join(this.dir, `${push.announceKey}.json`), new TextEncoder().encode(JSON.stringify(file)), 'wallet package');
    this.wallets.set(push.announceKey, { version: push.version, package: push.package, signature: push.signature, pkg });
    this.opts.print({ event: 'push', wallet: push.announceKey, version: push.version, vaults: pkg.vaults.length, ...(pkg === d.pkg ? {} : { kept: pkg.vaults.length - d.pkg.vaults.length }) });
    this.runner!.load(this.union());
    return { type: 'ack', version: push.version, height };
  }

  stop(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
    this.runner?.stop();
    this.secret?.fill(0);
  }
}
