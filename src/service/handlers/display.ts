// The contract's display settings: `display.get|set` (the unit and the fiat price source, saved in
// the wallet's meta table) and `price.get` (the last price, fetched again after a minute).

import { priceSource, type DisplaySettings, type PriceQuote, type PriceSource } from '../../api/display.js';
import { CofferError } from '../../api/errors.js';
import { parseProxyUrl } from '../../p2p/socks5.js';
import { fetchText } from '../price-fetch.js';
import { checkPriceUrl, isLocalSource, parsePrice, priceUrl, sourceName } from '../price-sources.js';
import type { WalletService } from '../wallet-service.js';
import type { HandlerMap, SessionHost } from './handler.js';

export type DisplayMethods = 'display.get' | 'display.set' | 'price.get';

const META = 'display';
/** A price younger than this is shown again rather than fetched. */
export const PRICE_MAX_AGE_MS = 60_000;
const DEFAULTS: DisplaySettings = { unit: 'btc', price: { provider: 'off' } };

/** The saved settings; none saved, the defaults (BTC, no price). */
export function readDisplay(w: WalletService): DisplaySettings {
  const raw = w.meta(META);
  if (raw === undefined) return DEFAULTS;
  try {
    const d = JSON.parse(raw) as { unit?: unknown; price?: unknown };
    const price = priceSource.safeParse(d.price);
    if ((d.unit === 'btc' || d.unit === 'sats') && price.success) return { unit: d.unit, price: price.data };
  } catch {
    // Reported below.
  }
  throw new CofferError('database-corrupt', 'The saved display setting is damaged; choose the unit and price source again in Settings.', { setting: META });
}

export function displayHandlers(host: SessionHost, now: () => number = Date.now): HandlerMap<DisplayMethods> {
  let last: { key: string; quote: PriceQuote } | undefined;
  let inFlight: { key: string; promise: Promise<PriceQuote> } | undefined;

  const fetchQuote = async (s: Exclude<PriceSource, { provider: 'off' }>): Promise<PriceQuote> => {
    const b = host.backend();
    const proxyText = 'proxy' in b ? b.proxy : undefined;
    const proxy = proxyText && !isLocalSource(s) ? parseProxyUrl(proxyText) : undefined;
    const body = await fetchText(priceUrl(s), proxy ? { proxy } : {});
    return { currency: s.currency, perBtc: parsePrice(s, body), source: sourceName(s), fetchedAt: now() };
  };

  return {
    'display.get': () => readDisplay(host.wallet()),
    'display.set': (p) => {
      const w = host.wallet();
      if (p.price?.provider === 'custom') checkPriceUrl(p.price.url);
      // A damaged saved setting is what Settings replaces: the change starts from the defaults.
      let saved = DEFAULTS;
      try {
        saved = readDisplay(w);
      } catch (e) {
        if (!(e instanceof CofferError && e.code === 'database-corrupt')) throw e;
      }
      const d: DisplaySettings = { ...saved, ...(p.unit ? { unit: p.unit } : {}), ...(p.price ? { price: p.price } : {}) };
      w.setMeta(META, JSON.stringify(d));
      return d;
    },
    'price.get': async () => {
      const s = readDisplay(host.wallet()).price;
      if (s.provider === 'off') return { quote: null };
      const key = JSON.stringify(s);
      if (last?.key === key && now() - last.quote.fetchedAt < PRICE_MAX_AGE_MS) return { quote: last.quote };
      if (inFlight?.key !== key) {
        const promise = fetchQuote(s).finally(() => {
          if (inFlight?.promise === promise) inFlight = undefined;
        });
        inFlight = { key, promise };
      }
      const quote = await inFlight.promise;
      last = { key, quote };
      return { quote };
    },
  };
}
