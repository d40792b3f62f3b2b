// The embedded full node: bcoin 1.0.2 running inside a Coffer core process, its chain under
// <datadir>/<network>/node, its JSON-RPC (Bitcoin Core's methods) on 127.0.0.1 behind a random key.
//
// The wallet talks to it through the same RPC source as to Bitcoin Core, so the node validates
// the chain and Coffer still checks headers and Merkle roots. bcoin 1.0.2 knows mainnet and
// regtest; it predates testnet4 and signet, so those networks cannot use it.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../api/errors.js';
import type { Network } from '../keys/networks.js';
import { RpcClient } from './rpc-client.js';
import { readTextFile } from '../service/files.js';

const require = createRequire(import.meta.url);

// bcoin has no type declarations; this is the part of its API Coffer uses.
interface BcoinNode {
  open(): Promise<void>;
  connect(): Promise<void>;
  startSync(): void;
  close(): Promise<void>;
  on(event: string, fn: (...args: unknown[]) => void): void;
  chain: { height: number; getProgress(): number; options: { prune: boolean } };
  pool: { peers: { size(): number }; discoverExternal: () => Promise<void> };
  http: { address(): { port: number } };
  rpc: { calls: Record<string, (args: unknown[], help: boolean) => Promise<unknown>> };
}

export interface NodeControl {
  pid: number;
  rpcPort: number;
  apiKey: string;
  network: Network;
  prune: boolean;
}

export interface NodeStatus {
  running: boolean;
  network: Network;
  pid?: number;
  height?: number;
  peers?: number;
  /** Verification progress, 0..1. */
  progress?: number;
  pruned?: boolean;
}

export function nodeDir(datadir: string, network: Network): string {
  return path.join(path.resolve(datadir), network, 'node');
}

function controlFile(datadir: string, network: Network): string {
  return path.join(nodeDir(datadir, network), 'coffer-node.json');
}

export function supportsEmbeddedNode(network: Network): boolean {
  return network === 'main' || network === 'regtest';
}

/** The running node's control data, or undefined when no live node process owns the data dir. */
export function readControl(datadir: string, network: Network): NodeControl | undefined {
  let c: NodeControl;
  try {
    c = JSON.parse(readTextFile(controlFile(datadir, network), 'state')) as NodeControl;
  } catch {
    return undefined;
  }
  // Another program may have written the file: a pid of 0 or below names a process group (-1: every process).
  if (!c || typeof c !== 'object' || !Number.isSafeInteger(c.pid) || c.pid <= 0) return undefined;
  if (!Number.isInteger(c.rpcPort) || c.rpcPort <= 0 || c.rpcPort > 65_535 || typeof c.apiKey !== 'string') return undefined;
  try {
    process.kill(c.pid, 0);
  } catch {
    return undefined;
  }
  return c;
}

/** An RPC client for the running embedded node; `node-not-running` otherwise. */
export function embeddedRpc(datadir: string, network: Network): RpcClient {
  const c = readControl(datadir, network);
  if (!c) {
    throw new CofferError('node-not-running', `The embedded node is not running; start it with: coffer --network ${network} node start`);
  }
  return new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey });
}

export interface StartOptions {
  datadir: string;
  network: Network;
  prune?: boolean;
  /** Peers to use exclusively, host:port. */
  connect?: string[];
}

export class EmbeddedNode {
  private stopping: Promise<void> | undefined;
  private onStopped!: () => void;
  /** Settles once the node has stopped: by stop(), or by its RPC's `stop` (`coffer node stop`). */
  readonly stopped = new Promise<void>((resolve) => (this.onStopped = resolve));

  private constructor(
    private readonly node: BcoinNode,
    readonly control: NodeControl,
    private readonly file: string,
  ) {
    // bcoin's own `stop` would close bcoin alone and leave this process and the control file
    // behind: the RPC's `stop` stops the whole embedded node, as stop() does.
    node.rpc.calls['stop'] = async () => {
      setImmediate(() => void this.stop().catch(() => undefined));
      return 'Stopping.';
    };
  }

