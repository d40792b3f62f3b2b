// Amounts (in the unit chosen in Settings, a fiat value beside), times and password hints as people
// read them. Amounts stay integer satoshis, read and written by the core's rules (`src/api/amount.ts`).
import { formatBtc, parseBtc, parseSat } from '../../src/api/amount.js';
import type { PriceQuote } from '../../src/api/display.js';

/** Always in sats (Lightning, the numbers of error sentences): "1,234 sats". */
export function satsText(sats: number): string {
  return amount(sats, 'sats');
}

/** Millisatoshis as sats, the thousandths kept: 2000000 -> "2,000 sats", 1500 -> "1.5 sats". */
export function msatText(msat: number): string {
  const rest = msat % 1000;
  const whole = grouped(Math.floor(msat / 1000));
  return rest === 0 ? `${whole} sats` : `${whole}${decimalPoint()}${String(rest).padStart(3, '0').replace(/0+$/, '')} sats`;
}

export type Unit = 'btc' | 'sats';

/** What amounts are shown in: the unit chosen in Settings, and the last fiat price (none while off). */
export interface Shown {
  unit: Unit;
  quote?: PriceQuote | undefined;
  /** A BCP 47 tag; undefined: the browser's. */
  locale?: string | undefined;
}

let shown: Shown = { unit: 'btc' };

/** Set by the app from `display.get` and `price.get`; every amount after follows it. */
export function setShown(s: Shown): void {
  shown = s;
}

/** A whole number with the locale's digit groups (exact: satoshi counts stay below 2^53). */
function grouped(n: number, locale = shown.locale): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

function decimalPoint(locale = shown.locale): string {
  return new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/**
 * An amount in the chosen unit, digits grouped by locale: "1,234.56789012 BTC" (trailing zeros kept
 * to 8 places like Electrum and Sparrow, never more) or "123,456,789 sats" (whole). Built from
 * integer parts, never through a float.
 */
export function amount(sats: number, unit: Unit = shown.unit, locale = shown.locale): string {
  const sign = sats < 0 ? '-' : '';
  const a = Math.abs(sats);
  if (unit === 'sats') return `${sign}${grouped(a, locale)} sats`;
  return `${sign}${grouped(Math.floor(a / 100_000_000), locale)}${decimalPoint(locale)}${String(a % 100_000_000).padStart(8, '0')} BTC`;
}

/** "+0.00100000 BTC" for history rows (a minus for what left the wallet). */
export function signedAmount(sats: number): string {
  return `${sats > 0 ? '+' : ''}${amount(sats)}`;
}

/** "≈ $43.01" at the last price: display only; undefined while the price source is off. */
export function fiat(sats: number, quote = shown.quote, locale = shown.locale): string | undefined {
  if (!quote) return undefined;
  const value = (sats / 100_000_000) * quote.perBtc;
  return `≈ ${new Intl.NumberFormat(locale, { style: 'currency', currency: quote.currency }).format(value)}`;
}

/** "1 BTC = $43,012.50 (coingecko, 2 min ago)". */
export function priceText(quote: PriceQuote, now: number, locale = shown.locale): string {
  const price = new Intl.NumberFormat(locale, { style: 'currency', currency: quote.currency }).format(quote.perBtc);
  const age = now - quote.fetchedAt < 5_000 ? 'just now' : `${duration(now - quote.fetchedAt)} ago`;
  return `1 BTC = ${price} (${quote.source}, ${age})`;
}

/** Parse what the user typed (digit groups may be split by spaces, commas or _); undefined when it is not a valid amount in that unit. */
export function parseAmount(text: string, unit: Unit): number | undefined {
  const t = text.trim().replace(/[_\s,]/g, '');
  try {
    return unit === 'sats' ? parseSat(t) : parseBtc(t);
  } catch {
    return undefined;
  }
}

/** The amount as it would be typed in a unit (for switching units without changing the value). */
export function amountInput(sats: number, unit: Unit): string {
  return unit === 'sats' ? String(sats) : formatBtc(sats);
}

export function dateTime(unixSeconds: number): string {
  if (!unixSeconds) return '—';
  return new Date(unixSeconds * 1000).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function duration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Blocks as time at the network's ten-minute average: 144 -> "≈ 1 day", 3 -> "≈ 30 min". */
export function blocksTime(blocks: number): string {
  const minutes = Math.max(0, blocks) * 10;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return `≈ ${h > 0 ? `${h} h` : ''}${h > 0 && m > 0 ? ' ' : ''}${m > 0 || h === 0 ? `${m} min` : ''}`;
  }
  const hours = Math.round(minutes / 60);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return `≈ ${d} day${d === 1 ? '' : 's'}${h > 0 ? ` ${h} h` : ''}`;
}

/** "144 blocks ≈ 1 day". */
export function blocksText(blocks: number): string {
  return `${blocks.toLocaleString('en-US')} block${blocks === 1 ? '' : 's'} ${blocksTime(blocks)}`;
}

export interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hint: string;
}

/** A rough guess of how hard a password is to guess: length and variety, minus obvious patterns. */
export function passwordStrength(pw: string): Strength {
  if (pw.length === 0) return { score: 0, label: 'empty', hint: 'Choose a password of at least 8 characters.' };
  let pool = 0;
  if (/[a-z]/.test(pw)) pool += 26;
  if (/[A-Z]/.test(pw)) pool += 26;
  if (/\d/.test(pw)) pool += 10;
  if (/[^a-zA-Z\d]/.test(pw)) pool += 33;
  const distinct = new Set(pw).size;
  let bits = Math.min(pw.length, distinct * 2) * Math.log2(Math.max(pool, 2));
  if (/^(?:password|123456|qwerty|letmein|bitcoin|coffer)/i.test(pw)) bits = Math.min(bits, 10);
  if (pw.length < 8) return { score: 0, label: 'too short', hint: 'Use at least 8 characters.' };
  if (bits < 40) return { score: 1, label: 'weak', hint: 'Longer is stronger: try a sentence of four or five unrelated words.' };
  if (bits < 60) return { score: 2, label: 'fair', hint: 'Add a few more words or characters.' };
  if (bits < 80) return { score: 3, label: 'good', hint: 'A good password. Write it down somewhere safe.' };
  return { score: 4, label: 'strong', hint: 'A strong password. Write it down somewhere safe.' };
}
