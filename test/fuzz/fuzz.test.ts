// The fuzz suite of issue 14: every CLI command and every core API method fed random and boundary
// input (empty, huge, negative, NaN, unicode, /dev/zero, a FIFO, deep JSON), each answering a typed
// error (or a value) within 5 s plus the time of the two scrypt runs a case may legitimately need
// (changing the password: open with the old, seal with the new), timed on this machine at the
// start (CASE_LIMIT_MS in fuzz-kit.ts). Both suites share one funded wallet made from a real
// regtest node that is stopped before the first case. Seeded and reproducible (see fuzz-kit.ts):
//
//   COFFER_FUZZ_SEED=1234 npx vitest run test/fuzz/fuzz.test.ts      another seed
//   COFFER_FUZZ_SEED=1234 COFFER_FUZZ_CASE=17 ...                      one case of each suite
//   COFFER_FUZZ_CLI_CASES, COFFER_FUZZ_CORE_CASES                       more (or fewer) cases
//   COFFER_FUZZ_SLOW=500                                                print cases slower than 500 ms
//
// A failure prints the case's seed, number and input.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src/api/contract.js';
import { COMMANDS, main, type Io } from '../../src/cli/main.js';
import { tmpDir } from '../helpers/tmp.js';
import { fuzzCli, type CliWorld } from './cli-fuzz.js';
import { fuzzCore } from './core-fuzz.js';
import { CLOSED, fundedWallet, makeSandbox, type FuzzWallet, type Sandbox } from './fixture.js';
import { calibrate, installFileGuard, ONLY, SEED, summary, type Tally } from './fuzz-kit.js';

const CLI_CASES = Number(process.env['COFFER_FUZZ_CLI_CASES'] ?? 4_000);
const CORE_CASES = Number(process.env['COFFER_FUZZ_CORE_CASES'] ?? 2_500);
const SLOW_MS = Number(process.env['COFFER_FUZZ_SLOW'] ?? 0);

