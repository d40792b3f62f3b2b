// Bitcoin amounts as text: exact decimal BTC and whole satoshis <-> integer satoshis, never
// through floats. The core and the page both run these rules (the page may import this file).

import { CofferError } from './errors.js';

export const SAT_PER_BTC = 100_000_000;
/** 21 million bitcoin: no amount above what can ever exist (the consensus rule is `chain/tx.ts`' MAX_MONEY). */
export const MAX_MONEY_SAT = 21_000_000 * SAT_PER_BTC;

/** Parse a decimal BTC amount ("0.001", "50", "50.00", ".5") into satoshis. */
export function parseBtc(text: string): number {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) {
    throw new CofferError('invalid-amount', 'An amount is a decimal number of bitcoin with a "." separator.', { reason: 'format' });
  }
  const whole = m[1] ?? '';
  const frac = m[2] ?? '';
  if (frac.length > 8) {
    throw new CofferError('invalid-amount', 'An amount has at most 8 decimal places (1 satoshi).', { reason: 'precision' });
  }
  if (whole.replace(/^0+/, '').length > 8) throw tooLarge();
  const sat = Number(whole || '0') * SAT_PER_BTC + Number(frac.padEnd(8, '0'));
  if (sat > MAX_MONEY_SAT) throw tooLarge();
  return sat;
}

/** Parse a whole number of satoshis ("100000") into satoshis. */
export function parseSat(text: string): number {
  if (!/^\d{1,16}$/.test(text)) {
    throw new CofferError('invalid-amount', 'An amount in satoshis is a whole number.', { reason: 'format' });
  }
  const sat = Number(text);
  if (sat > MAX_MONEY_SAT) throw tooLarge();
  return sat;
}

function tooLarge(): CofferError {
  return new CofferError('invalid-amount', 'The amount is larger than 21 million bitcoin.', { reason: 'too-large' });
}

/** Satoshis as the shortest exact decimal BTC string ("0.001", "50"). */
export function formatBtc(sat: number): string {
  if (!Number.isSafeInteger(sat) || sat < 0) throw new RangeError('amount must be a non-negative integer of satoshis');
  const whole = Math.floor(sat / SAT_PER_BTC);
  const frac = String(sat % SAT_PER_BTC).padStart(8, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
