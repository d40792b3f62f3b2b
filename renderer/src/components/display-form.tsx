// Settings' "Amounts" card: the unit every amount and fee is shown in, and the fiat price source
// (off by default; CoinGecko, Kraken, Coinbase or a custom URL) with the last price and its age.
import { useEffect, useState } from 'react';
import type { PriceQuote, PriceSource } from '../../../src/api/display.js';
import { amount, priceText, type Unit } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { useDisplay } from '../hooks/use-display.js';
import { ErrorNote, Field } from './field.js';

type Provider = PriceSource['provider'];
type Currency = PriceQuote['currency'];

// Every provider and currency the contract knows, each once (the compiler checks the keys against its types).
const PROVIDER_NAMES: Record<Provider, string> = { off: 'Off', coingecko: 'CoinGecko', kraken: 'Kraken', coinbase: 'Coinbase', custom: 'Custom URL' };
const CURRENCIES = Object.keys({ USD: 1, EUR: 1, GBP: 1, CHF: 1, JPY: 1, CAD: 1, AUD: 1 } satisfies Record<Currency, 1>) as Currency[];

export function DisplaySection() {
  const { settings, quote, priceError, save } = useDisplay();
  const current = settings.price;
  const [provider, setProvider] = useState<Provider>(current.provider);
  const [currency, setCurrency] = useState<Currency>(current.provider === 'off' ? 'USD' : current.currency);
  const [url, setUrl] = useState(current.provider === 'custom' ? current.url : '');
  const [done, setDone] = useState<string | undefined>(undefined);
  const { busy, error, run } = useAction();
  useEffect(() => {
    setProvider(current.provider);
    if (current.provider !== 'off') setCurrency(current.currency);
    if (current.provider === 'custom') setUrl(current.url);
  }, [current]);

  const setUnit = (unit: Unit) =>
    void run(async () => {
      setDone(undefined);
      await save({ unit });
      setDone(`Amounts are shown in ${unit === 'btc' ? 'BTC' : 'sats'}.`);
    });
  const savePrice = () =>
    void run(async () => {
      setDone(undefined);
      const price: PriceSource = provider === 'off' ? { provider } : provider === 'custom' ? { provider, currency, url: url.trim() } : { provider, currency };
      await save({ price });
      setDone(provider === 'off' ? 'No price is fetched.' : 'Saved. The price is fetched now and every minute while Coffer is open.');
    });

  return (
    <section className="card" aria-labelledby="set-amounts">
      <h2 id="set-amounts">Amounts</h2>
      <Field label="Unit" hint={`Every amount and fee: ${amount(123_456, 'btc')} or ${amount(123_456, 'sats')}. Fee rates stay in sat/vB; Lightning amounts in sats, since they count thousandths of a sat (finer than BTC's 8 places).`}>
        {(p) => (
          <select {...p} value={settings.unit} disabled={busy} onChange={(e) => setUnit(e.target.value as Unit)} data-testid="settings/unit">
            <option value="btc">BTC</option>
            <option value="sats">sats</option>
          </select>
        )}
      </Field>
      <p className="muted small">
        A fiat value can be shown beside amounts. Coffer then asks the source below for the price of bitcoin every minute (through your Tor proxy when the connection has one; otherwise the source
        sees your IP address). The price is only shown; it is never used to send.
      </p>
      <div className="row">
        <Field label="Price source">
          {(p) => (
            <select {...p} value={provider} onChange={(e) => setProvider(e.target.value as Provider)} data-testid="settings/price-provider">
              {(Object.keys(PROVIDER_NAMES) as Provider[]).map((x) => (
                <option key={x} value={x}>
                  {PROVIDER_NAMES[x]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {provider !== 'off' ? (
          <Field label="Currency">
            {(p) => (
              <select {...p} value={currency} onChange={(e) => setCurrency(e.target.value as Currency)} data-testid="settings/price-currency">
                {CURRENCIES.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </div>
      {provider === 'custom' ? (
        <Field label="Price URL" hint={`https:// (http:// only on this computer). It must answer JSON like {"${currency}": 43012.5}.`}>
          {(p) => <input {...p} className="mono" value={url} maxLength={500} onChange={(e) => setUrl(e.target.value)} placeholder="https://" data-testid="settings/price-url" />}
        </Field>
      ) : null}
      <div className="actions">
        <button type="button" disabled={busy || (provider === 'custom' && url.trim() === '')} onClick={savePrice} data-testid="settings/price-save">
          Save price source
        </button>
      </div>
      {quote ? (
        <p className="muted" data-testid="settings/price">
          {priceText(quote, Date.now())}
        </p>
      ) : null}
      <ErrorNote text={error?.text ?? priceError} testId="settings/amounts-error" />
      {done ? (
        <p className="ok" role="status" data-testid="settings/amounts-done">
          {done}
        </p>
      ) : null}
    </section>
  );
}
