// The display settings as the app holds them: the unit and price source (`display.get|set`) and the
// last fiat price (`price.get`, asked again every minute while a source is chosen). Every amount
// formatted after a render of the app follows them (format.ts's `setShown`).
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { Params } from '../../../src/api/contract.js';
import type { DisplaySettings, PriceQuote } from '../../../src/api/display.js';
import { call } from '../api.js';
import { sentence } from '../errors.js';
import { setShown } from '../format.js';

const PRICE_POLL_MS = 60_000;
const DEFAULTS: DisplaySettings = { unit: 'btc', price: { provider: 'off' } };

export interface DisplayState {
  settings: DisplaySettings;
  /** The last price fetched (kept, with its age, when a later fetch fails). */
  quote?: PriceQuote | undefined;
  priceError?: string | undefined;
  save: (p: Params<'display.set'>) => Promise<void>;
}

export const DisplayContext = createContext<DisplayState>({ settings: DEFAULTS, save: async () => {} });

export const useDisplay = () => useContext(DisplayContext);

/** Loads the settings while `active` (an unlocked wallet) and polls the price while a source is on. */
export function useDisplayState(active: boolean): DisplayState {
  const [settings, setSettings] = useState<DisplaySettings>(DEFAULTS);
  const [quote, setQuote] = useState<PriceQuote | undefined>(undefined);
  const [priceError, setPriceError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!active) return;
    let live = true;
    call('display.get', {}).then(
      (d) => live && setSettings(d),
      (e: unknown) => live && setPriceError(sentence(e)),
    );
    return () => {
      live = false;
    };
  }, [active]);
  const source = JSON.stringify(settings.price);
  useEffect(() => {
    setQuote(undefined);
    setPriceError(undefined);
    if (!active || settings.price.provider === 'off') return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () =>
      call('price.get', {})
        .then(
          (r) => {
            if (!live) return;
            setQuote(r.quote ?? undefined);
            setPriceError(undefined);
          },
          (e: unknown) => live && setPriceError(sentence(e)),
        )
        .finally(() => {
          if (live) timer = setTimeout(run, PRICE_POLL_MS);
        });
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // The source's JSON says when to start again; `settings.price` is a new object on each load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, source]);
  // Before the children render: they format amounts with these.
  setShown({ unit: settings.unit, quote });
  const save = useCallback(async (p: Params<'display.set'>) => setSettings(await call('display.set', p)), []);
  return { settings, quote, priceError, save };
}
