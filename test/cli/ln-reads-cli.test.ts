// `coffer ln decode|payments|invoices` and `wallet abandon`, as clients of the contract: the call
// runs on a core made for the command (no daemon here), with the contract's typed errors, and
// leaves the app's own state (app.json) alone.

import fs from 'node:fs';
import path from 'node:path';
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
    const r = await run(['ln', 'decode', bolt11]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ network: 'regtest', paymentHash: '09'.repeat(32), amountMsat: 100_000_000, description: 'rent', createdAt: now, expiresAt: now + 3600, expired: false });
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
});
