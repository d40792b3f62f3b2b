// How the app shows amounts, in the contract: `display.get|set` (the unit and the fiat price
// source, saved with the wallet) and `price.get` (the last price, for display only; kept here:
// contract.ts is at its size limit).

import { z } from 'zod';

/** The price sources Coffer knows; 'custom' is a URL the user types (its answer's shape: service/price-sources.ts). */
export const PRICE_PROVIDERS = ['coingecko', 'kraken', 'coinbase'] as const;
export const FIAT_CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF', 'JPY', 'CAD', 'AUD'] as const;

const currency = z.enum(FIAT_CURRENCIES);

export const priceSource = z.discriminatedUnion('provider', [
  z.object({ provider: z.literal('off') }).strict(),
  z.object({ provider: z.enum(PRICE_PROVIDERS), currency }).strict(),
  /** https, or http to this computer only (127.0.0.1, ::1, localhost); checked by the core. */
  z.object({ provider: z.literal('custom'), currency, url: z.string().min(1).max(500) }).strict(),
]);
export type PriceSource = z.infer<typeof priceSource>;
export type DisplayUnit = 'btc' | 'sats';

export const DISPLAY_METHODS = {
  'display.get': z.object({}).strict(),
  /** Either or both; a price source is checked (its URL) before anything is saved. */
  'display.set': z.object({ unit: z.enum(['btc', 'sats']).optional(), price: priceSource.optional() }).strict(),
  /**
   * The price of one bitcoin from the chosen source, fetched by the core (through the chain
   * source's SOCKS5 proxy when one is set) when the last one is older than a minute; null while
   * the source is off. Never used for anything but display.
   */
  'price.get': z.object({}).strict(),
} as const;

export interface DisplaySettings {
  unit: DisplayUnit;
  price: PriceSource;
}

export interface PriceQuote {
  currency: (typeof FIAT_CURRENCIES)[number];
  /** The price of 1 BTC in that currency, as the source said it (display only, never money). */
  perBtc: number;
  /** Which provider, or the custom URL's host. */
  source: string;
  /** ms since the epoch. */
  fetchedAt: number;
}

export interface DisplayResults {
  'display.get': DisplaySettings;
  'display.set': DisplaySettings;
  'price.get': { quote: PriceQuote | null };
}