describe('fuzz', () => {
  let w: FuzzWallet;
  let box: Sandbox;
  let world: CliWorld;
  let guard: ReturnType<typeof installFileGuard> | undefined;
  let busy: net.Server | undefined;
  const cwd = process.cwd();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    const root = tmpDir('coffer-fuzz-');
    const seeds: Record<string, string | Uint8Array> = {};
    const quiet = (): Io => ({ stdout: () => {}, stderr: () => {}, env: { XDG_CONFIG_HOME: root }, prompt: { isTTY: false, prompt: async () => '', confirm: async () => false, say: () => {} } });
    w = await fundedWallet(path.join(root, 'wallet'), async (node, fw) => {
      // Good inputs to mutate: a PSBT, a tower package, labels, headers, a merkleblock.
      const g = ['--datadir', fw.datadir, '--network', 'regtest'];
      let psbt = '';
      const made = await main([...g, '--connect', node.address, 'wallet', 'psbt', 'create', '--to', fw.foreign[0]!, '--amount', '10000', '--feerate', '2'], { ...quiet(), stdout: (s) => (psbt += s) });
      if (made !== 0) throw new Error('fixture: psbt create failed');
      seeds['psbt.txt'] = JSON.parse(psbt) as string;
      seeds['psbt.bin'] = Buffer.from(seeds['psbt.txt'] as string, 'base64');
      const pkg = path.join(root, 'package.json');
      if ((await main([...g, 'watchtower', 'export', pkg, '--once'], quiet())) !== 0) throw new Error('fixture: watchtower export failed');
      seeds['package.json'] = fs.readFileSync(pkg, 'utf8');
      // Cut in half: not JSON, so a tower given it stops at once.
      seeds['packageBroken'] = (seeds['package.json'] as string).slice(0, (seeds['package.json'] as string).length >> 1);
      const labels = path.join(root, 'labels.jsonl');
      if ((await main([...g, 'wallet', 'labels', 'export', labels], quiet())) !== 0) throw new Error('fixture: labels export failed');
      seeds['labels.jsonl'] = fs.readFileSync(labels, 'utf8');
      const hashes = await node.getBlockHashes(0, 40);
      seeds['headers.bin'] = Buffer.concat(await Promise.all(hashes.map(async (h) => Buffer.from(await node.getBlock(h), 'hex').subarray(0, 80))));
      seeds['merkleblock'] = await node.gettxoutproof([fw.txids.at(-1)!]); // the oldest: confirmed
    });
    box = makeSandbox(root, seeds);
    // The CLI works on its own copy: the core suite changes its wallet.
    const cliDir = path.join(root, 'cli-wallet');
    fs.cpSync(w.datadir, cliDir, { recursive: true });
    busy = net.createServer();
    await new Promise<void>((r) => busy!.listen(0, '127.0.0.1', r));
    const pick = (...names: string[]) => Object.fromEntries(names.map((n) => [n, box.files[n]!]));
    world = {
      w: { ...w, datadir: cliDir },
      box,
      home: path.join(root, 'home'),
      busyPort: (busy.address() as net.AddressInfo).port,
      seeds: pick('psbt.txt', 'psbt.bin', 'package.json', 'packageBroken', 'labels.jsonl', 'headers.bin', 'merkleblock'),
      validPackages: new Set([box.files['package.json']!]),
    };
    process.chdir(box.cwd);
    process.on('unhandledRejection', onUnhandled);
    guard = installFileGuard();
    const { kdfMs, limitMs } = calibrate();
    console.log(`fuzz: seed ${SEED}; chain source of every case: ${CLOSED} (closed); one scrypt took ${Math.round(kdfMs)} ms, so each case must answer within 5 s + 2 scrypt runs = ${(limitMs / 1000).toFixed(1)} s`);
  }, 240_000);

  afterAll(async () => {
    guard?.uninstall();
    process.off('unhandledRejection', onUnhandled);
    process.chdir(cwd);
    await new Promise((r) => (busy ? busy.close(r) : r(undefined)));
  });

  function report(name: string, t: Tally, ms: number): void {
    console.log(summary(name, t, ms));
    for (const f of t.failures.slice(0, 40)) console.log(`FAIL ${f}`);
  }

  it('every core API method answers every input within 5 s plus two scrypt runs with a value or a typed error', { timeout: 600_000 }, async () => {
    const start = performance.now();
    const t = await fuzzCore({ cases: CORE_CASES, w, box, violations: () => guard!.take(), unhandled: () => unhandled.splice(0), slowMs: SLOW_MS });
    report('core API fuzz', t, performance.now() - start);
    expect(t.failures.slice(0, 10), `${t.failures.length} failing cases (see the log for up to 40)`).toEqual([]);
    // Every method had its share: at least a fifth of an even one.
    const least = Math.floor(CORE_CASES / METHOD_NAMES.length / 5);
    if (ONLY === undefined) expect(METHOD_NAMES.filter((m) => (t.perWhere.get(m) ?? 0) < least), `methods with fewer than ${least} cases`).toEqual([]);
  });

  it('every CLI command exits within 5 s plus two scrypt runs with a value, a typed error or a usage error', { timeout: 600_000 }, async () => {
    const start = performance.now();
    const t = await fuzzCli({ cases: CLI_CASES, world, violations: () => guard!.take(), unhandled: () => unhandled.splice(0), slowMs: SLOW_MS });
    report('CLI fuzz', t, performance.now() - start);
    expect(t.failures.slice(0, 10), `${t.failures.length} failing cases (see the log for up to 40)`).toEqual([]);
    const least = Math.floor(CLI_CASES / COMMANDS.length / 5);
    if (ONLY === undefined) expect(COMMANDS.map((c) => c.words.join(' ')).filter((c) => (t.perWhere.get(c) ?? 0) < least), `commands with fewer than ${least} cases`).toEqual([]);
  });
});
