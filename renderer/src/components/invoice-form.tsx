// Create a Lightning invoice: amount (or any amount), description and expiry; the result as text,
// QR code and a copy button.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { dateTime, satsText } from '../format.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { AMOUNT_EXAMPLE, AmountField } from './amount-field.js';
import { CopyButton } from './copy-button.js';
import { ErrorNote, Field } from './field.js';
import { Qr } from './qr.js';

type Made = Results['ln.invoice'] & { amountSat: number | undefined; description: string };

const EXPIRIES: { secs: number; label: string }[] = [
  { secs: 600, label: '10 minutes' },
  { secs: 3_600, label: '1 hour' },
  { secs: 86_400, label: '1 day' },
  { secs: 604_800, label: '1 week' },
];
/** The core takes up to 639 bytes of description (what fits in an invoice). */
const MAX_DESCRIPTION = 639;

export function InvoiceForm() {
  const amount = useAmount('sats');
  const [description, setDescription] = useState('');
  const [expiry, setExpiry] = useState(3_600);
  const [made, setMade] = useState<Made | undefined>(undefined);
  const { busy, error, run } = useAction();

  const sats = amount.sats;
  const amountBad = amount.bad || (sats !== undefined && sats * 1000 > Number.MAX_SAFE_INTEGER);
  const descriptionBad = new TextEncoder().encode(description).length > MAX_DESCRIPTION;

  const create = () => {
    if (amountBad || descriptionBad) return;
    return run(async () => {
      const r = await call('ln.invoice', { description: description.trim(), expirySecs: expiry, ...(sats !== undefined ? { amountMsat: sats * 1000 } : {}) });
      setMade({ ...r, amountSat: sats, description: description.trim() });
    });
  };

  return (
    <section className="card" aria-labelledby="ln-invoice-title">
      <h2 id="ln-invoice-title">Receive: create an invoice</h2>
      {made ? (
        <div className="receive" data-testid="channels/invoice">
          <div className="qr-box">
            <Qr text={`lightning:${made.bolt11}`.toUpperCase()} label={`QR code of the invoice ${made.bolt11}`} testId="channels/invoice-qr" />
          </div>
          <div className="receive-details">
            <p>
              {made.amountSat !== undefined ? `For ${satsText(made.amountSat)}` : 'For any amount'}
              {made.description ? `: “${made.description}”` : ''}. Valid until <span data-testid="channels/invoice-expires">{dateTime(made.expiresAt)}</span>.
            </p>
            <Field label="Invoice" hint="Give this to the payer. It can be paid once; the payment reaches you over your channels.">
              {(p) => (
                <output {...p} className="mono address small" data-testid="channels/invoice-bolt11">
                  {made.bolt11}
                </output>
              )}
            </Field>
            <div className="actions">
              <CopyButton text={made.bolt11} label="Copy invoice" testId="channels/copy-invoice" />
              <button type="button" className="secondary" onClick={() => setMade(undefined)} data-testid="channels/invoice-new">
                New invoice
              </button>
            </div>
          </div>
        </div>
      ) : (
        <form onSubmit={submit(create)}>
          <AmountField
            {...amount.field()}
            error={amountBad ? AMOUNT_EXAMPLE : undefined}
            hint="Leave it empty to let the payer choose the amount."
            testId="channels/invoice"
          />
          <Field label="Description" hint="Shown to the payer and kept in the invoice." error={descriptionBad ? `At most ${MAX_DESCRIPTION} bytes.` : undefined} testId="channels/invoice-description">
            {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="channels/invoice-description" />}
          </Field>
          <Field label="Expires after">
            {(p) => (
              <select {...p} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))} data-testid="channels/invoice-expiry">
                {EXPIRIES.map((x) => (
                  <option key={x.secs} value={x.secs}>
                    {x.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <ErrorNote text={error?.text} code={error?.code} testId="channels/invoice-error" />
          <button type="submit" disabled={busy || amountBad || descriptionBad} data-testid="channels/invoice-submit">
            {busy ? 'Creating…' : 'Create invoice'}
          </button>
        </form>
      )}
    </section>
  );
}
