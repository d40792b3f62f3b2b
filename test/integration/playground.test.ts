// The regtest playground: the embedded node alone, mining to the wallet, no outside node at all;
// from the CLI, and from the core as the app starts it (the first sync round and the mining both
// want the node: one start serves both).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/api/errors.js';
import { EmbeddedNode } from '../../src/node/embedded-node.js';
import { Core } from '../../src/service/core.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
const dir = tmpDir();
const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};
afterAll(async () => {
  await run(['node', 'stop']);
});

describe('regtest playground', () => {
  it('starts a node, mines to the wallet, syncs through it, spends, stops', async () => {
    ok(await run(['wallet', 'create']));
    expect(ok(await run(['node', 'status']))).toEqual({ running: false, network: 'regtest' });
    expect((await run(['--backend', 'node', 'sync'])).stderr).toMatch(/^error: node-not-running: /);
    const started = ok(await run(['node', 'start', '--prune']));
    expect(started).toMatchObject({ running: true, height: 0, pruned: true });
    // bcoin's regtest enforces segwit only from height 432; a segwit wallet spends after that.
    const mined = ok(await run(['node', 'mine', '440']));
    expect(mined.blocks).toHaveLength(440);
    expect(mined.height).toBe(440);
    const s = ok(await run(['--backend', 'node', 'sync', '--mempool-wait', '0']));
    // A coinbase is spendable with 101 confirmations (as in Bitcoin Core's wallet): heights 1..340.
    // bcoin's regtest halves the subsidy every 150 blocks (50, 25, 12.5 BTC).
    const reward = (h: number) => Math.floor(5_000_000_000 / 2 ** Math.floor(h / 150));
    const sum = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => reward(from + i)).reduce((n, x) => n + x, 0);
    expect(s.balance).toEqual({ confirmed: sum(1, 340), unconfirmed: 0, immature: sum(341, 440) });
    const fees = ok(await run(['--backend', 'node', 'wallet', 'fees']));
    expect(fees.normal).toBeGreaterThanOrEqual(fees.floor);
    expect(typeof fees.source).toBe('string');
    const { address } = ok(await run(['wallet', 'address']));
    const sent = ok(await run(['--backend', 'node', 'wallet', 'send', '--to', address, '--amount', '100000000', '--feerate', '2']));
    ok(await run(['node', 'mine', '1']));
    ok(await run(['--backend', 'node', 'sync', '--mempool-wait', '0']));
    expect(ok(await run(['wallet', 'history'])).find((h: { txid: string }) => h.txid === sent.txid)).toMatchObject({ amount: -sent.fee, confirmations: 1 });
    expect((await run(['node', 'mine', '1', '--address', 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'])).stderr).toMatch(/^error: wrong-network: /);
    expect(ok(await run(['node', 'stop']))).toEqual({ stopped: true, wasRunning: true });
    expect(ok(await run(['node', 'status'])).running).toBe(false);
    expect((await coffer(['--datadir', dir, '--network', 'signet', 'node', 'start'])).stderr).toMatch(/^error: backend-unavailable: .*signet/);
  });
});

const PLAYGROUND_PASSWORD = 'playground password';
const coreLog = (datadir: string) => {
  try {
    return fs.readFileSync(path.join(datadir, 'logs', 'coffer.log'), 'utf8');
  } catch {
    return '';
  }
};

describe('the playground started from the core, as the app starts it', () => {
  it('starts 20 times in 20 fresh data directories, every time with mined coins and no internal error', async () => {
    const failures: string[] = [];
    // Four at a time (each a core of its own with its own embedded node): a start spends much of
    // its time waiting, and starts side by side load the machine more than one after another.
    const lanes = 4;
    const lane = async (first: number) => {
      for (let i = first; i < 20; i += lanes) await start(i);
    };
    const start = async (i: number) => {
      const datadir = tmpDir('coffer-playground-');
      const core = new Core(datadir);
      await core.start();
      try {
        const r = await core.call('wallet.playground', { password: PLAYGROUND_PASSWORD });
        if (!r.ok) {
          failures.push(`run ${i}: ${r.error.code}: ${r.error.message}`);
        } else {
          const summary = (await core.call('wallet.summary', {})) as Result<{ confirmed: number; tipHeight: number }>;
          if (!summary.ok || summary.value.tipHeight !== 440 || summary.value.confirmed <= 0) failures.push(`run ${i}: summary ${summary.ok ? `tipHeight ${summary.value.tipHeight}, confirmed ${summary.value.confirmed}` : summary.error.code}`);
        }
      } finally {
        await core.stop();
      }
      const log = coreLog(datadir);
      if (log.includes('internal-error')) failures.push(`run ${i}: log: ${log.split('\n').filter((l) => l.includes('internal-error')).join(' / ')}`);
    };
    await Promise.all(Array.from({ length: lanes }, (_, first) => lane(first)));
    expect(failures).toEqual([]);
  }, 600_000);

  it('logs an internal error with its message and stack, and answers the user with neither', async () => {
    const datadir = tmpDir('coffer-playground-');
    // An embedded node already holds this data directory's chain, with no control file to say so
    // (as after a crash of its process's bookkeeping): bcoin refuses the second open.
    const squatter = await EmbeddedNode.start({ datadir, network: 'regtest' });
    fs.rmSync(path.join(datadir, 'regtest', 'node', 'coffer-node.json'));
    const core = new Core(datadir);
    await core.start();
    try {
      const r = await core.call('wallet.playground', { password: PLAYGROUND_PASSWORD });
      expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'An unexpected internal error occurred.' } });
      const line = coreLog(datadir).split('\n').find((l) => l.includes('core.internal-error'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line!) as Record<string, string>;
      expect(entry['method']).toBe('wallet.playground');
      expect(entry['message']).toMatch(/lock/i);
      expect(entry['stack']).toMatch(/^at /);
      expect(line).not.toContain(PLAYGROUND_PASSWORD);
    } finally {
      await core.stop();
      await squatter.stop();
    }
  });
});
