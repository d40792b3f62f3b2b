// Amounts as text in the core and the page: one set of rules (`src/api/amount.ts`), the page's
// typing leniency (digit separators, units) and its 8-place display on top.

import { describe, expect, it } from 'vitest';
import { MAX_MONEY_SAT, parseSat } from '../../src/api/amount.js';
import { MAX_MONEY } from '../../src/chain/tx.js';
import { amount, amountInput, fiat, parseAmount, priceText, setShown, signedAmount } from '../../renderer/src/format.js';

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
    setShown({ unit: 'btc', locale: 'en-US' });
    expect(amount(123_456_789)).toBe('1.23456789 BTC');
    expect(amount(0)).toBe('0.00000000 BTC');
    expect(amount(-100_000)).toBe('-0.00100000 BTC');
    expect(amount(MAX_MONEY)).toBe('21,000,000.00000000 BTC');
    expect(amount(MAX_MONEY - 1)).toBe('20,999,999.99999999 BTC');
    expect(signedAmount(100_000)).toBe('+0.00100000 BTC');
    expect(signedAmount(-1)).toBe('-0.00000001 BTC');
    expect(signedAmount(0)).toBe('0.00000000 BTC');
    expect(amountInput(100_000, 'btc')).toBe('0.001');
    expect(amountInput(5_000_000_000, 'btc')).toBe('50');
    expect(amountInput(0, 'btc')).toBe('0');
    expect(amountInput(100_000, 'sats')).toBe('100000');
    for (const sats of [0, 1, 99_999_999, 100_000_000, 123_456_789, MAX_MONEY]) {
      expect(parseAmount(amountInput(sats, 'btc'), 'btc')).toBe(sats);
      expect(parseAmount(amountInput(sats, 'sats'), 'sats')).toBe(sats);
      // What is shown reads back as the same amount: no rounding, no more places than the unit has.
      setShown({ unit: 'btc', locale: 'en-US' });
      expect(parseAmount(amount(sats).replace(' BTC', ''), 'btc')).toBe(sats);
      setShown({ unit: 'sats', locale: 'en-US' });
      expect(parseAmount(amount(sats).replace(' sats', ''), 'sats')).toBe(sats);
    }
  });

  it('shows amounts in the chosen unit with the locale\'s digit groups', () => {
    setShown({ unit: 'sats', locale: 'en-US' });
    expect(amount(123_456_789)).toBe('123,456,789 sats');
    expect(signedAmount(-5_000)).toBe('-5,000 sats');
    expect(amount(MAX_MONEY)).toBe('2,100,000,000,000,000 sats');
    expect(amount(100_000, 'btc')).toBe('0.00100000 BTC');
    expect(amount(123_456_789, 'btc', 'de-DE')).toBe('1,23456789 BTC');
    expect(amount(123_456_789_000, 'btc', 'de-DE')).toBe('1.234,56789000 BTC');
    expect(amount(123_456_789, 'sats', 'de-DE')).toBe('123.456.789 sats');
    expect(amount(1_234_567, 'sats', 'fr-FR')).toMatch(/^1\s234\s567 sats$/);
  });

  it('shows a fiat value only with a price, and the price with its age', () => {
    setShown({ unit: 'btc', locale: 'en-US' });
    expect(fiat(100_000_000)).toBeUndefined();
    const quote = { currency: 'USD' as const, perBtc: 43_012.5, source: 'coingecko', fetchedAt: 1_000_000 };
    setShown({ unit: 'btc', locale: 'en-US', quote });
    expect(fiat(100_000_000)).toBe('≈ $43,012.50');
    expect(fiat(100_000)).toBe('≈ $43.01');
    expect(fiat(-250_000)).toBe('≈ -$107.53');
    expect(fiat(1, { ...quote, currency: 'EUR' }, 'de-DE')).toBe('≈ 0,00\u00a0€');
    expect(priceText(quote, 1_000_000 + 2_000)).toBe('1 BTC = $43,012.50 (coingecko, just now)');
    expect(priceText(quote, 1_000_000 + 120_000)).toBe('1 BTC = $43,012.50 (coingecko, 2 min ago)');
    setShown({ unit: 'btc' });
  });
});
