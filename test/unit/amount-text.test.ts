// Amounts as text in the core and the page: one set of rules (`src/api/amount.ts`), the page's
// typing leniency (digit separators, units) and its 8-place display on top.

import { describe, expect, it } from 'vitest';
import { MAX_MONEY_SAT, parseSat } from '../../src/api/amount.js';
import { MAX_MONEY } from '../../src/chain/tx.js';
import { amountInput, btc, parseAmount, signedBtc } from '../../renderer/src/format.js';

describe('amount text', () => {
  it('caps amounts at the consensus limit', () => {
    expect(MAX_MONEY_SAT).toBe(MAX_MONEY);
    expect(parseSat('2100000000000000')).toBe(MAX_MONEY);
    expect(() => parseSat('2100000000000001')).toThrow(expect.objectContaining({ code: 'invalid-amount' }));
    for (const bad of ['', '-1', '1.0', '1e3', '12345678901234567', ' 1']) expect(() => parseSat(bad)).toThrow(expect.objectContaining({ code: 'invalid-amount' }));
  });

  it('reads what people type in either unit', () => {
    expect(parseAmount('0.001', 'btc')).toBe(100_000);
    expect(parseAmount(' .5 ', 'btc')).toBe(50_000_000);
    expect(parseAmount('5.', 'btc')).toBe(500_000_000);
    expect(parseAmount('1,000.5', 'btc')).toBe(100_050_000_000);
    expect(parseAmount('21000000', 'btc')).toBe(MAX_MONEY);
    expect(parseAmount('100 000', 'sats')).toBe(100_000);
    expect(parseAmount('1_000', 'sats')).toBe(1_000);
    for (const bad of ['', '.', 'abc', '1e3', '-1', '0.123456789', '21000000.00000001', '1.2.3']) expect(parseAmount(bad, 'btc')).toBeUndefined();
    for (const bad of ['', '1.5', '2100000000000001', '-5']) expect(parseAmount(bad, 'sats')).toBeUndefined();
  });

  it('writes amounts for display and for typing', () => {
    expect(btc(123_456_789)).toBe('1.23456789');
    expect(btc(0)).toBe('0.00000000');
    expect(btc(-100_000)).toBe('-0.00100000');
    expect(btc(MAX_MONEY)).toBe('21000000.00000000');
    expect(signedBtc(100_000)).toBe('+0.00100000 BTC');
    expect(signedBtc(-1)).toBe('-0.00000001 BTC');
    expect(amountInput(100_000, 'btc')).toBe('0.001');
    expect(amountInput(5_000_000_000, 'btc')).toBe('50');
    expect(amountInput(0, 'btc')).toBe('0');
    expect(amountInput(100_000, 'sats')).toBe('100000');
    for (const sats of [0, 1, 99_999_999, 100_000_000, 123_456_789, MAX_MONEY]) {
      expect(parseAmount(amountInput(sats, 'btc'), 'btc')).toBe(sats);
      expect(parseAmount(amountInput(sats, 'sats'), 'sats')).toBe(sats);
    }
  });
});
