// Coffer wallets and daemons for Lightning tests and benchmarks: a funded regtest wallet in its
// own data directory, `coffer daemon` started on it, talking to one bcoin node, and what polls read of it.

import { spawn, type ChildProcess } from 'node:child_process';
import { callDaemon, findDaemon } from '../../src/service/daemon.js';
import { BIN, coffer, type RunResult } from './cli.js';
import type { RegtestNode } from './regtest.js';

export const PASSWORD_ENV = { COFFER_PASSWORD: 'integration password' };

export interface Party {
  dir: string;
  mnemonic: string;
  run: (args: string[]) => Promise<RunResult>;
  daemon?: { child: ChildProcess; nodeId: string; listen?: number; listenHost?: string };
  /** Call the running daemon's API directly (no process per call). */
  call<T>(method: string, params?: unknown): Promise<T>;
}

function must(r: RunResult): any {
  if (r.code !== 0) throw new Error(`coffer failed: ${r.stderr}`);
  return r.json;
}

/** A new regtest wallet in `dir`; `fundSats` (one payment per entry) mined into it. */
export async function party(node: RegtestNode, dir: string, fundSats: number[], extraArgs: string[] = []): Promise<Party> {
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', node.address, ...extraArgs, ...args], { env: PASSWORD_ENV });
  const { mnemonic } = must(await run(['wallet', 'create'])) as { mnemonic: string };
  for (const sats of fundSats) await node.send(must(await run(['wallet', 'address'])).address, sats);
  if (fundSats.length > 0) await node.mine(1);
  must(await run(['sync', '--mempool-wait', '0']));
  return {
    dir,
    mnemonic,
    run,
    call: daemonCall(dir),
  };
}

/** Calls of the API of the daemon running on `dir`. */
export function daemonCall(dir: string): Party['call'] {
  return <T>(method: string, params: unknown = {}) => {
    const d = findDaemon(dir, 'regtest');
    if (!d) throw new Error('no daemon');
    return callDaemon<T>(d, method, params);
  };
}

export interface DaemonOptions {
  /** Accept peers: `--ln-listen PORT` (no host: the daemon's default, 127.0.0.1), port 0 unless `port`. */
  listen?: boolean;
  port?: number;
  /** `--ln-accept-inbound`: peers may open channels to it. */
  inbound?: boolean;
  /** Flags before the command (backend) and after it (the daemon's own). */
  args?: string[];
  daemonArgs?: string[];
  env?: Record<string, string>;
}

/** Start `coffer daemon` against `node` (bcoin, or btcd's P2P address with `args` naming the backend); resolves with what it prints once Lightning runs. */
export function startDaemon(node: Pick<RegtestNode, 'address'>, p: Party, opts: DaemonOptions = {}): Promise<NonNullable<Party['daemon']>> {
  return new Promise((resolve, reject) => {
    const args = [
      BIN,
      '--datadir',
      p.dir,
      '--network',
      'regtest',
      '--connect',
      node.address,
      ...(opts.args ?? []),
      'daemon',
      ...(opts.listen ? ['--ln-listen', String(opts.port ?? 0)] : []),
      ...(opts.inbound ? ['--ln-accept-inbound'] : []),
      ...(opts.daemonArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...PASSWORD_ENV, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const debug = process.env['COFFER_TEST_DEBUG'] ? (s: string) => process.stderr.write(`[${p.dir.slice(-6)}] ${s}`) : () => {};
    child.stderr.on('data', (d) => {
      err += d;
      debug(String(d));
    });
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line && p.daemon?.child !== child) {
        const info = JSON.parse(line) as { nodeId: string; listen?: number; listenHost?: string };
        p.daemon = { child, nodeId: info.nodeId, ...(info.listen !== undefined ? { listen: info.listen } : {}), ...(info.listenHost !== undefined ? { listenHost: info.listenHost } : {}) };
        resolve(p.daemon);
      }
    });
    child.on('exit', (code, signal) => {
      debug(`daemon exited ${code} ${signal}\n`);
      reject(new Error(`daemon exited ${code ?? signal}: ${err.slice(-2000)}`));
    });
  });
}

/** Whether the party's daemon is up: its wallet and Lightning commands are then calls of its API. */
export function daemonRunning(p: Party): boolean {
  const child = p.daemon?.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * What polls read: with the daemon up, straight from its API (`channel.list`, and `wallet.summary`
 * for the balance and the tip, without a process per look); else the command itself.
 */
export const reads = {
  async channels(p: Party): Promise<any[]> {
    return daemonRunning(p) ? p.call<any[]>('channel.list') : must(await p.run(['channel', 'list']));
  },
  async balance(p: Party): Promise<number> {
    return daemonRunning(p) ? (await p.call<{ confirmed: number }>('wallet.summary')).confirmed : must(await p.run(['wallet', 'balance'])).confirmed;
  },
  async tip(p: Party): Promise<number> {
    return daemonRunning(p) ? (await p.call<{ tipHeight: number }>('wallet.summary')).tipHeight : must(await p.run(['wallet', 'info'])).tipHeight;
  },
};

/** Stop a daemon: SIGTERM (it saves and closes), or SIGKILL to cut it off mid-flight. */
export async function stopDaemon(p: Party, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = p.daemon?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
