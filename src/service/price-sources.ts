// The fiat price sources the app offers: where each is asked and how its answer is read. No IO here
// (price-fetch.ts fetches); every answer is checked, and anything else is a typed error.
//
// The answers read, one price of 1 BTC each:
//   coingecko  GET https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=usd
//              {"bitcoin":{"usd":43012.5}}
//   kraken     GET https://api.kraken.com/0/public/Ticker?pair=XBTUSD
//              {"error":[],"result":{"XXBTZUSD":{"c":["43012.50000","0.0100"],...}}}  (c: last trade)
//   coinbase   GET https://api.coinbase.com/v2/prices/BTC-USD/spot
//              {"data":{"base":"BTC","currency":"USD","amount":"43012.50"}}
//   custom     GET the URL the user typed: {"USD":43012.5} (the currency's code, a number or a decimal string)

import net from 'node:net';
import type { PriceSource } from '../api/display.js';
import { CofferError } from '../api/errors.js';

type Source = Exclude<PriceSource, { provider: 'off' }>;

/** The most a price may be: a sanity bound (1e12 of any currency per BTC), not a forecast. */
const MAX_PRICE = 1e12;

/** Hosts reached over plain http: this computer only (the test servers, a user's own script). */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

/** A custom price URL as the user typed it: https, or http to this computer; no login in it. */
export function checkPriceUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new CofferError('invalid-setting', 'The price URL is not a web address; type one like https://example.com/price.', { key: 'price-url' });
  }
  if (u.username || u.password) throw new CofferError('invalid-setting', 'The price URL must not carry a user name or password.', { key: 'price-url' });
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return u;
  throw new CofferError('invalid-setting', 'The price URL must start with https:// (http:// only for this computer, 127.0.0.1 or localhost).', { key: 'price-url' });
}

/** Where a source is asked for its price. */
export function priceUrl(s: Source): URL {
  const c = s.currency;
  switch (s.provider) {
    case 'coingecko':
      return new URL(`https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=${c.toLowerCase()}`);
    case 'kraken':
      return new URL(`https://api.kraken.com/0/public/Ticker?pair=XBT${c}`);
    case 'coinbase':
      return new URL(`https://api.coinbase.com/v2/prices/BTC-${c}/spot`);
    case 'custom':
      return checkPriceUrl(s.url);
  }
}

/** Whether the source may be reached without the proxy (a custom URL on this computer). */
export function isLocalSource(s: Source): boolean {
  return s.provider === 'custom' && isLoopback(checkPriceUrl(s.url).hostname);
}

/** What the app says the price came from: the provider, or the custom URL's host. */
export function sourceName(s: Source): string {
  return s.provider === 'custom' ? checkPriceUrl(s.url).host : s.provider;
}

function bad(reason: string): CofferError<'backend-error'> {
  return new CofferError('backend-error', `The price source answered something other than a price: ${reason}.`, { reason });
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
}

/** A price as JSON gives it: a finite positive number, or a decimal string of one. */
function priceValue(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,13}(\.\d{1,12})?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_PRICE) throw bad(`no price at ${where}`);
  return n;
}

/** The price of 1 BTC in the source's currency, read from its answer (the body, as text). */
export function parsePrice(s: Source, body: string): number {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw bad('not JSON');
  }
  const c = s.currency;
  switch (s.provider) {
    case 'coingecko':
      return priceValue(field(field(json, 'bitcoin'), c.toLowerCase()), `bitcoin.${c.toLowerCase()}`);
    case 'kraken': {
      const errors = field(json, 'error');
      if (Array.isArray(errors) && errors.length > 0) throw bad(`its error ${String(errors[0]).slice(0, 80)}`);
      const result = field(json, 'result');
      const pairs = typeof result === 'object' && result !== null ? Object.values(result) : [];
      if (pairs.length !== 1) throw bad('not one pair in result');
      const last = field(pairs[0], 'c');
      return priceValue(Array.isArray(last) ? last[0] : undefined, 'result.*.c[0]');
    }
    case 'coinbase': {
      const data = field(json, 'data');
      if (field(data, 'currency') !== c) throw bad(`not a price in ${c}`);
      return priceValue(field(data, 'amount'), 'data.amount');
    }
    case 'custom':
      return priceValue(field(json, c), c);
  }
}
