// The core API fuzz: every method of src/api/contract.ts (METHODS), called through Core.call as
// main and the shell call it, with params drawn from the method's own schema (valid, near-valid)
// and junk (deep values, prototype keys, huge and sparse arrays, NaN, BigInt, cycles), against the
// funded wallet whose chain source is a closed port, in blocks that alternate unlocked and locked.
// Each call must answer within the case bound (5 s plus two scrypt runs, CASE_LIMIT_MS) with a
// value or a typed error (never `internal`), pollute no prototype, and read no special or huge
// file whole.

import { METHOD_NAMES, METHODS, parseCall, type CofferEvent, type Method } from '../../src/api/contract.js';
import type { Result } from '../../src/api/errors.js';
import { errorsOf, METHOD_ERRORS } from '../../src/api/operation-errors.js';
import { Core } from '../../src/service/core.js';
import { CLOSED, type FuzzWallet, type Sandbox } from './fixture.js';
import {
  caseRng,
  hexString,
  junkString,
  junkValue,
  KNOWN_CODES,
  newTally,
  ODD_PAYLOADS,
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
import { nearValue, validValue, type Hints } from './zod-gen.js';

/** Cases per block; blocks alternate between an unlocked and a locked wallet. */
const BLOCK = 1_250;
/**
 * Calls that run scrypt (about 1 s each) when their params are valid: at most this many per run,
 * so the run stays short. Past it such a call gets a password its schema refuses.
 */
const KDF_BUDGET = 5;
const KDF_METHODS = new Set<string>(['wallet.unlock', 'wallet.reveal', 'wallet.checkWords', 'wallet.changePassword', 'wallet.create', 'wallet.restore', 'wallet.playground', 'send.bump', 'send.cpfp', 'psbt.sign']);
/** Calls after which the wallet is locked: the open wallet locked, or another (locked) one opened. */
const LOCKING = new Set<unknown>(['wallet.lock', 'app.open', 'wallet.create', 'wallet.restore', 'wallet.playground']);
const JUNK_METHODS: unknown[] = ['wallet.steal', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' app.status', 'APP.STATUS', 'app.status\u0000', 42, null, undefined, {}, ['app.status'], Symbol('m')];

export interface CoreFuzzOptions {
  cases: number;
  w: FuzzWallet;
  box: Sandbox;
  /** The file guard's findings since the last call. */
  violations: () => Violation[];
  /** Unhandled rejections since the last call. */
  unhandled: () => unknown[];
  /** Print cases slower than this (ms); 0 prints none. */
  slowMs: number;
}

export async function fuzzCore(o: CoreFuzzOptions): Promise<Tally> {
  const { w, box } = o;
  /** Passwords of the wallets in the data directory, by network (a case may change or add one). */
  const passwords = new Map<string, string>([['regtest', w.password]]);
  const core = new Core(w.datadir);
  /** Events since the last case: they cross a process boundary too (IPC, WebSocket). */
  const events: CofferEvent[] = [];
  core.on('event', (e) => events.push(e));
  await core.start();

  const hintCache = new Map<string, Hints>();

  /** Values worth trying per field, built once per method (the passwords read when drawn). */
  function hintsFor(method: string): Hints {
    const cached = hintCache.get(method);
    if (cached) return cached;
    const rng = caseRng(SEED, `hints ${method}`, 0);
    const hex32 = () => hexString(rng, 32);
    const sats = [1_000, 546, 545, 330, 0, 1, 10_000_000, 25_000_000, 2_100_000_000_000_000, 99_999_999];
    const words = w.mnemonic.split(' ');
    const bip21 = (a: string) => [`bitcoin:${a}`, `BITCOIN:${a.toUpperCase()}`, `bitcoin:${a}?amount=0.001&label=rent%20%26%20food`, `bitcoin:${a}?amount=21000001`, `bitcoin:${a}?amount=1e-8`, `bitcoin:${a}?amount=NaN`, `bitcoin:${a}?amount=-1`, `bitcoin:${a}?amount=0.000000001`, `bitcoin:${a}?label=%ZZ`, `bitcoin:${a}?amount=1&amount=2`, `bitcoin:${a}?req-pay=1`, `bitcoin:${a}?lightning=lnbcrt1`, `bitcoin:?amount=1`, `  ${a}  `];
    const labelLines = [
      ...w.txids.map((t) => `{"type":"tx","ref":"${t}","label":"paid"}`),
      ...w.outpoints.map((o) => `{"type":"output","ref":"${o}","label":"coin","spendable":false}`),
      ...w.own.map((a) => `{"type":"addr","ref":"${a}","label":"mine"}`),
      '{"type":"xpub","ref":"tpubD6NzVbkrYhZ4","label":"x"}',
      '{"type":"output","ref":"00:0","spendable":"no"}',
      '{"__proto__":{"polluted":true},"type":"tx","ref":"00"}',
      `{"type":"tx","ref":"${'ab'.repeat(32)}","label":"${'é'.repeat(300)}"}`,
      '[1,2,3]', 'null', '"text"', '{', '',
    ];
    const perKey: Record<string, unknown[]> = {
      password: ['wrong password!', 'short', ' ', '\u0000'.repeat(8), 'é'.repeat(1024)],
      oldPassword: ['wrong password!'],
      newPassword: ['another long password', 'short', 'é'.repeat(1024)],
      mnemonic: [w.mnemonic, w.mnemonic.toUpperCase(), `  ${w.mnemonic.replaceAll(' ', '   ')} `, `${w.mnemonic} abandon`, 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', 'abandon '.repeat(24).trim(), words.slice(0, 11).join(' '), '的 的 的 的 的 的 的 的 的 的 的 的'],
      word: [...words, words[0]!.toUpperCase(), ` ${words[1]} `],
      address: [...w.own, ...w.foreign],
      recovery: [w.recovery.descriptor, `${w.recovery.descriptor}#qqqqqqqq`, ...w.own, w.foreign[0]!, w.foreign[1]!, 'wpkh(nonsense)', 'pk(02' + '11'.repeat(32) + ')', 'raw(6a)', `addr(${w.own[0]})`, `tr(${'11'.repeat(32)})`, `sh(wpkh(${w.recovery.descriptor.slice(5, -1)}))`, w.descriptors[0]!, 'wpkh(' + 'x'.repeat(990) + ')'],
      amount: [...sats, 'max', 'MAX'],
      amountSat: sats,
      pushSat: [0, 1, 1_000_000, Number.MAX_SAFE_INTEGER],
      feeRate: [1, 2, 1.5, 0.1, 1e-7, 1000, 999_999, 1_000_000],
      outpoint: [...w.outpoints, `${w.txids[0]}:99`, `${w.txids[0]}:4294967295`, `${hex32()}:0`],
      inputs: [...w.outpoints, `${w.txids[0]}:7`],
      txid: [...w.txids, hex32()],
      ref: [...w.txids, ...w.outpoints, ...w.own, w.foreign[0]!, w.txids[0]!.toUpperCase(), 'tpubD6NzVbkrYhZ4'],
      text: method !== 'labels.import' ? [...bip21(w.own[0]!), ...bip21(w.foreign[0]!), ...bip21(w.foreign[5]!), ...w.own, ...w.foreign] : [labelLines.join('\n'), rng.pick(labelLines), labelLines.map((l, i) => (i % 2 ? l : `${l}\r`)).join('\n'), `${labelLines[0]}\n`.repeat(100_000), `${'['.repeat(50_000)}`],
      delay: [1, 6, 144, 65_535],
      id: method.startsWith('channel.') ? [hex32(), hex32().toUpperCase()] : [...w.vaults, w.vaults[0]!.toUpperCase(), `${w.vaults[0]}x`, '0'],
      bolt11: ['lnbcrt1pj', 'lnbc1', `lnbcrt10u1p${hexString(rng, 40)}`, 'LNBCRT1', 'lightning:lnbcrt1', junkString(rng)],
      peer: [`02${hex32()}@${CLOSED}`, `03${hex32()}`, `@${CLOSED}`, `02${hex32()}@[::1]:1`, `02${hex32()}@localhost:1`, `zz@${CLOSED}`],
      file: [...box.writable],
      cookieFile: Object.values(box.files),
      connect: [CLOSED, '[::1]:1', 'localhost:1'],
      url: ['http://127.0.0.1:1/', 'https://127.0.0.1:1/', 'http://[::1]:1/', 'http://localhost:1/'],
      birthday: [0, 1, 540, 100_000_000],
      position: [1, 12, 24],
      limit: [1, 10_000],
      autoLockMinutes: [0, 1, 1440],
      blocks: [1, 1000],
      expirySecs: [60, 31_536_000],
      amountMsat: [1, 1000, Number.MAX_SAFE_INTEGER],
    };
    const current = () => passwords.get('regtest') ?? w.password;
    const hints: Hints = {
      forKey: (k) => (k === 'password' || k === 'oldPassword' ? [current(), ...perKey[k]!] : k === 'bolt11' ? [...learned.bolt11, ...perKey[k]!] : perKey[k]),
      strings: [...w.txids, ...w.outpoints, ...w.own, CLOSED],
      changing: new Set(['password', 'oldPassword', 'bolt11']),
    };
    hintCache.set(method, hints);
    return hints;
  }

  /** Nothing a case does may reach beyond this machine, or start the embedded full node. */
  function keepLocal(params: unknown): unknown {
    if (typeof params !== 'object' || params === null) return params;
    const p = params as Record<string, unknown>;
    const b = Object.hasOwn(p, 'backend') ? p['backend'] : undefined;
    if (typeof b === 'object' && b !== null) {
      const be = b as Record<string, unknown>;
      // The embedded node would download a chain (mainnet: from the Internet); the backends and playground tests cover it.
      if (be['kind'] === 'node') p['backend'] = { kind: 'spv', connect: [CLOSED] };
      if (Array.isArray(be['connect'])) be['connect'] = be['connect'].map((c) => (typeof c === 'string' && /^(127\.0\.0\.1|\[::1\]|localhost):1$/.test(c) ? c : CLOSED));
      if (typeof be['url'] === 'string' && !/^https?:\/\/(127\.0\.0\.1|\[::1\]|localhost):1\//.test(be['url'])) be['url'] = 'http://127.0.0.1:1/';
    }
    if (typeof p['peer'] === 'string' && p['peer'].includes('@')) p['peer'] = `${p['peer'].split('@')[0]}@${CLOSED}`;
    // tower.add pushes to the address at once: a host:port-shaped one becomes the closed local port.
    if (typeof p['address'] === 'string' && /^[^\s]+:\d{1,5}$/.test(p['address'])) p['address'] = CLOSED;
    // A price source would be asked at the next price.get: a provider or a URL becomes the closed local port.
    const price = Object.hasOwn(p, 'price') ? p['price'] : undefined;
    if (typeof price === 'object' && price !== null && (price as Record<string, unknown>)['provider'] !== 'off') p['price'] = { ...price, provider: 'custom', url: `http://${CLOSED}/` };
    return params;
  }

  let kdfLeft = KDF_BUDGET;

  /** A case's method: its generator's first draws. */
  function methodOf(rng: Rng): { junk: true; method: unknown } | { junk: false; method: (typeof METHOD_NAMES)[number] } {
    return rng.chance(0.04) ? { junk: true, method: rng.pick(JUNK_METHODS) } : { junk: false, method: rng.pick(METHOD_NAMES) };
  }

  /** A case's method and params; params are drawn just before the call, so they can use what earlier replies taught. */
  function draw(rng: Rng): { method: unknown; params: unknown } {
    const m = methodOf(rng);
    if (m.junk) return { method: m.method, params: junkValue(rng) };
    const method = m.method;
    const schema = METHODS[method];
    const hints = hintsFor(method);
    const r = rng.int(100);
    let params: unknown;
    if (r < 60) params = validValue(schema, rng, hints);
    else if (r < 88) params = nearValue(schema, rng, hints);
    else if (r < 96) params = junkValue(rng);
    else params = rng.pick(ODD_PAYLOADS);
    params = keepLocal(params);
    if (KDF_METHODS.has(method) && parseCall(method, params)) {
      if (kdfLeft > 0) kdfLeft--;
      else params = { ...(params as object), password: '' };
    }
    return { method, params };
  }

  /** The regtest wallet open, and unlocked (even blocks) or locked (odd ones). */
  async function setState(block: number): Promise<void> {
    const s = await core.call('app.status', {});
    let open = s.ok ? (s.value as { open?: { network: string; locked: boolean } }).open : undefined;
    if (open?.network !== 'regtest') {
      const r = await core.call('app.open', { network: 'regtest' });
      if (!r.ok) throw new Error(`could not reopen the regtest wallet: ${r.error.code}`);
      open = (r.value as { open?: { network: string; locked: boolean } }).open;
    }
    if (block % 2 === 0 && open?.locked !== false) {
      const r = await core.call('wallet.unlock', { password: passwords.get('regtest') });
      if (!r.ok) throw new Error(`could not unlock the regtest wallet: ${r.error.code}`);
    }
    if (block % 2 === 1) await core.call('wallet.lock', {});
  }

  type Reply = Awaited<ReturnType<typeof withinLimit<Result<unknown>>>> | { threw: unknown };

  function check(method: unknown, reply: Reply): Problem[] {
    const problems: Problem[] = [];
    if ('threw' in reply) problems.push({ failure: 'threw', detail: String(reply.threw) });
    else if ('timeout' in reply) problems.push({ failure: 'timeout', detail: `no answer after ${Math.round(reply.ms)} ms` });
    else {
      const r = reply.value;
      if (r.ok) {
        try {
          JSON.stringify(r.value);
        } catch (e) {
          problems.push({ failure: 'unserializable', detail: String(e) });
        }
      } else {
        if (r.error.code === 'internal') problems.push({ failure: 'internal', detail: r.error.message });
        else if (!KNOWN_CODES.has(r.error.code)) problems.push({ failure: 'unknown-code', detail: r.error.code });
        // A method answers only with the codes src/api/operation-errors.ts declares for it.
        else if (typeof method === 'string' && Object.hasOwn(METHOD_ERRORS, method) && !errorsOf(method as Method).includes(r.error.code)) {
          problems.push({ failure: 'undeclared-code', detail: `${method}: ${r.error.code}` });
        }
        if (typeof r.error.message !== 'string' || r.error.message === '' || /\n\s+at /.test(r.error.message)) problems.push({ failure: 'bad-message', detail: show(r.error.message) });
      }
    }
    for (const e of events.splice(0)) {
      try {
        JSON.stringify(e);
      } catch (err) {
        problems.push({ failure: 'unserializable-event', detail: String(err) });
      }
      // A sync round the call started (or the timer's) fails with a typed error too.
      if (e.type === 'sync' && e.state.error && !KNOWN_CODES.has(e.state.error.code)) problems.push({ failure: `sync-${e.state.error.code}`, detail: e.state.error.message });
    }
    for (const v of o.violations()) problems.push({ failure: v.kind, detail: `${v.path} at ${v.where}` });
    const polluted = prototypePolluted();
    if (polluted) problems.push({ failure: 'prototype-polluted', detail: polluted });
    for (const e of o.unhandled()) problems.push({ failure: 'unhandled-rejection', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return problems;
  }

  /** Invoices this node made (and near copies): ln.pay then reaches the decoder's later checks. */
  const learned = { bolt11: [] as string[] };

  /** Passwords a successful case set or changed, for the next block's unlock; invoices made. */
  async function remember(method: unknown, p: Record<string, string>, value: unknown): Promise<void> {
    if (method === 'ln.invoice' && learned.bolt11.length < 30) {
      const b = (value as { bolt11: string }).bolt11;
      learned.bolt11.push(b, b.toUpperCase(), ` lightning:${b} `, b.slice(0, -1), `${b.slice(0, -7)}qqqqqqq`);
    }
    if (method === 'wallet.create' || method === 'wallet.restore') passwords.set(p['network']!, p['password']!);
    if (method === 'wallet.changePassword') {
      const s = await core.call('app.status', {});
      const network = s.ok ? (s.value as { open?: { network: string } }).open?.network : undefined;
      if (network) passwords.set(network, p['newPassword']!);
    }
  }

  const tally = newTally();
  async function run(i: number, method: unknown, params: unknown, unlocked: boolean): Promise<void> {
    if (method === 'channel.backup') box.restoreWritable();
    let reply: Reply;
    try {
      reply = await withinLimit(core.call(method, params));
    } catch (e) {
      reply = { threw: e };
    }
    const ms = 'ms' in reply ? reply.ms : 0;
    if (ONLY !== undefined || (o.slowMs && ms > o.slowMs)) console.log(`core case ${i}: ${show(method)} ${Math.round(ms)} ms ${show(params).slice(0, 200)}`);
    const where = typeof method === 'string' ? method : `<${typeof method}>`;
    const outcome = 'value' in reply ? (reply.value.ok ? 'ok' : reply.value.error.code) : 'timeout' in reply ? 'timeout' : 'threw';
    record(tally, where, outcome, check(method, reply), () => `COFFER_FUZZ_SEED=${SEED} COFFER_FUZZ_CASE=${i} (${unlocked ? 'unlocked' : 'locked'} block) ${show(method)} ${show(params)}`);
    if ('value' in reply && reply.value.ok) await remember(method, params as Record<string, string>, reply.value.value);
  }
  try {
    for (let b = 0; b * BLOCK < o.cases; b++) {
      // Every case is drawn (draws share a scrypt budget), only the one asked for is run.
      if (ONLY !== undefined && b * BLOCK > ONLY) break;
      const unlocked = b % 2 === 0;
      await setState(b);
      const cases = [];
      for (let i = b * BLOCK; i < Math.min(o.cases, (b + 1) * BLOCK); i++) cases.push({ i, method: methodOf(caseRng(SEED, 'core', i)).method });
      // In an unlocked block the calls that lock (lock, reopen) come last, so the rest run unlocked.
      if (unlocked) cases.sort((x, y) => Number(LOCKING.has(x.method)) - Number(LOCKING.has(y.method)) || x.i - y.i);
      for (const c of cases) {
        const { method, params } = draw(caseRng(SEED, 'core', c.i));
        if (ONLY === undefined || c.i === ONLY) await run(c.i, method, params, unlocked);
      }
    }
  } finally {
    await core.stop();
  }
  return tally;
}
