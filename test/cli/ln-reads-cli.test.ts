// `coffer ln decode|payments|invoices` and `wallet abandon`, as clients of the contract: the call
// runs on a core made for the command (no daemon here), with the contract's typed errors, and
// leaves the app's own state (app.json) alone.

import fs from 'node:fs';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { makeInvoice } from '../helpers/bolt11.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();
const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args]);

describe('Lightning reads from the command line', () => {
  beforeAll(async () => {
    const made = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env: { COFFER_PASSWORD: 'a long passphrase' } });
    expect(made.code, made.stderr).toBe(0);
  });

  it('decodes an invoice without a password or a Lightning node', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bolt11 = makeInvoice({ hrp: 'lnbcrt1m', timestamp: now, paymentHash: new Uint8Array(32).fill(9), paymentSecret: new Uint8Array(32).fill(3), description: 'rent', payeeKey: new Uint8Array(32).fill(5) });
    const r = await run(['ln', 'decode', `lightning:${bolt11.toUpperCase()}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ network: 'regtest', paymentHash: '09'.repeat(32), amountMsat: 100_000_000, description: 'rent', createdAt: now, expiresAt: now + 3600, expired: false, routeHints: [] });
    const hopKey = secp256k1.getPublicKey(new Uint8Array(32).fill(7), true);
    const scid = (700_123n << 40n) | (42n << 16n) | 1n;
    const hinted = makeInvoice({
      hrp: 'lnbcrt25u',
      timestamp: now - 7200,
      paymentHash: new Uint8Array(32).fill(1),
      paymentSecret: new Uint8Array(32).fill(2),
      description: '',
      payeeKey: new Uint8Array(32).fill(5),
      routeHints: [[{ nodeId: hopKey, scid, baseMsat: 1_000, ppm: 250, cltvDelta: 40 }]],
    });
    const h = await run(['ln', 'decode', hinted]);
    expect(h.code, h.stderr).toBe(0);
    expect(h.json).toMatchObject({ amountMsat: 2_500_000, expired: true, routeHints: [[{ nodeId: bytesToHex(hopKey), shortChannelId: '700123x42x1', baseFeeMsat: 1_000, proportionalMillionths: 250, cltvExpiryDelta: 40 }]] });
    const bad = await run(['ln', 'decode', 'lnbcrt1notaninvoice']);
    expect([bad.code, bad.stderr]).toEqual([1, 'error: invalid-invoice: This is not a valid BOLT 11 invoice.\n']);
    const long = await run(['ln', 'decode', 'x'.repeat(8001)]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^error: usage: /);
  });

  it('lists no payments and no invoices before Lightning ran; abandon knows no such transaction', async () => {
    for (const what of ['payments', 'invoices']) {
      const r = await run(['ln', what]);
      expect([r.code, r.stdout], r.stderr).toEqual([0, '[]\n']);
    }
    const r = await run(['wallet', 'abandon', 'AB'.repeat(32)]);
    expect([r.code, r.stderr]).toEqual([1, `error: unknown-transaction: This wallet has no transaction ${'ab'.repeat(32)}.\n`]);
    expect(fs.existsSync(path.join(dir, 'app.json'))).toBe(false);
  });

  it('lists invoices as open, paid or expired, and received payments beside sent ones', async () => {
    const now = Math.floor(Date.now() / 1000);
    const invoice = (n: number, timestamp: number, hrp = 'lnbcrt1u') =>
      makeInvoice({ hrp, timestamp, paymentHash: new Uint8Array(32).fill(n), paymentSecret: new Uint8Array(32).fill(3), description: `invoice ${n}`, payeeKey: new Uint8Array(32).fill(5) });
    // As the node records them: an invoice made (pending), one paid (with what came), a payment sent.
    const db = new Database(path.join(dir, 'regtest', 'wallet.sqlite'));
    const put = db.prepare('INSERT INTO chan_payments (payment_hash, direction, amount_msat, fee_msat, preimage, status, bolt11, created_at, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    put.run('11'.repeat(32), 'in', 100_000, null, null, 'pending', invoice(0x11, now), 1_000, null);
    put.run('22'.repeat(32), 'in', 100_000, null, null, 'pending', invoice(0x22, now - 7200), 2_000, null);
    put.run('33'.repeat(32), 'in', 120_000, null, 'aa'.repeat(32), 'succeeded', invoice(0x33, now - 7200), 3_000, 3_500);
    put.run('44'.repeat(32), 'out', 50_000, 12, 'bb'.repeat(32), 'succeeded', invoice(0x44, now, 'lnbcrt500n'), 4_000, 4_100);
    put.run('55'.repeat(32), 'out', 70_000, null, null, 'failed', null, 5_000, 5_100);
    db.close();
    const invoices = await run(['ln', 'invoices']);
    expect(invoices.code, invoices.stderr).toBe(0);
    expect(invoices.json.map((i: { paymentHash: string; status: string }) => [i.paymentHash.slice(0, 2), i.status])).toEqual([
      ['33', 'paid'],
      ['22', 'expired'],
      ['11', 'open'],
    ]);
    expect(invoices.json[0]).toMatchObject({ amountMsat: 100_000, receivedMsat: 120_000, description: 'invoice 51', expiresAt: now - 3600, settledAt: 3_500 });
    const payments = await run(['ln', 'payments']);
    expect(payments.code, payments.stderr).toBe(0);
    expect(payments.json.map((p: { paymentHash: string; direction: string; status: string }) => [p.paymentHash.slice(0, 2), p.direction, p.status])).toEqual([
      ['55', 'sent', 'failed'],
      ['44', 'sent', 'succeeded'],
      ['33', 'received', 'succeeded'],
    ]);
    expect(payments.json[1]).toMatchObject({ amountMsat: 50_000, feeMsat: 12, preimage: 'bb'.repeat(32) });
  });
});
