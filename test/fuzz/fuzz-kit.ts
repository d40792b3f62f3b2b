// What both fuzz suites share: the seed, random and boundary values, a deadline per case (5 s plus
// two scrypt runs timed on this machine, see CASE_LIMIT_MS), and a guard that turns a read of a
// special file (a FIFO, /dev/zero) or of a huge file into a recorded finding instead of a process
// that hangs or runs out of memory.
//
// COFFER_FUZZ_SEED=<n or 0xhex> picks the seed (default below); every case draws from its own
// generator (seed, suite, case number), so a run with the same seed makes the same cases.
// COFFER_FUZZ_CASE=<n> runs only case n of each suite (after the same set-up) to debug it: the
// cases before it are drawn, not run, so a case that depends on what earlier ones did (a changed
// password, an invoice the node made) needs the whole run, which the seed alone reproduces.

import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { scrypt } from '@noble/hashes/scrypt.js';
import { ERROR_CODES } from '../../src/api/errors.js';
import { DEFAULT_KDF } from '../../src/keys/keystore.js';
import { prng } from '../helpers/prng.js';

export const DEFAULT_SEED = 0x14f022;
export const SEED = parseSeed(process.env['COFFER_FUZZ_SEED']);
export const ONLY = process.env['COFFER_FUZZ_CASE'] === undefined ? undefined : Number(process.env['COFFER_FUZZ_CASE']);
/**
 * The bound on one case: the issue's 5 s for the case's own work, plus the time of the scrypt runs
 * a case may legitimately need, which is what a slow or busy machine stretches most: at most two
 * (changing the password opens the keystore with the old one and seals it with the new).
 * `calibrate` times one scrypt on this machine at the start of the run.
 */
export const CASE_LIMIT_MS = 5_000;
const KDF_RUNS_PER_CASE = 2;
let limitMs = CASE_LIMIT_MS;

/** Time one scrypt with the wallet's parameters and set the per-case bound from it. */
export function calibrate(): { kdfMs: number; limitMs: number } {
  const start = performance.now();
  scrypt('calibration', 'salt', { N: 2 ** DEFAULT_KDF.logN, r: DEFAULT_KDF.r, p: DEFAULT_KDF.p, dkLen: 64, maxmem: 2 ** 31 });
  const kdfMs = performance.now() - start;
  limitMs = Math.round(CASE_LIMIT_MS + KDF_RUNS_PER_CASE * kdfMs);
  return { kdfMs, limitMs };
}
/** A regular file this large is never read whole by Coffer: reading it whole is a finding. */
const HUGE_READ = 256 * 1024 * 1024;

function parseSeed(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`COFFER_FUZZ_SEED must be a non-negative integer, got ${raw}`);
  return n >>> 0;
}

export interface Rng {
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** The generator of one case: the same (seed, suite, case) always gives the same draws. */
export function caseRng(seed: number, suite: string, index: number): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${suite}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  const next = prng(h || 1);
  // Discard the first draws: xorshift's early outputs follow the seed closely.
  for (let i = 0; i < 4; i++) next(2);
  return {
    int: (n) => (n <= 1 ? 0 : next(n)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from nothing');
      return items[next(items.length)]!;
    },
    chance: (p) => next(1_000_000) < p * 1_000_000,
  };
}

export const KNOWN_CODES = new Set<string>(ERROR_CODES);

