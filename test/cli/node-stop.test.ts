// `coffer node stop` stops Coffer's embedded node and nothing else: the control file
// (<datadir>/regtest/node/coffer-node.json) is a file another local program could write, so a pid
// it names is signalled only when that process is the node `node start` ran for this data directory.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coffer, type RunResult } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const controlFile = (dir: string) => path.join(dir, 'regtest', 'node', 'coffer-node.json');
const node = (dir: string, ...args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', 'node', ...args]);
const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** A control file as the node writes it, with the given pid; port 1 by default: no RPC answers there. */
function writeControl(dir: string, pid: number, rpcPort = 1, apiKey = 'ab'.repeat(32)): void {
  fs.mkdirSync(path.dirname(controlFile(dir)), { recursive: true });
  fs.writeFileSync(controlFile(dir), JSON.stringify({ pid, rpcPort, apiKey, network: 'regtest', prune: false }));
}

const children: ChildProcess[] = [];
const started: string[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const dir of started) await node(dir, 'stop');
});

describe('coffer node stop', () => {
  it('refuses a control file naming another process (no RPC answering) with node-unverified, and that process lives on', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    const pid = sleeper.pid!;
    const dir = tmpDir();
    writeControl(dir, pid);
    const r = await node(dir, 'stop');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: node-unverified: .*nothing was stopped/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(pid)).toBe(true);
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();
    // A process-group pid (-1 is every process of the user) is no node at all.
    writeControl(dir, -1);
    expect(ok(await node(dir, 'stop'))).toEqual({ stopped: true, wasRunning: false });
    expect(alive(pid)).toBe(true);
  });

  it('stops the real embedded node over its RPC, and by signal when its RPC does not answer', { timeout: 180_000 }, async () => {
    const dir = tmpDir();
    started.push(dir);
    // Asked over the RPC: the node closes, removes its control file, and its process exits. The
    // pid in the file is not what is stopped: here it names a bystander, which lives on.
    const first = ok(await node(dir, 'start'));
    expect(first).toMatchObject({ running: true });
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(bystander);
    const control = JSON.parse(fs.readFileSync(controlFile(dir), 'utf8')) as { pid: number; rpcPort: number; apiKey: string };
    expect(control.pid).toBe(first.pid);
    writeControl(dir, bystander.pid!, control.rpcPort, control.apiKey);
    expect(ok(await node(dir, 'stop'))).toEqual({ stopped: true, wasRunning: true });
    await waitGone(first.pid);
    expect(fs.existsSync(controlFile(dir))).toBe(false);
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    // RPC unreachable (the control file now names a closed port): the process is the node runner
    // of this data directory (its command line says so), so it gets SIGTERM.
    const second = ok(await node(dir, 'start'));
    writeControl(dir, second.pid);
    expect(ok(await node(dir, 'stop'))).toEqual({ stopped: true, wasRunning: true });
    await waitGone(second.pid);
    expect(ok(await node(dir, 'status')).running).toBe(false);
  });
});

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(pid), `node process ${pid} still running`).toBe(false);
}
