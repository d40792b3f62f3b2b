// The CLI fuzz: every command of src/cli/main.ts (COMMANDS), its argv drawn from the command's own
// spec (its words, positionals and options, each value from a pool for its metavar: FILE, SATS,
// TXID:VOUT, HOST:PORT... plus boundary junk), global options included, run in-process through
// main(argv, io) with a prompt that refuses. Each case must exit within the case bound (5 s plus
// two scrypt runs, CASE_LIMIT_MS) with 0, 1 or 2; on 1 and 2 stderr is one line
// `error: <code>: <message>` with a known code (never `internal`), and no output holds a stack
// trace.

import fs from 'node:fs';
import path from 'node:path';
import { CofferError } from '../../src/api/errors.js';
import { COMMANDS, main, type Io } from '../../src/cli/main.js';
import type { Command } from '../../src/cli/command.js';
import { parseHostPort } from '../../src/p2p/pool.js';
import { parsePackage } from '../../src/vaults/watchtower.js';
import { CLOSED, type FuzzWallet, type Sandbox } from './fixture.js';
import {
  caseRng,
  hexString,
  junkString,
  KNOWN_CODES,
  newTally,
  ONLY,
  prototypePolluted,
  record,
  SEED,
  show,
  withinLimit,
  type Problem,
  type Rng,
  type Tally,
  type Violation,
} from './fuzz-kit.js';

/**
 * Cases that give a password and so may run scrypt (about 1 s each: unlock, create, restore):
 * at most this many per run. Other cases give none, or one that cannot be read.
 */
const PASSWORD_BUDGET = 10;

export interface CliWorld {
  w: FuzzWallet;
  box: Sandbox;
  /** XDG_CONFIG_HOME of the cases: where the default data directory is. */
  home: string;
  /** A port something listens on (serve must refuse it). */
  busyPort: number;
  /** Files holding a valid PSBT, watchtower package, labels... (name -> path), to mutate. */
  seeds: Record<string, string>;
  /** Paths of valid watchtower packages (a tower given one would run until interrupted). */
  validPackages: Set<string>;
}

export interface CliFuzzOptions {
  cases: number;
  world: CliWorld;
  violations: () => Violation[];
  unhandled: () => unknown[];
  slowMs: number;
}

interface Case {
  words: string[];
  /** Options in the order drawn: [name, value (undefined for a flag)], globals included. */
  opts: [string, string | undefined][];
  positionals: string[];
  /** Put `--` before the positionals (then everything after it is positional). */
  dashdash: boolean;
  env: Record<string, string>;
  isTTY: boolean;
  /** A whole argv drawn as junk (no command spec). */
  raw?: string[];
}

const NUMBERS = ['0', '1', '2', '6', '144', '545', '546', '1000', '10000', '65535', '65536', '1440', '2100000000000000', '2100000000000001', '9999999999999999', '99999999999999999', '-1', '-0', '1.5', '1e3', '1e309', 'NaN', 'Infinity', '0x10', ' 1', '1 ', '１', '٣', '4294967296', '9007199254740993'];

