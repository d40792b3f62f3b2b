// Lightning history on the channels screen: payments sent and received (amount, fee, status, time)
// and the invoices this node made (open, paid or expired), newest first, as the core recorded them.
import type { LnInvoice, LnPayment } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { dateTime, msatText } from '../format.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNote } from './field.js';

/** Rows shown of each list (the CLI's `ln payments` / `ln invoices` have them all). */
const SHOWN = 20;

const PAYMENT_STATUS: Record<LnPayment['status'], string> = { pending: 'under way', succeeded: 'done', failed: 'failed' };
const INVOICE_STATUS: Record<LnInvoice['status'], string> = { open: 'open', paid: 'paid', expired: 'expired' };

export function LnHistory({ revision, pollMs }: { revision: number; pollMs: number }) {
  const payments = useLoad(() => call('ln.payments', {}), revision, pollMs);
  const invoices = useLoad(() => call('ln.invoices', {}), revision, pollMs);
  const sent = payments.data ?? [];
  const made = invoices.data ?? [];
  return (
    <section className="card" aria-labelledby="ln-history-title">
      <h2 id="ln-history-title">Lightning history</h2>
      <h3>Payments</h3>
      <ErrorNote text={payments.error} testId="channels/payments-error" />
      {payments.data && sent.length === 0 ? (
        <p className="muted" data-testid="channels/payments-empty">
          No payments yet.
        </p>
      ) : null}
      {sent.length > 0 ? (
        <table className="txs" data-testid="channels/payments">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Direction</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Fee
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {sent.slice(0, SHOWN).map((p) => (
              <tr key={`${p.direction}-${p.paymentHash}`} data-testid="ln-payment" data-hash={p.paymentHash} data-direction={p.direction} data-status={p.status} title={p.preimage ? `preimage ${p.preimage}` : `payment hash ${p.paymentHash}`}>
                <td>{dateTime(Math.floor((p.settledAt ?? p.createdAt) / 1000))}</td>
                <td className={p.direction === 'received' ? 'in' : 'out'}>{p.direction}</td>
                <td className="num" data-testid="ln-payment/amount">
                  {p.amountMsat !== undefined ? msatText(p.amountMsat) : ''}
                </td>
                <td className="num">{p.feeMsat !== undefined ? msatText(p.feeMsat) : ''}</td>
                <td data-testid="ln-payment/status">{PAYMENT_STATUS[p.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h3>Invoices you made</h3>
      <ErrorNote text={invoices.error} testId="channels/invoices-error" />
      {invoices.data && made.length === 0 ? (
        <p className="muted" data-testid="channels/invoices-empty">
          No invoices yet.
        </p>
      ) : null}
      {made.length > 0 ? (
        <table className="txs" data-testid="channels/invoices">
          <thead>
            <tr>
              <th scope="col">Made</th>
              <th scope="col">For</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {made.slice(0, SHOWN).map((i) => (
              <tr key={i.paymentHash} data-testid="ln-invoice" data-hash={i.paymentHash} data-status={i.status} title={`expires ${dateTime(i.expiresAt)}`}>
                <td>{dateTime(Math.floor(i.createdAt / 1000))}</td>
                <td>{i.description ?? ''}</td>
                <td className="num">{i.receivedMsat !== undefined ? msatText(i.receivedMsat) : i.amountMsat !== undefined ? msatText(i.amountMsat) : 'any amount'}</td>
                <td data-testid="ln-invoice/status">{INVOICE_STATUS[i.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
