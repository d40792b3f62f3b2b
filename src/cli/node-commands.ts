// `coffer node start|status|stop|mine`: the embedded bcoin full node, run by a background Coffer
// process (`node run`) that owns the node's data and answers on a local RPC port.
//
// The control file (<datadir>/<network>/node/coffer-node.json) names the node's pid, RPC port and
// key, but any local program that can write it could name another process: `node stop` asks the
// node over its RPC to stop, and signals the pid only if its command line is the one `node start`
// runs for this data directory (Linux: /proc/<pid>/cmdline); otherwise it refuses.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CofferError } from '../api/errors.js';
import { addressToScript } from '../keys/address.js';
import type { Network } from '../keys/networks.js';
import { bcoinAddress, EmbeddedNode, embeddedRpc, nodeStatus, readControl, supportsEmbeddedNode, type NodeControl } from '../node/embedded-node.js';
import { RpcClient } from '../node/rpc-client.js';
import { networkPaths } from '../service/datadir.js';
import { readTextFile } from '../service/files.js';
import { installPath } from '../service/install-dir.js';
import { connectList } from './backend.js';
import { stringOption, type Command, type Context } from './command.js';

const START_TIMEOUT_MS = 60_000;

function requireSupported(ctx: Context): void {
  if (!supportsEmbeddedNode(ctx.network)) {
    throw new CofferError('backend-unavailable', `The embedded node (bcoin 1.0.2) does not support ${ctx.network}; use the light client or Bitcoin Core.`);
  }
  if (ctx.options['proxy'] !== undefined) throw new CofferError('usage', 'The embedded node cannot use --proxy; the light client (--backend filters or spv) can.', { field: 'proxy' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The arguments `node start` runs the node with (after node's own path). */
function runnerArgs(datadir: string, network: Network): string[] {
  return [installPath('bin', 'coffer.js'), '--datadir', path.resolve(datadir), '--network', network, 'node', 'run'];
}

/** Is process `pid` the node `node start` ran for this data directory? Known on Linux only. */
function isNodeRunner(pid: number, datadir: string, network: Network): boolean {
  if (process.platform !== 'linux') return false;
  let argv: string[];
  try {
    argv = readTextFile(`/proc/${pid}/cmdline`, 'state', 'process command line').split('\0');
  } catch {
    return false;
  }
  const want = runnerArgs(datadir, network);
  return want.every((a, i) => argv[i + 1] === a);
}

/** Ask the node to stop over its RPC; failing that, signal its process if it is verifiably the node. */
async function askToStop(c: NodeControl, datadir: string, network: Network): Promise<void> {
  try {
    await new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey }).call('stop');
    return;
  } catch {
    // No node answered with the control file's key: maybe one too busy to answer, maybe no node at all.
  }
  if (!isNodeRunner(c.pid, datadir, network)) {
    throw new CofferError(
      'node-unverified',
      `No node answers on the RPC port the control file names, and process ${c.pid} is not the embedded node Coffer started for this data directory; nothing was stopped.`,
      { pid: c.pid, rpcPort: c.rpcPort },
    );
  }
  process.kill(c.pid, 'SIGTERM');
}

export const nodeCommands: Command[] = [
  {
    words: ['node', 'start'],
    summary: 'start the embedded full node in the background (bcoin; main and regtest)',
    options: { prune: { type: 'boolean', help: 'keep only recent blocks' } },
    async run(ctx) {
      requireSupported(ctx);
      if (readControl(ctx.datadir, ctx.network)) return nodeStatus(ctx.datadir, ctx.network);
      const logs = networkPaths(ctx.datadir, ctx.network).logs;
      fs.mkdirSync(logs, { recursive: true, mode: 0o700 });
      const out = fs.openSync(path.join(logs, 'node.log'), 'a', 0o600);
      const args = runnerArgs(ctx.datadir, ctx.network);
      if (ctx.options['prune']) args.push('--prune');
      for (const c of connectList(ctx)) args.push('--connect', c);
      const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
      child.unref();
      fs.closeSync(out);
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const s = await nodeStatus(ctx.datadir, ctx.network);
        if (s.running) return s;
        if (child.exitCode !== null) break;
        await sleep(200);
      }
      throw new CofferError('backend-unavailable', `The embedded node did not start; see ${path.join(logs, 'node.log')}.`);
    },
  },
  {
    words: ['node', 'run'],
    summary: 'run the embedded full node in the foreground (what node start runs)',
    options: { prune: { type: 'boolean', help: 'keep only recent blocks' } },
    async run(ctx) {
      requireSupported(ctx);
      if (readControl(ctx.datadir, ctx.network)) throw new CofferError('backend-unavailable', 'The embedded node is already running.');
      const node = await EmbeddedNode.start({ datadir: ctx.datadir, network: ctx.network, prune: ctx.options['prune'] === true, connect: connectList(ctx) });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        // `node stop` asked over the RPC.
        void node.stopped.then(stop);
      });
      await node.stop();
      return undefined;
    },
  },
  {
    words: ['node', 'status'],
    summary: 'is the embedded node running; its height, peers and verification progress',
    run: (ctx) => nodeStatus(ctx.datadir, ctx.network),
  },
  {
    words: ['node', 'stop'],
    summary: 'stop the embedded node',
    async run(ctx) {
      const c = readControl(ctx.datadir, ctx.network);
      if (!c) return { stopped: true, wasRunning: false };
      await askToStop(c, ctx.datadir, ctx.network);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && readControl(ctx.datadir, ctx.network)) await sleep(200);
      if (readControl(ctx.datadir, ctx.network)) throw new CofferError('backend-error', 'The embedded node did not stop within a minute.');
      return { stopped: true, wasRunning: true };
    },
  },
  {
    words: ['node', 'mine'],
    summary: 'regtest: mine N blocks with the embedded node (to the next wallet address by default)',
    args: { names: 'N', min: 1, max: 1 },
    options: { address: { type: 'string', value: 'ADDR', help: 'pay the block rewards here' } },
    async run(ctx) {
      if (ctx.network !== 'regtest') throw new CofferError('usage', 'node mine works on regtest only');
      const n = ctx.positionals[0] ?? '';
      if (!/^\d{1,4}$/.test(n) || Number(n) < 1) throw new CofferError('usage', 'node mine takes a number of blocks (1-9999)');
      const rpc = embeddedRpc(ctx.datadir, ctx.network);
      const address = stringOption(ctx, 'address') ?? ctx.wallet().nextAddress().address;
      const target = bcoinAddress(addressToScript(address, ctx.network), ctx.network);
      const blocks = await rpc.call<string[]>('generatetoaddress', [Number(n), target]);
      const height = await rpc.call<number>('getblockcount');
      return { blocks, height, address };
    },
  },
];