export async function fuzzCli(o: CliFuzzOptions): Promise<Tally> {
  const { w, box, seeds } = o.world;
  const walletDir = w.datadir;
  const passwordFile = path.join(box.cwd, 'password.txt');
  fs.writeFileSync(passwordFile, `${w.password}\n`);
  let passwordsLeft = PASSWORD_BUDGET;
  let fresh = 0;
  const written = new Map<string, string>();

  const hex32 = (rng: Rng) => hexString(rng, 32);

  /** A copy of a seed file with a few bytes changed, cut, or grown: written per case. */
  function mutatedFile(rng: Rng, i: number): string {
    const seed = fs.readFileSync(rng.pick(Object.values(seeds)));
    let b = Buffer.from(seed);
    const r = rng.int(6);
    if (r === 0) b = b.subarray(0, rng.int(b.length + 1));
    else if (r === 1) for (let k = 1 + rng.int(5); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
    else if (r === 2) b = Buffer.concat([b.subarray(0, rng.int(b.length)), Buffer.from(junkString(rng)), b.subarray(rng.int(b.length))]);
    else if (r === 3) b = Buffer.concat([b, b]);
    else if (r === 4) b = Buffer.from(b.toString('latin1').replace(/[0-9]+/, rng.pick(NUMBERS)), 'latin1');
    else b = Buffer.concat([b, Buffer.from([0, 0xff, 0x0a])]);
    const file = path.join(box.cwd, `case-${i}.bin`);
    fs.writeFileSync(file, b);
    written.set(file, b.toString('utf8'));
    return file;
  }

  function freshDir(): string {
    const d = path.join(box.cwd, `fresh-${fresh++}`);
    fs.mkdirSync(d);
    return d;
  }

  function fileValue(rng: Rng, i: number, write: boolean): string {
    if (write) {
      box.restoreWritable();
      return rng.pick(box.writable);
    }
    const r = rng.int(100);
    if (r < 40) return rng.pick(Object.values(box.files));
    if (r < 60) return rng.pick(Object.values(seeds));
    if (r < 85) return mutatedFile(rng, i);
    return junkString(rng);
  }

  /** A value for an option or positional, by its metavar (FILE, SATS|max, TXID:VOUT...). */
  function valueFor(meta: string, rng: Rng, i: number, write = false): string {
    if (rng.chance(0.3)) return junkString(rng);
    const parts = meta.split('|');
    if (parts.length > 1) {
      const part = rng.pick(parts);
      if (/^[a-z0-9-]+$/.test(part)) return rng.chance(0.1) ? part.toUpperCase() : part;
      return valueFor(part, rng, i, write);
    }
    const m = meta.replace(/^\[|\]$|\.\.\.$/g, '');
    switch (m) {
      case 'FILE':
        return fileValue(rng, i, write);
      case 'DIR':
        return rng.pick([walletDir, freshDir(), box.files['text']!, box.files['fifo']!, path.join(box.cwd, 'no-such-datadir', 'sub'), box.files['devNull']!]);
      case 'HOST:PORT':
        return rng.pick([CLOSED, '[::1]:1', 'localhost:1', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:-1', ':1', '127.0.0.1:', '[::1', '127.0.0.1:1:2', 'host name:1', '[zz]:1']);
      case 'URL':
        return rng.pick(['http://127.0.0.1:1/', 'https://127.0.0.1:1/', 'http://[::1]:1/', 'http://localhost:1/', 'ftp://127.0.0.1:1/', 'http://', 'not a url', 'http://u:p@127.0.0.1:1/', 'javascript:alert(1)', 'file:///dev/zero', 'http://127.0.0.1:99999/']);
      case 'ADDR':
      case 'ADDRESS':
        return rng.pick([...w.own, ...w.foreign, `${w.own[0]}x`, w.own[0]!.toUpperCase()]);
      case 'DESCRIPTOR':
        return rng.pick([w.recovery.descriptor, `${w.recovery.descriptor}#qqqqqqqq`, ...w.descriptors, 'wpkh(nonsense)', 'raw(6a)', `addr(${w.own[0]})`, `tr(${'11'.repeat(32)})`, `pk(02${'11'.repeat(32)})`]);
      case 'TXID':
        return rng.pick([...w.txids, hex32(rng), w.txids[0]!.toUpperCase(), w.txids[0]!.slice(1), `${w.txids[0]}0`]);
      case 'TXID:VOUT':
        return rng.pick([...w.outpoints, `${w.txids[0]}:99`, `${w.txids[0]}:4294967295`, `${w.txids[0]}:4294967296`, `${w.txids[0]}:-1`, `${w.txids[0]}:1e3`, `${w.txids[0]}:`, `${hex32(rng)}:0`, w.txids[0]!]);
      case 'ID':
      case 'STRAY_ID':
        return rng.pick([...w.vaults, w.vaults[0]!.toUpperCase(), `${w.vaults[0]}x`, '0', hex32(rng)]);
      case 'KEY':
        return rng.pick(['auto-lock-minutes', 'gap-limit', 'fee-rate-fast', 'fee-rate-normal', 'fee-rate-slow', '__proto__', 'constructor', 'toString', 'AUTO-LOCK-MINUTES']);
      case 'VALUE':
      case 'N':
      case 'SATS':
      case 'HEIGHT':
      case 'SECONDS':
      case 'BLOCKS':
      case 'P':
      case 'H':
        return rng.pick(NUMBERS);
      case 'HOST:]PORT':
      case '[HOST:]PORT':
        return rng.pick(['0', '65535', '65536', '127.0.0.1:0', '[::1]:0', ':0', '-1', 'host:port', 'a:b:c', '0.0.0.0:99999']);
      case 'PUBKEY@HOST:PORT':
        return rng.pick([`02${hex32(rng)}@${CLOSED}`, `02${hex32(rng)}`, `@${CLOSED}`, `zz@${CLOSED}`, `02${hex32(rng)}@[::1]:1`]);
      case 'HEX':
        return rng.pick([fs.readFileSync(seeds['merkleblock']!, 'utf8').trim(), '00', '0', 'zz', hexString(rng, 80), hexString(rng, 300), `${fs.readFileSync(seeds['merkleblock']!, 'utf8').trim().slice(0, -2)}`]);
      case 'H1,H2,...':
        return rng.pick(['', ',', `${hex32(rng)},${hex32(rng)}`, `${hex32(rng)}, ${hex32(rng)}`, Array.from({ length: 40 }, () => hex32(rng)).join(',')]);
      case 'BOLT11':
        return rng.pick(['lnbcrt1pj', 'lnbc1', `lnbcrt10u1p${hexString(rng, 40)}`, 'LNBCRT1', 'lightning:lnbcrt1']);
      case 'CHANNEL_ID':
        return rng.pick([hex32(rng), hex32(rng).toUpperCase(), hexString(rng, 31)]);
      default:
        return junkString(rng);
    }
  }

  const ALL_OPTIONS = [...new Set(COMMANDS.flatMap((c) => Object.keys(c.options ?? {})))];
  const WRITES = new Set(['wallet labels export', 'watchtower export', 'channel backup']);

  function drawCase(rng: Rng, i: number): { c: Case; command?: Command } {
    const env: Record<string, string> = {};
    const isTTY = rng.chance(0.1);
    if (rng.chance(0.03)) {
      const raw = rng.pick([[], ['help'], ['--help'], ['wallet'], ['wallet', 'nope'], ['--', 'wallet', 'info'], ['-h'], ['--datadir'], [junkString(rng)], [junkString(rng), junkString(rng)], ['WALLET', 'INFO'], ['wallet', 'info', '--no-help']]);
      return { c: { words: [], opts: [], positionals: [], dashdash: false, env, isTTY, raw } };
    }
    const command = rng.pick(COMMANDS);
    const key = command.words.join(' ');
    const opts: [string, string | undefined][] = [];
    // Global options.
    const d = rng.int(100);
    if (d < 75) opts.push(['datadir', walletDir]);
    else if (d < 85) opts.push(['datadir', freshDir()]);
    else if (d < 95) opts.push(['datadir', valueFor('DIR', rng, i)]);
    else if (d < 98) opts.push(['datadir', junkString(rng)]);
    const n = rng.int(100);
    if (n < 80) opts.push(['network', 'regtest']);
    else if (n < 95) opts.push(['network', rng.pick(['main', 'test', 'signet', 'regtest'])]);
    else opts.push(['network', junkString(rng)]);
    if (rng.chance(0.7)) for (let k = 1 + rng.int(2); k > 0; k--) opts.push(['connect', valueFor('HOST:PORT', rng, i)]);
    if (rng.chance(0.1)) opts.push(['backend', valueFor('spv|node|rpc', rng, i)]);
    for (const name of ['rpc-url', 'rpc-cookie', 'rpc-user', 'rpc-password-file']) {
      if (rng.chance(0.05)) opts.push([name, valueFor(name === 'rpc-url' ? 'URL' : name === 'rpc-user' ? 'USER' : 'FILE', rng, i)]);
    }
    if (rng.chance(0.01)) opts.push(['help', undefined]);
    // The password: rarely one that gets read (it costs a scrypt), more often one that cannot be.
    if (passwordsLeft > 0 && rng.chance(0.006)) {
      passwordsLeft--;
      const r = rng.int(4);
      if (r === 0) opts.push(['password-file', passwordFile]);
      else env['COFFER_PASSWORD'] = r === 1 ? w.password : rng.pick(['wrong password!', 'short', 'é'.repeat(300), '\u202eevil password']);
    } else if (rng.chance(0.15)) {
      opts.push(['password-file', rng.pick([box.files['dir']!, box.files['missing']!, box.files['fifo']!, box.files['devZero']!, box.files['devNull']!, box.files['zeroLink']!, box.files['huge']!, box.files['missingDir']!])]);
    }
    // The command's own options: each one half the time, a repeatable one up to three times.
    for (const [name, spec] of Object.entries(command.options ?? {})) {
      if (!rng.chance(0.55)) continue;
      const times = spec.multiple ? 1 + rng.int(3) : rng.chance(0.05) ? 2 : 1;
      for (let k = 0; k < times; k++) opts.push([name, spec.type === 'boolean' ? undefined : valueFor(spec.value ?? 'TEXT', rng, i)]);
    }
    if (rng.chance(0.03)) opts.push([rng.pick(ALL_OPTIONS), valueFor('TEXT', rng, i)]);
    if (rng.chance(0.02)) opts.push([rng.pick(['bogus', '', 'x', 'datadir=', 'no-help', '-']), undefined]);
    // Positionals: usually as many as the command takes, sometimes one too few or too many.
    const { min, max } = command.args ?? { min: 0, max: 0 };
    const names = (command.args?.names ?? '').split(' ').filter(Boolean);
    let count = min + rng.int(Math.min(max, min + 2) - min + 1);
    if (rng.chance(0.1)) count = rng.chance(0.5) ? Math.max(0, min - 1) : max + 1;
    const positionals = Array.from({ length: count }, (_, k) => valueFor(names[Math.min(k, names.length - 1)] ?? 'TEXT', rng, i, WRITES.has(key)));
    const c: Case = { words: command.words, opts, positionals, dashdash: rng.chance(0.05), env, isTTY };
    keepLocal(c);
    disarm(key, c, rng);
    return { c, command };
  }

  /** Nothing a case does may reach beyond this machine: peers and RPC URLs are loopback port 1. */
  function keepLocal(c: Case): void {
    let connect = false;
    for (const o of c.opts) {
      if (o[0] === 'connect') {
        connect = true;
        // Any address the command would dial (a good HOST[:PORT]) becomes the closed port.
        if (!/^(127\.0\.0\.1|\[::1\]|localhost):1$/.test(o[1] ?? '') && parseHostPort(o[1] ?? '', 18444)) o[1] = CLOSED;
      }
      if (o[0] === 'rpc-url' && /^https?:/i.test(o[1] ?? '') && !/^https?:\/\/(127\.0\.0\.1|\[::1\]|localhost):1\//i.test(o[1] ?? '')) o[1] = 'http://127.0.0.1:1/';
    }
    // Without --connect an SPV command asks the DNS seeds: always name the closed port.
    if (!connect) c.opts.unshift(['connect', CLOSED]);
  }

  /**
   * Commands that run until interrupted when their input is good are made to fail before they
   * start; their argument checks are still fuzzed. Their good runs are covered elsewhere.
   */
  function disarm(key: string, c: Case, rng: Rng): void {
    const set = (name: string, value: string) => {
      c.opts = c.opts.filter((o) => o[0] !== name);
      c.opts.push([name, value]);
    };
    if (key === 'serve') {
      // A good `serve` listens until Ctrl+C (test/e2e): here its port is taken, or no port at all.
      const port = c.opts.filter((o) => o[0] === 'port').at(-1)?.[1];
      if (port === undefined || (/^\d{1,5}$/.test(port) && Number(port) <= 65535)) set('port', rng.chance(0.7) ? String(o.world.busyPort) : rng.pick(['-1', '65536', 'http', '1e3']));
    }
    if (key === 'daemon') {
      // With the wallet's password it runs Lightning until interrupted (test/integration/channels.test.ts).
      c.opts = c.opts.filter((o) => !(o[0] === 'password-file' && o[1] === passwordFile));
      if (c.env['COFFER_PASSWORD'] === w.password) c.env['COFFER_PASSWORD'] = 'wrong password!';
    }
    if (key === 'node start' || key === 'node run') {
      // A good one starts a full node (detached, for `start`) that outlives the case (test/integration/backends-node.test.ts).
      set('network', rng.pick(['test', 'signet']));
    }
    if (key === 'watchtower serve') {
      // A good one listens until interrupted (test/integration/remote-towers.test.ts): here its port is taken, or its address bad.
      set('listen', rng.chance(0.7) ? `127.0.0.1:${o.world.busyPort}` : rng.pick(['127.0.0.1', ':1', '127.0.0.1:65536', '[zz]:1', 'host name:1']));
    }
    if (key === 'watchtower run') {
      // A tower with a good package watches until interrupted (test/integration/watchtower*.test.ts).
      for (const opt of c.opts) if (opt[0] === 'package' && opt[1] !== undefined && isValidPackage(opt[1])) opt[1] = seeds['packageBroken']!;
    }
  }

  function isValidPackage(file: string): boolean {
    if (o.world.validPackages.has(path.resolve(box.cwd, file))) return true;
    const text = written.get(path.resolve(box.cwd, file));
    if (text === undefined) return false;
    try {
      parsePackage(text);
      return true;
    } catch {
      return false;
    }
  }

  function argvOf(c: Case, rng: Rng): string[] {
    if (c.raw) return c.raw;
    const flags: string[] = [];
    for (const [name, value] of c.opts) {
      if (value === undefined) flags.push(`--${name}`);
      else if (rng.chance(0.25)) flags.push(`--${name}=${value}`);
      else flags.push(`--${name}`, value);
    }
    // Options before the words, between them, after them: parseArgs takes them anywhere.
    const cut = rng.int(flags.length + 1);
    const before = rng.chance(0.5) ? flags.slice(0, cut - (cut % 2)) : [];
    const after = flags.slice(before.length);
    return [...before, ...c.words, ...after, ...(c.dashdash ? ['--'] : []), ...c.positionals];
  }

  function check(code: number | undefined, out: string, err: string, reply: Awaited<ReturnType<typeof withinLimit<number>>> | { threw: unknown }): Problem[] {
    const problems: Problem[] = [];
    if ('threw' in reply) problems.push({ failure: 'threw', detail: String(reply.threw) });
    else if ('timeout' in reply) problems.push({ failure: 'timeout', detail: `no exit after ${Math.round(reply.ms)} ms` });
    else if (code !== 0 && code !== 1 && code !== 2) problems.push({ failure: 'exit-code', detail: String(code) });
    else if (code === 0) {
      if (err !== '') problems.push({ failure: 'stderr-on-success', detail: show(err) });
      if (out !== '' && !out.startsWith('Usage: coffer')) {
        try {
          JSON.parse(out);
        } catch {
          problems.push({ failure: 'stdout-not-json', detail: show(out) });
        }
      }
    } else {
      const m = /^error: ([a-z-]+): (.*)\n$/s.exec(err);
      if (!m || m[2]!.includes('\n')) problems.push({ failure: 'not-one-line', detail: show(err) });
      else if (m[1] === 'internal') problems.push({ failure: 'internal', detail: m[2]! });
      else if (!KNOWN_CODES.has(m[1]!)) problems.push({ failure: 'unknown-code', detail: m[1]! });
      else if (code === 2 && m[1] !== 'usage') problems.push({ failure: 'exit-2-not-usage', detail: m[1]! });
      if (out !== '') problems.push({ failure: 'stdout-on-error', detail: show(out) });
    }
    if (/\n\s+at .+\(.*:\d+:\d+\)/.test(out + err)) problems.push({ failure: 'stack-trace', detail: show(out + err) });
    for (const v of o.violations()) problems.push({ failure: v.kind, detail: `${v.path} at ${v.where}` });
    const polluted = prototypePolluted();
    if (polluted) problems.push({ failure: 'prototype-polluted', detail: polluted });
    for (const e of o.unhandled()) problems.push({ failure: 'unhandled-rejection', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return problems;
  }

  const tally = newTally();
  const refuse = async (): Promise<string> => {
    throw new CofferError('usage', 'Cancelled.');
  };
  for (let i = 0; i < o.cases; i++) {
    // Every case is drawn (draws share a password budget), only the one asked for is run.
    if (ONLY !== undefined && i > ONLY) break;
    const rng = caseRng(SEED, 'cli', i);
    const { c, command } = drawCase(rng, i);
    const argv = argvOf(c, rng);
    if (ONLY !== undefined && i !== ONLY) continue;
    let out = '';
    let err = '';
    const io: Io = {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: { XDG_CONFIG_HOME: o.world.home, ...c.env },
      // What a command shows before asking (a PSBT's summary) is not its answer: not checked here.
      prompt: { isTTY: c.isTTY, prompt: refuse, confirm: async () => false, say: () => {} },
    };
    const signals = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    let reply;
    try {
      reply = await withinLimit(main(argv, io));
    } catch (e) {
      reply = { threw: e };
    }
    // A command that failed after listening for Ctrl+C leaves its listener: harmless in its own process.
    for (const s of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(s)) if (!signals[s].includes(l)) process.off(s, l);
    const ms = 'ms' in reply ? reply.ms : 0;
    if (ONLY !== undefined || (o.slowMs && ms > o.slowMs)) console.log(`cli case ${i}: ${Math.round(ms)} ms ${show(argv).slice(0, 300)} -> ${err.slice(0, 120)}`);
    const where = command ? command.words.join(' ') : '<junk argv>';
    const code = 'value' in reply ? reply.value : undefined;
    const outcome = code === 0 ? 'exit 0' : code === undefined ? 'no exit' : (/^error: ([a-z-]+):/.exec(err)?.[1] ?? `exit ${code}`);
    record(tally, where, outcome, check(code, out, err, reply), () => `COFFER_FUZZ_SEED=${SEED} COFFER_FUZZ_CASE=${i} argv ${show(argv)} env ${show(c.env)}${c.isTTY ? ' (terminal)' : ''} -> ${show(err || out)}`);
  }
  return tally;
}
