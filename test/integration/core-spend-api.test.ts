// The contract's fee bumps, CPFP, abandon, PSBTs and Lightning reads, called through Core.call as
// main, the shell and the `coffer` command call them: against a real bcoin regtest node, bad
// inputs answered with typed errors, the wallet's own inputs signed only with the password, and a
// command's own core (CoreOptions.command) reading a locked wallet without touching app.json.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSBT_BASE64_MAX, type Results } from '../../src/api/contract.js';
import { Core } from '../../src/service/core.js';
import { startControl } from '../../src/service/daemon.js';
import { makeInvoice } from '../helpers/bolt11.js';
import { coffer } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { code, value } from '../helpers/result.js';

/** A recovery destination with its key (the generator point): a vault refuses a bare address. */
const RECOVERY = 'wpkh(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = 'correct horse battery';
const hex32 = (b: number) => b.toString(16).padStart(2, '0').repeat(32);


describe('core API: bumps, CPFP, abandon, PSBTs, Lightning reads', () => {
  const datadir = tmpDir();
  let a: RegtestNode;
  let core: Core;

  beforeAll(async () => {
    a = await startNode();
    await a.fund();
    core = new Core(datadir);
    await core.start();
    value(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: [a.address] } }));
    const { address } = value<Results['wallet.address']>(await core.call('wallet.address', {}));
    for (const sats of [1_000_000, 1_000_000, 400_000]) await a.send(address, sats);
    await a.mine(1);
    await waitFor(async () => {
      value(await core.call('sync.now', {}));
      return value<Results['wallet.summary']>(await core.call('wallet.summary', {})).confirmed === 2_400_000;
    }, 30_000, 'the wallet funded');
  });
  afterAll(async () => {
    await core?.stop();
    await a?.close();
  });

  it('refuses malformed params with usage, and bad values with their own typed errors', async () => {
    const usage: [string, unknown][] = [
      ['send.bump', { txid: 'zz', feeRate: 2 }],
      ['send.bump', { txid: hex32(0xab), feeRate: 0 }],
      ['send.bump', { txid: hex32(0xab), feeRate: 2, password: '' }],
      ['send.cpfp', { outpoint: 'nonsense', feeRate: 2 }],
      ['tx.abandon', { txid: 'ab' }],
      ['psbt.create', { recipients: [] }],
      ['psbt.review', { psbt: '' }],
      ['psbt.sign', { psbt: 'cHNidP8=', password: 5 }],
      ['psbt.finalize', { psbt: 'A'.repeat(PSBT_BASE64_MAX + 1) }],
      ['psbt.combine', { psbts: [] }],
      ['psbt.combine', { psbts: Array(17).fill('cHNidP8=') }],
      ['psbt.broadcast', { psbt: 'cHNidP8=', acceptHighFee: 'yes' }],
      ['ln.decode', { bolt11: '' }],
      ['ln.payments', { all: true }],
      ['ln.invoices', { limit: 1 }],
    ];
    for (const [method, params] of usage) expect(code(await core.call(method, params)), method).toBe('usage');
    const typed: [string, unknown, string][] = [
      ['send.bump', { txid: hex32(0xab), feeRate: 5 }, 'unknown-transaction'],
      ['send.cpfp', { outpoint: `${hex32(0xab)}:0`, feeRate: 20 }, 'unknown-transaction'],
      ['tx.abandon', { txid: hex32(0xab) }, 'unknown-transaction'],
      ['psbt.create', { recipients: [{ address: 'bcrt1qnotanaddress', amount: 10_000 }], feeRate: 2 }, 'invalid-address'],
      ['psbt.create', { recipients: [{ address: a.walletAddress, amount: 100_000_000 }], feeRate: 2 }, 'insufficient-funds'],
      ['psbt.review', { psbt: 'not base64!' }, 'invalid-psbt'],
      ['psbt.review', { psbt: 'cHNidP8BAAo=' }, 'invalid-psbt'],
      ['psbt.finalize', { psbt: 'cHNidP8BAAo=' }, 'invalid-psbt'],
      ['psbt.combine', { psbts: ['cHNidP8BAAo='] }, 'invalid-psbt'],
      ['psbt.broadcast', { psbt: '%%%' }, 'invalid-psbt'],
      ['ln.decode', { bolt11: 'lnbcrt1notaninvoice' }, 'invalid-invoice'],
    ];
    for (const [method, params, expected] of typed) expect(code(await core.call(method, params)), method).toBe(expected);
  });

  it('creates, reviews, signs (only with the password), finalizes, combines and broadcasts a PSBT', async () => {
    const { psbt } = value<Results['psbt.create']>(await core.call('psbt.create', { recipients: [{ address: a.walletAddress, amount: 30_000 }], feeRate: 3 }));
    const { summary } = value<Results['psbt.review']>(await core.call('psbt.review', { psbt }));
    expect(summary.toSign).toBe(summary.inputs.length);
    expect(summary.sent).toBe(30_000);
    expect(summary.outputs.filter((o) => o.mine === 'change')).toHaveLength(1);
    expect(summary.fee).toBeGreaterThan(0);
    // Unlocked, and still not without the password: the API alone signs nothing.
    expect(code(await core.call('psbt.sign', { psbt }))).toBe('password-required');
    expect(code(await core.call('psbt.sign', { psbt, password: 'not the password' }))).toBe('wrong-password');
    const signed = value<Results['psbt.sign']>(await core.call('psbt.sign', { psbt, password: PASSWORD }));
    expect(signed.signed).toBe(summary.toSign);
    expect(signed.summary).toEqual(summary);
    // Nothing left to sign: refused before any password is asked for.
    expect(code(await core.call('psbt.sign', { psbt: signed.psbt }))).toBe('invalid-psbt');
    expect(code(await core.call('psbt.finalize', { psbt }))).toBe('invalid-psbt');
    const combined = value<Results['psbt.combine']>(await core.call('psbt.combine', { psbts: [psbt, signed.psbt] })).psbt;
    const final = value<Results['psbt.finalize']>(await core.call('psbt.finalize', { psbt: combined })).psbt;
    const { txid } = value<Results['psbt.broadcast']>(await core.call('psbt.broadcast', { psbt: final }));
    await waitFor(() => a.mempool().includes(txid), 15_000, 'the PSBT transaction in the mempool');
  });

  it('bumps a send (dry run; bcoin refuses the replacement), speeds it up with CPFP, and abandons the child', async () => {
    const sent = value<Results['send.confirm']>(await core.call('send.confirm', { recipients: [{ address: a.walletAddress, amount: 50_000 }], feeRate: 2 }));
    expect(code(await core.call('send.bump', { txid: sent.txid, feeRate: 1.5 }))).toBe('fee-too-low');
    const dry = value<Results['send.bump']>(await core.call('send.bump', { txid: sent.txid, feeRate: 10, dryRun: true }));
    expect(dry).toMatchObject({ replaces: sent.txid, broadcast: false, feeSource: 'given' });
    expect(code(await core.call('send.bump', { txid: sent.txid, feeRate: 10, password: 'not the password' }))).toBe('wrong-password');
    const detail = value<Results['wallet.transaction']>(await core.call('wallet.transaction', { txid: sent.txid }));
    const vout = detail.outputs.findIndex((o) => o.mine);
    expect(vout).toBeGreaterThanOrEqual(0);
    const child = value<Results['send.cpfp']>(await core.call('send.cpfp', { outpoint: `${sent.txid}:${vout}`, feeRate: 30 }));
    expect(child).toMatchObject({ parent: sent.txid, parentFeeKnown: true, broadcast: true });
    expect(child.packageFeerate).toBeGreaterThanOrEqual(29.9);
    await waitFor(() => a.mempool().includes(child.txid), 15_000, 'the CPFP child in the mempool');
    // The parent now has a child of ours: it cannot be abandoned alone; the child can.
    expect(code(await core.call('tx.abandon', { txid: sent.txid }))).toBe('cannot-bump');
    expect(value(await core.call('tx.abandon', { txid: child.txid }))).toEqual({ txid: child.txid, abandoned: true });
    // bcoin 1.0.2 never replaces a mempool transaction (test/integration/rbf-interop.test.ts sends
    // the replacement to a second node): the signed replacement is refused and forgotten again.
    expect(code(await core.call('send.bump', { txid: sent.txid, feeRate: 10 }))).toBe('invalid-transaction');
  });

  it('decodes an invoice; lists no payments or invoices while Lightning never ran', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fields = { hrp: 'lnbcrt25u', timestamp: now, paymentHash: new Uint8Array(32).fill(1), paymentSecret: new Uint8Array(32).fill(2), description: 'a cup of coffee', expiry: 600, payeeKey: new Uint8Array(32).fill(7) };
    const info = value<Results['ln.decode']>(await core.call('ln.decode', { bolt11: `  lightning:${makeInvoice(fields)} ` }));
    expect(info).toEqual({
      network: 'regtest',
      paymentHash: '01'.repeat(32),
      payee: '02989c0b76cb563971fdc9bef31ec06c3560f3249d6ee9e5d83c57625596e05f6f',
      amountMsat: 2_500_000,
      description: 'a cup of coffee',
      createdAt: now,
      expiresAt: now + 600,
      expired: false,
      minFinalCltvExpiry: 18,
      routeHints: [],
    });
    const old = value<Results['ln.decode']>(await core.call('ln.decode', { bolt11: makeInvoice({ ...fields, hrp: 'lnbc', timestamp: now - 7200 }) }));
    expect(old).toMatchObject({ network: 'main', expired: true });
    expect(old.amountMsat).toBeUndefined();
    expect(value(await core.call('ln.payments', {}))).toEqual([]);
    expect(value(await core.call('ln.invoices', {}))).toEqual([]);
  });

  it('while locked, refuses every new method that shows or spends wallet data', async () => {
    value(await core.call('wallet.lock', {}));
    try {
      const calls: [string, unknown][] = [
        ['send.bump', { txid: hex32(0xab), feeRate: 5, password: PASSWORD }],
        ['send.cpfp', { outpoint: `${hex32(0xab)}:0`, feeRate: 5 }],
        ['tx.abandon', { txid: hex32(0xab) }],
        ['psbt.create', { recipients: [{ address: a.walletAddress, amount: 30_000 }], feeRate: 3 }],
        ['psbt.review', { psbt: 'cHNidP8BAAo=' }],
        ['psbt.sign', { psbt: 'cHNidP8BAAo=', password: PASSWORD }],
        ['psbt.broadcast', { psbt: 'cHNidP8BAAo=' }],
        ['ln.payments', {}],
        ['ln.invoices', {}],
      ];
      for (const [method, params] of calls) expect(code(await core.call(method, params)), method).toBe('wallet-locked');
    } finally {
      value(await core.call('wallet.unlock', { password: PASSWORD }));
    }
  });

  it("a command's own core reads the locked wallet, signs only with the password, and leaves app.json alone", async () => {
    const appJson = path.join(datadir, 'app.json');
    const before = fs.readFileSync(appJson, 'utf8');
    const own = new Core(datadir, { command: true });
    try {
      value(await own.call('app.open', { network: 'regtest' }));
      expect(value<Results['app.status']>(await own.call('app.status', {})).open?.locked).toBe(true);
      const { psbt } = value<Results['psbt.create']>(await own.call('psbt.create', { recipients: [{ address: a.walletAddress, amount: 20_000 }], feeRate: 2 }));
      const { summary } = value<Results['psbt.review']>(await own.call('psbt.review', { psbt }));
      expect(summary.toSign).toBeGreaterThan(0);
      expect(code(await own.call('psbt.sign', { psbt }))).toBe('password-required');
      expect(value<Results['psbt.sign']>(await own.call('psbt.sign', { psbt, password: PASSWORD })).signed).toBe(summary.toSign);
      expect(value<Results['app.status']>(await own.call('app.status', {})).open?.locked).toBe(false);
    } finally {
      await own.stop();
    }
    expect(fs.readFileSync(appJson, 'utf8')).toBe(before);
  });

  it('the coffer command without a daemon: wallet transaction and vault preview answer as the core does', async () => {
    const run = (args: string[]) => coffer(['--datadir', datadir, '--network', 'regtest', '--connect', a.address, ...args]);
    const [latest] = value<Results['wallet.history']>(await core.call('wallet.history', { limit: 1 }));
    const tx = await run(['wallet', 'transaction', latest!.txid.toUpperCase()]);
    expect(tx.code, tx.stderr).toBe(0);
    expect(tx.json).toEqual(value(await core.call('wallet.transaction', { txid: latest!.txid })));
    expect((await run(['wallet', 'transaction', hex32(0xcd)])).stderr).toMatch(/^error: unknown-transaction: /);
    const request = { amount: 300_000, delay: 10, recovery: RECOVERY, feeRate: 2 };
    const preview = await run(['vault', 'preview', '--amount', '300000', '--delay', '10', '--recovery', RECOVERY, '--feerate', '2']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.json).toEqual(value(await core.call('vault.preview', request)));
    expect((await run(['vault', 'preview', '--amount', '0', '--delay', '10', '--recovery', RECOVERY])).stderr).toMatch(/^error: invalid-amount: /);
  });

  it('the coffer command sends its calls to a running daemon: a PSBT created and signed there, the password checked there', async () => {
    const seen: string[] = [];
    const control = await startControl({ call: (m, p) => (seen.push(String(m)), core.call(m, p)) }, datadir, 'regtest');
    const run = (args: string[], password?: string) => coffer(['--datadir', datadir, '--network', 'regtest', ...args], { env: password ? { COFFER_PASSWORD: password } : {} });
    try {
      const created = await run(['wallet', 'psbt', 'create', '--to', a.walletAddress, '--amount', '25000', '--feerate', '2']);
      expect(created.code, created.stderr).toBe(0);
      const file = path.join(datadir, 'daemon.psbt');
      fs.writeFileSync(file, created.json as string);
      const wrong = await run(['wallet', 'psbt', 'sign', '--yes', file], 'not the password');
      expect(wrong.stderr).toMatch(/^This PSBT spends /);
      expect(wrong.stderr).toMatch(/error: wrong-password: /);
      const signed = await run(['wallet', 'psbt', 'sign', '--yes', file], PASSWORD);
      expect(signed.code, signed.stderr).toBe(0);
      expect(value<Results['psbt.review']>(await core.call('psbt.review', { psbt: signed.json as string })).summary.toSign).toBe(0);
      expect((await run(['ln', 'invoices'])).stdout).toBe('[]\n');
      // psbt finalize needs no wallet: it stays in the command's own process.
      expect((await run(['wallet', 'psbt', 'finalize', file])).stderr).toMatch(/^error: invalid-psbt: /);
      expect(seen.filter((m) => m !== 'app.status')).toEqual(['sync.now', 'psbt.create', 'psbt.review', 'psbt.sign', 'psbt.review', 'psbt.sign', 'ln.invoices']);
    } finally {
      await control.close();
    }
  });
});