// Boundary and hostile strings. None holds a path separator, so a string used as a file name
// stays inside the sandbox directory the suites run in.
const FIXED: string[] = [
  '', ' ', '\t', '\n', '\r\n', '0', '-0', '00', '007', '+1', '1', '-1', '2', '1.5', '-1.5', '.5', '5.', '1e3', '1e-3', '1e309', '-1e309',
  'NaN', 'nan', 'Infinity', '-Infinity', '0x1f', '0b11', '0o7', '1_000', '1,000', '4294967295', '4294967296', '9007199254740991',
  '9007199254740993', '18446744073709551616', '2100000000000000', '2100000000000001', '-9999999999999999', '99999999999999999999999',
  'true', 'false', 'null', 'undefined', '[]', '{}', '{"__proto__":{"polluted":1}}', '__proto__', 'constructor', 'prototype',
  'toString', 'hasOwnProperty', 'valueOf', 'max', 'MAX', 'all', 'é', 'ﬃ', 'İ', 'ǅ', 'ß', '\u202eevil', 'مرحبا', 'עברית', '中文字',
  '🪙💸', '👨‍👩‍👧', '\u200b', '\u200d', '\ufeff', '\ud800', '\udfff', 'a\nb', 'a\rb', '\u0085', '\u2028', '%s%n%x', '${x}', '$(id)',
  '`id`', "' OR 1=1 --", '"', "'", '\\', '..', '.', '-', '--', '---', '--help', '-h', '-', '=', 'a=b', ',', ',,', ':', '::', ':0', '@',
  '#', '?', '&', '%00', '%ff', 'ＡＢＣ', '１２３', '٣', '\u00a0', 'x'.repeat(65), 'x'.repeat(256), 'x'.repeat(1025), '9'.repeat(400),
];

