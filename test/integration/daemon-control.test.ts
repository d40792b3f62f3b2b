// `coffer daemon`'s control endpoint under hostile bodies, and the daemon's ways out: an
// authenticated request whose body is JSON but not a call (null, an array, a number, a string,
// deep nesting) gets a usage error and the daemon goes on answering; SIGTERM, SIGINT and an error
// nothing caught each leave no cookie and no daemon.json behind, and the Lightning lock free.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDaemon } from '../../src/service/daemon.js';
import { acquireLock } from '../../src/service/lock-file.js';
import { party, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const PRELOAD = path.resolve('test/helpers/fail-on-signal.mjs');

let node: RegtestNode;
let p: Party;

beforeAll(async () => {
  node = await startNode();
  p = await party(node, tmpDir('coffer-daemon-'), []);
});
afterAll(async () => {
  if (p) await stopDaemon(p);
  await node?.close();
});

const networkDir = () => path.join(p.dir, 'regtest');
const leftovers = () => ['daemon.cookie', 'daemon.json'].filter((f) => fs.existsSync(path.join(networkDir(), f)));

function lockFree(): boolean {
  try {
    acquireLock(path.join(networkDir(), 'lightning.lock'), 'Lightning').release();
    return true;
  } catch {
    return false;
  }
}

async function post(body: string): Promise<{ status: number; reply: any }> {
  const d = findDaemon(p.dir, 'regtest')!;
  const res = await fetch(`http://127.0.0.1:${d.port}/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.cookie}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, reply: await res.json() };
}

function exitOf(p: Party): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = p.daemon!.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the daemon', () => {
  it('answers bodies that are JSON but not a call with a usage error, and goes on answering', async () => {
    await startDaemon(node, p);
    const depth = 100_000;
    const bodies = [
      'null',
      '[]',
      '[{"method":"app.status"}]',
      '5',
      '"app.status"',
      'true',
      '{"method":null}',
      '{"method":{"toString":1},"params":[]}',
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
      `{"method":"app.status","params":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    ];
    for (const body of bodies) {
      const r = await post(body);
      expect(r.reply, body.slice(0, 40)).toMatchObject({ ok: false, error: { code: 'usage' } });
      expect([200, 400]).toContain(r.status);
      expect(await p.call('app.status')).toMatchObject({ open: { network: 'regtest' } });
    }
    expect(p.daemon!.child.exitCode).toBeNull();
    expect(lockFree()).toBe(false);
  });

  it('SIGTERM and SIGINT: stops with status 0, no cookie, no daemon.json, the lock free', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      if (!findDaemon(p.dir, 'regtest')) await startDaemon(node, p);
      expect(leftovers()).toEqual(['daemon.cookie', 'daemon.json']);
      const exited = exitOf(p);
      await stopDaemon(p, signal);
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(leftovers()).toEqual([]);
      expect(lockFree()).toBe(true);
    }
  });

  it('an uncaught exception: one error line, status 1, no cookie, no daemon.json, the lock free', async () => {
    await startDaemon(node, p, { env: { NODE_OPTIONS: `--import ${PRELOAD}`, COFFER_TEST_FAIL: 'exception' } });
    let stderr = '';
    p.daemon!.child.stderr!.on('data', (d) => (stderr += d));
    const exited = exitOf(p);
    p.daemon!.child.kill('SIGUSR2');
    expect(await exited).toEqual({ code: 1, signal: null });
    expect(stderr).toBe('error: internal: An unexpected internal error occurred.\n');
    expect(leftovers()).toEqual([]);
    expect(lockFree()).toBe(true);
  });
});
