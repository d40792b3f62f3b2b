// Pay a Lightning invoice: paste the BOLT 11 text, see the amount it asks, give one only when it
// asks for none; then the fee paid and the preimage (the proof of payment), or why it failed.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { askedAmount, invoiceText } from '../bolt11.js';
import { codeOf, sentence } from '../errors.js';
import { msatText } from '../format.js';
import { submit, useAction, type Failure } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { AMOUNT_EXAMPLE, AmountField } from './amount-field.js';
import { ErrorNote, TextField } from './field.js';

type Paid = Results['ln.pay'] & { amountMsat: number | undefined };

export function PayForm({ onPaid }: { onPaid: () => void }) {
  const [invoice, setInvoice] = useState('');
  const amount = useAmount('sats');
  const [paid, setPaid] = useState<Paid | undefined>(undefined);
  const { busy, error, setError, run } = useAction((e): Failure => ({ text: sentence(e), code: codeOf(e) }));

  const asked = askedAmount(invoice);
  const fixed = asked && 'msat' in asked ? asked.msat : undefined;
  const sats = amount.sats;
  const amountBad = fixed === undefined && (amount.bad || (sats !== undefined && sats * 1000 > Number.MAX_SAFE_INTEGER));
  const msat = fixed ?? (sats !== undefined && !amountBad ? sats * 1000 : undefined);

  const pay = () => {
    const text = invoiceText(invoice);
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
    <section className="card" aria-labelledby="ln-pay-title">
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
        {asked ? (
          <p data-testid="channels/pay-asked" data-msat={fixed}>
            {fixed !== undefined ? `This invoice asks for ${msatText(fixed)}.` : 'This invoice does not say how much: enter the amount to pay.'}
          </p>
        ) : null}
        <AmountField
          {...amount.field(() => setError(undefined))}
          disabled={fixed !== undefined}
          placeholder={fixed !== undefined ? 'set by the invoice' : undefined}
          error={amountBad ? AMOUNT_EXAMPLE : undefined}
          hint="Only for an invoice without an amount."
          testId="channels/pay"
        />
        <ErrorNote text={error?.text} code={error?.code} testId="channels/pay-error" />
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