  /** Open the node in this process, start syncing, and publish its control file. */
  static async start(opts: StartOptions): Promise<EmbeddedNode> {
    if (!supportsEmbeddedNode(opts.network)) {
      throw new CofferError('backend-unavailable', `The embedded node (bcoin 1.0.2) does not support ${opts.network}; use the light client or Bitcoin Core.`, {
        network: opts.network,
      });
    }
    const prefix = nodeDir(opts.datadir, opts.network);
    // bcoin keeps regtest data in <prefix>/regtest and expects the chain folder to exist.
    fs.mkdirSync(path.join(prefix, opts.network === 'main' ? '' : 'regtest', 'chain'), { recursive: true, mode: 0o700 });
    const bcoin = require('bcoin') as { FullNode: new (o: Record<string, unknown>) => BcoinNode };
    const apiKey = randomBytes(32).toString('hex');
    const node = new bcoin.FullNode({
      network: opts.network === 'main' ? 'main' : 'regtest',
      prefix,
      memory: false,
      prune: opts.prune ?? false,
      workers: false,
      listen: false,
      logLevel: 'info',
      logConsole: false,
      logFile: true,
      ...(opts.connect && opts.connect.length > 0 ? { only: opts.connect, seeds: [] } : opts.network === 'regtest' ? { seeds: [], nodes: [] } : {}),
      httpHost: '127.0.0.1',
      httpPort: 0,
      apiKey,
    });
    node.pool.discoverExternal = async () => {};
    try {
      await node.open();
      await node.connect();
    } catch (e) {
      await node.close().catch(() => undefined);
      // bcoin's database errors come from native code without a stack: this one says where.
      throw new Error(`The embedded node did not open: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    node.startSync();
    const control: NodeControl = { pid: process.pid, rpcPort: node.http.address().port, apiKey, network: opts.network, prune: opts.prune ?? false };
    const file = controlFile(opts.datadir, opts.network);
    fs.writeFileSync(file, JSON.stringify(control), { mode: 0o600 });
    return new EmbeddedNode(node, control, file);
  }

  status(): NodeStatus {
    return {
      running: true,
      network: this.control.network,
      pid: this.control.pid,
      height: this.node.chain.height,
      peers: this.node.pool.peers.size(),
      progress: Math.round(this.node.chain.getProgress() * 10_000) / 10_000,
      pruned: this.node.chain.options.prune,
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      fs.rmSync(this.file, { force: true });
      await this.node.close();
    })().finally(() => this.onStopped());
    return this.stopping;
  }
}

/** Status of the node process serving this data dir, asked over its RPC. */
export async function nodeStatus(datadir: string, network: Network): Promise<NodeStatus> {
  const c = readControl(datadir, network);
  if (!c) return { running: false, network };
  const rpc = new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey });
  try {
    const [info, peers] = await Promise.all([
      rpc.call<{ blocks: number; verificationprogress: number; pruned: boolean }>('getblockchaininfo'),
      rpc.call<number>('getconnectioncount'),
    ]);
    return { running: true, network, pid: c.pid, height: info.blocks, peers, progress: info.verificationprogress, pruned: info.pruned };
  } catch {
    return { running: false, network, pid: c.pid };
  }
}

/** A wallet script as an address bcoin's regtest understands (bcoin uses other prefixes than Core). */
export function bcoinAddress(script: Uint8Array, network: Network): string {
  const bcoin = require('bcoin') as {
    Address: { fromScript(s: unknown): { toString(n: string): string } | null };
    Script: { fromRaw(b: Buffer): unknown };
  };
  const a = bcoin.Address.fromScript(bcoin.Script.fromRaw(Buffer.from(script)));
  if (!a) throw new CofferError('invalid-address', 'That script has no address form the node accepts.');
  return a.toString(network === 'main' ? 'main' : 'regtest');
}