const CHARSETS = ['0123456789', 'abcdef0123456789', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFXYZ', ' -_.:,@=+', 'éüñ中文🪙\u200b\u202eعבר', '\t\n\r\u0001\u007f'];

/** A random string from mixed character sets. */
export function randomString(rng: Rng, maxLen = 40): string {
  const len = rng.int(maxLen + 1);
  let s = '';
  for (let i = 0; i < len; i++) {
    const set = [...rng.pick(CHARSETS)];
    s += set[rng.int(set.length)];
  }
  return s;
}

export function hexString(rng: Rng, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes * 2; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

/** Deeply nested JSON text (arrays or objects), as a hostile file or field would hold. */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const HUGE_STRINGS = ['x', '9', 'é', '🪙'].flatMap((c) => [4096, 65_536, 1_000_000].map((n) => c.repeat(n)));
const DEEP_TEXT = [100, 10_000].flatMap((d) => [deepJson(d), deepJson(d, 'object')]);

/** One boundary or random string; huge ones now and then. */
export function junkString(rng: Rng, opts: { nul?: boolean } = {}): string {
  const r = rng.int(100);
  if (r < 55) return rng.pick(FIXED);
  if (r < 85) return randomString(rng);
  if (r < 90) return hexString(rng, rng.pick([1, 20, 31, 32, 33, 64]));
  if (r < 93) return rng.pick(DEEP_TEXT);
  if (r < 96) return rng.pick(HUGE_STRINGS);
  if (opts.nul) return rng.pick(['\u0000', 'a\u0000b', `${'a'.repeat(10)}\u0000`]);
  return rng.pick(FIXED);
}

/** Numbers at and around every edge JavaScript and Bitcoin have. */
export const EDGE_NUMBERS = [
  0, -0, 1, -1, 2, 0.5, -0.5, 1e-9, 1.000000001, 7, 255, 256, 546, 1023, 1024, 1025, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1,
  2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 21e14, 21e14 + 1, 1e21, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity,
];

// Built once: big values are reused (nothing the core does may change them).
const DEEP_VALUES = [1_000, 100_000].flatMap((d) => [deepValue(d, 'array'), deepValue(d, 'object')]);
const SPARSE = [new Array(1_000_000), new Array(2 ** 32 - 1)]; // four billion holes and no element
const LONG_ARRAY = Array.from({ length: 200_000 }, (_, i) => i);
/** Whole payloads of odd shape: deep, sparse, long, prototype-less. */
export const ODD_PAYLOADS: readonly unknown[] = [undefined, null, [], '{}', 0, ...DEEP_VALUES, ...SPARSE, LONG_ARRAY, Object.create(null) as object];

/** A JS value of any shape: what a careless or hostile caller could hand the core in-process. */
export function junkValue(rng: Rng, depth = 0): unknown {
  const r = rng.int(depth > 2 ? 60 : 100);
  if (r < 8) return null;
  if (r < 12) return undefined;
  if (r < 16) return rng.chance(0.5);
  if (r < 32) return rng.pick(EDGE_NUMBERS);
  if (r < 52) return junkString(rng, { nul: true });
  if (r < 55) return BigInt(rng.pick([0, 1, -1])) * 2n ** 64n;
  if (r < 58) return rng.pick([new Date(Number.NaN), new Date(0), new Map([['a', 1]]), new Set([1]), new Uint8Array(3), /x/]);
  if (r < 60) return rng.pick([Symbol('s'), () => 1]);
  if (r < 75) return Array.from({ length: rng.int(4) }, () => junkValue(rng, depth + 1));
  if (r < 90) return junkObject(rng, depth);
  if (r < 93) return rng.pick(DEEP_VALUES);
  if (r < 95) return rng.pick(SPARSE);
  if (r < 97) return LONG_ARRAY;
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  return cyclic;
}

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'length', '', ' ', 'é', '0', 'a'];

function junkObject(rng: Rng, depth: number): Record<string, unknown> {
  // JSON.parse gives an own `__proto__` key, as a WebSocket payload would.
  if (rng.chance(0.2)) return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Record<string, unknown>;
  const o: Record<string, unknown> = rng.chance(0.2) ? Object.create(null) : {};
  for (let i = rng.int(4); i > 0; i--) Object.defineProperty(o, rng.chance(0.6) ? rng.pick(KEYS) : randomString(rng, 8), { value: junkValue(rng, depth + 1), enumerable: true, configurable: true, writable: true });
  return o;
}

/** Nested arrays or objects built without recursion, so the depth is the caller's only. */
export function deepValue(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Object.prototype and Array.prototype unchanged: no payload polluted them. */
export function prototypePolluted(): string | undefined {
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    for (const k of ['polluted', 'isAdmin']) if (Object.hasOwn(proto, k)) return `${proto === Object.prototype ? 'Object' : proto === Array.prototype ? 'Array' : 'Function'}.prototype.${k}`;
  }
  return undefined;
}

/** A promise settled within the limit, or the word 'timeout'. */
export async function withinLimit<T>(p: Promise<T>, ms = limitMs): Promise<{ value: T; ms: number } | { timeout: true; ms: number }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then((value) => ({ value })), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  clearTimeout(timer);
  const took = performance.now() - start;
  // The timer cannot fire while the event loop is blocked; a blocking case is caught afterwards.
  if (r === 'timeout' || took > ms) return { timeout: true, ms: took };
  return { value: r.value, ms: took };
}

export interface Violation {
  kind: 'blocking-open' | 'special-read' | 'huge-read';
  path: string;
  /** The first frame in src/ that did it. */
  where: string;
}

/**
 * Wrap fs so that opening a FIFO without O_NONBLOCK (which blocks the thread until a writer comes),
 * reading a device or FIFO whole (/dev/zero never ends), or reading a huge regular file whole is
 * recorded and fails with an error (code EFUZZGUARD), instead of hanging the test process.
 */
