// Pay a Lightning invoice: paste the BOLT 11 text and the core reads it (LDK checks its signature
// and fields): what it asks, for what, of whom, until when; give an amount only when it asks for
// none; then the fee paid and the preimage (the proof of payment), or why it failed.
import { useEffect, useRef, useState } from 'react';
import type { InvoiceInfo, Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { codeOf, sentence } from '../errors.js';
import { dateTime, msatText } from '../format.js';
import { submit, useAction, type Failure } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { AMOUNT_EXAMPLE, AmountField } from './amount-field.js';
import { ErrorNote, TextField } from './field.js';

type Paid = Results['ln.pay'] & { amountMsat: number | undefined };

/** Waiting this long after the last keystroke before asking the core to read the invoice. */
const DECODE_DELAY_MS = 250;

/** The invoice the text holds, as the core read it; an error when it holds none; undefined while empty or being read. */
function useDecoded(text: string): { info?: InvoiceInfo; error?: Failure } {
  const [state, setState] = useState<{ text: string; info?: InvoiceInfo; error?: Failure }>({ text: '' });
  useEffect(() => {
    const t = text.trim();
    if (!t) return;
    let live = true;
    const timer = setTimeout(() => {
      call('ln.decode', { bolt11: t }).then(
        (info) => live && setState({ text, info }),
        (e: unknown) => live && setState({ text, error: { text: sentence(e), code: codeOf(e) } }),
      );
    }, DECODE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text]);
  return state.text === text && text.trim() ? state : {};
}

/** `preset`: an invoice put in the field when it changes (the playground peer's). */
export function PayForm({ onPaid, preset }: { onPaid: () => void; preset?: string | undefined }) {
  const [invoice, setInvoice] = useState('');
  const amount = useAmount('sats');
  const [paid, setPaid] = useState<Paid | undefined>(undefined);
  const { busy, error, setError, run } = useAction((e): Failure => ({ text: sentence(e), code: codeOf(e) }));
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!preset) return;
    setInvoice(preset);
    setError(undefined);
    setPaid(undefined);
    section.current?.scrollIntoView({ block: 'center' });
  }, [preset]);

  const decoded = useDecoded(invoice);
  const asked = decoded.info;
  const fixed = asked?.amountMsat;
  const sats = amount.sats;
  const amountBad = fixed === undefined && (amount.bad || (sats !== undefined && sats * 1000 > Number.MAX_SAFE_INTEGER));
  const msat = fixed ?? (sats !== undefined && !amountBad ? sats * 1000 : undefined);

  const pay = () => {
    const text = invoice.trim();
    if (!text) return setError({ text: 'Paste the invoice you were given.' });
    setPaid(undefined);
    return run(async () => {
      // The core takes an amount only for an invoice without one; otherwise the invoice's own is paid.
      const r = await call('ln.pay', { bolt11: text, ...(fixed === undefined && msat ? { amountMsat: msat } : {}) });
      setPaid({ ...r, amountMsat: msat });
      setInvoice('');
      amount.set('');
      onPaid();
    });
  };

  return (
    <section className="card" aria-labelledby="ln-pay-title" ref={section}>
      <h2 id="ln-pay-title">Pay an invoice</h2>
      <form onSubmit={submit(pay)}>
        <TextField
          label="Invoice"
          hint="The BOLT 11 text you were given (lnbc…). Scanning a QR code is not supported yet: paste the text."
          rows={4}
          value={invoice}
          onChange={(text) => {
            setInvoice(text);
            setError(undefined);
            setPaid(undefined);
          }}
          testId="channels/pay-invoice"
        />
        {asked ? <InvoiceFacts info={asked} /> : null}
        <AmountField
          {...amount.field(() => setError(undefined))}
          disabled={fixed !== undefined}
          placeholder={fixed !== undefined ? 'set by the invoice' : undefined}
          error={amountBad ? AMOUNT_EXAMPLE : undefined}
          hint="Only for an invoice without an amount."
          testId="channels/pay"
        />
        {/* One note for one problem: the invoice's, else the payment's. */}
        <ErrorNote text={(decoded.error ?? error)?.text} code={(decoded.error ?? error)?.code} testId="channels/pay-error" />
        <button type="submit" disabled={busy || amountBad} data-testid="channels/pay-submit">
          {busy ? 'Paying…' : msat ? `Pay ${msatText(msat)}` : 'Pay'}
        </button>
      </form>
      {paid ? (
        <div className="note" role="status" data-testid="channels/paid">
          <p>
            Paid{paid.amountMsat !== undefined ? ` ${msatText(paid.amountMsat)}` : ''}. Routing fee:{' '}
            <strong data-testid="channels/paid-fee" data-msat={paid.feeMsat}>
              {msatText(paid.feeMsat)}
            </strong>
            .
          </p>
          <dl className="facts">
            <dt>Preimage (proof of payment)</dt>
            <dd className="mono small" data-testid="channels/paid-preimage">
              {paid.preimage}
            </dd>
            <dt>Payment hash</dt>
            <dd className="mono small" data-testid="channels/paid-hash">
              {paid.paymentHash}
            </dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}

/** What the core read from the invoice: amount, description, payee, expiry, private routes. */
function InvoiceFacts({ info }: { info: InvoiceInfo }) {
  return (
    <div data-testid="channels/pay-invoice-facts">
      <p data-testid="channels/pay-asked" data-msat={info.amountMsat}>
        {info.amountMsat !== undefined ? `This invoice asks for ${msatText(info.amountMsat)}.` : 'This invoice does not say how much: enter the amount to pay.'}
      </p>
      <dl className="facts">
        <dt>For</dt>
        <dd data-testid="channels/pay-description">{info.description ? info.description : <span className="muted">no description</span>}</dd>
        <dt>Payee (node id)</dt>
        <dd className="mono small" data-testid="channels/pay-payee">
          {info.payee}
        </dd>
        <dt>{info.expired ? 'Expired' : 'Expires'}</dt>
        <dd data-testid="channels/pay-expires" data-expired={info.expired}>
          {dateTime(info.expiresAt)}
        </dd>
        {info.routeHints.length > 0 ? (
          <>
            <dt>Private routes</dt>
            <dd data-testid="channels/pay-routes">{`${info.routeHints.length}, through ${info.routeHints.map((r) => r[0]?.shortChannelId ?? '').join(', ')}`}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}
