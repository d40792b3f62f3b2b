// PSBT files and outpoints from users: every form Coffer accepts, and typed errors for the rest.

import { base64 } from '@scure/base';
import * as btc from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { readPsbt } from '../../src/service/psbt-flows.js';
import { checkFeeRate, parseOutpoint } from '../../src/service/spend-service.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

function samplePsbt(): Uint8Array {
  const tx = new btc.Transaction();
  const script = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(n));
  tx.addInput({ txid: new Uint8Array(32).fill(7), index: 1, witnessUtxo: { script: script(2), amount: 10_000n } });
  tx.addOutput({ script: script(3), amount: 9_000n });
  return tx.toPSBT();
}

describe('readPsbt', () => {
  const bin = samplePsbt();
  const b64 = base64.encode(bin);

  it('accepts binary, base64 (with whitespace) and a JSON string of base64', () => {
    for (const form of [bin, new TextEncoder().encode(`${b64}\n`), new TextEncoder().encode(JSON.stringify(b64)), new TextEncoder().encode(b64.replace(/(.{20})/g, '$1\n'))]) {
      expect(readPsbt(form).inputsLength).toBe(1);
    }
  });

  it('refuses anything else with invalid-psbt', () => {
    for (const junk of ['', 'hello', '"not base64!"', 'cHNidP8BAAo=', base64.encode(new Uint8Array(40))]) {
      expectCode(() => readPsbt(new TextEncoder().encode(junk)), 'invalid-psbt');
    }
  });

  it('2,000 mutated PSBTs give only typed errors', () => {
    const rand = prng(42);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const m = bin.slice();
      const flips = 1 + rand(4);
      for (let f = 0; f < flips; f++) m[rand(m.length)] = rand(256);
      const cut = i % 5 === 0 ? m.subarray(0, rand(m.length)) : m;
      try {
        readPsbt(cut);
      } catch {
        expect(codeOf(() => readPsbt(cut))).toBe('invalid-psbt');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});

describe('outpoints and fee rates', () => {
  it('parses TXID:VOUT and refuses malformed ones', () => {
    const o = parseOutpoint(`${'ab'.repeat(32)}:3`);
    expect(o.vout).toBe(3);
    expect(o.txid[0]).toBe(0xab);
    for (const bad of ['', 'ab:1', `${'ab'.repeat(32)}`, `${'ab'.repeat(32)}:-1`, `${'ab'.repeat(32)}:4294967296`, `${'zz'.repeat(32)}:0`]) {
      expectCode(() => parseOutpoint(bad), 'invalid-outpoint');
    }
  });

  it('refuses fee rates below the relay minimum or above the absurd limit', () => {
    expect(expectCode(() => checkFeeRate(0.5), 'fee-too-low').details['requiredSatPerVb']).toBe(1);
    expect(expectCode(() => checkFeeRate(10_001), 'fee-too-high').details['requiresConfirmation']).toBe(false);
    expect(() => checkFeeRate(1)).not.toThrow();
    expect(() => checkFeeRate(10_000)).not.toThrow();
  });
});