export function installFileGuard(): { take(): Violation[]; uninstall(): void } {
  const found: Violation[] = [];
  const orig = { readFileSync: fs.readFileSync, openSync: fs.openSync, readFile: fs.readFile, promisesReadFile: fs.promises.readFile };
  const stat = (target: unknown): fs.Stats | undefined => {
    try {
      if (typeof target === 'number') return fs.fstatSync(target);
      if (typeof target === 'string' || target instanceof URL || Buffer.isBuffer(target)) return fs.statSync(target);
    } catch {
      // missing, or a path the call itself will refuse
    }
    return undefined;
  };
  const refuse = (kind: Violation['kind'], target: unknown): never => {
    const where = (new Error().stack ?? '').split('\n').find((l) => l.includes('/src/') && !l.includes('fuzz-kit'))?.trim() ?? 'unknown';
    found.push({ kind, path: String(target), where });
    throw Object.assign(new Error(`fuzz guard: ${kind} of ${String(target)}`), { code: 'EFUZZGUARD' });
  };
  const checkRead = (target: unknown) => {
    const st = stat(target);
    if (!st || st.isDirectory()) return;
    if (!st.isFile()) refuse('special-read', target);
    if (st.size >= HUGE_READ) refuse('huge-read', target);
  };
  const patched = {
    readFileSync: function (this: unknown, target: unknown, ...rest: unknown[]) {
      checkRead(target);
      return (orig.readFileSync as (...a: unknown[]) => unknown).call(this, target, ...rest);
    },
    openSync: function (this: unknown, target: unknown, flags?: unknown, ...rest: unknown[]) {
      const nonblocking = typeof flags === 'number' && (flags & fs.constants.O_NONBLOCK) !== 0;
      if (!nonblocking && stat(target)?.isFIFO()) refuse('blocking-open', target);
      return (orig.openSync as (...a: unknown[]) => unknown).call(this, target, flags, ...rest);
    },
    readFile: function (this: unknown, target: unknown, ...rest: unknown[]) {
      checkRead(target);
      return (orig.readFile as (...a: unknown[]) => unknown).call(this, target, ...rest);
    },
    promisesReadFile: async function (this: unknown, target: unknown, ...rest: unknown[]) {
      checkRead(target);
      return (orig.promisesReadFile as (...a: unknown[]) => Promise<unknown>).call(this, target, ...rest);
    },
  };
  Object.assign(fs, { readFileSync: patched.readFileSync, openSync: patched.openSync, readFile: patched.readFile });
  fs.promises.readFile = patched.promisesReadFile as typeof fs.promises.readFile;
  syncBuiltinESMExports();
  return {
    take: () => found.splice(0),
    uninstall: () => {
      Object.assign(fs, { readFileSync: orig.readFileSync, openSync: orig.openSync, readFile: orig.readFile });
      fs.promises.readFile = orig.promisesReadFile;
      syncBuiltinESMExports();
    },
  };
}

/** One thing wrong with a case. */
export interface Problem {
  failure: string;
  detail: string;
}

export interface Tally {
  cases: number;
  passed: number;
  failures: string[];
  /** Cases per command or method. */
  perWhere: Map<string, number>;
  /** Cases per outcome: `ok`, or the error code. */
  outcomes: Map<string, number>;
}

export function newTally(): Tally {
  return { cases: 0, passed: 0, failures: [], perWhere: new Map(), outcomes: new Map() };
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Record one case: a pass, or a failure with how to replay it. */
export function record(t: Tally, where: string, outcome: string, problems: Problem[], replay: () => string): void {
  t.cases++;
  bump(t.perWhere, where);
  bump(t.outcomes, outcome);
  if (problems.length === 0) t.passed++;
  else t.failures.push(`${where}: ${problems.map((p) => `${p.failure}: ${p.detail}`).join('; ')}\n    replay: ${replay()}`);
}

export function summary(name: string, t: Tally, ms: number): string {
  const per = [...t.perWhere.values()];
  const top = [...t.outcomes].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `${name}: seed ${SEED} (0x${SEED.toString(16)}), ${t.cases} cases in ${(ms / 1000).toFixed(1)} s: ${t.passed} passed, ${t.failures.length} failed`,
    `  ${t.perWhere.size} commands or methods, ${Math.min(...per)} to ${Math.max(...per)} cases each; outcomes: ${top}`,
  ].join('\n');
}

/** A string shown in a report: long ones cut, control characters escaped. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x === undefined ? '<undefined>' : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s;
}
