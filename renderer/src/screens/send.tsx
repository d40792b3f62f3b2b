// Send: recipient (address or BIP21 request), amount in BTC or sats, fee, then a review of
// exactly what will be signed, then confirmation.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { AMOUNT_EXAMPLE, AmountField } from '../components/amount-field.js';
import { ErrorNote, Field, TextField } from '../components/field.js';
import { sentence } from '../errors.js';
import { Fiat } from '../components/fiat.js';
import { amount as amountText, amountInput } from '../format.js';
import { useDisplay } from '../hooks/use-display.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { useLoad } from '../hooks/use-load.js';
import type { Go } from '../routes.js';

type Preset = 'fast' | 'normal' | 'slow';
type Fee = { preset: Preset } | { custom: string };

const PRESETS: { id: Preset; label: string; when: string }[] = [
  { id: 'fast', label: 'Fast', when: 'next block or two' },
  { id: 'normal', label: 'Normal', when: 'within an hour or so' },
  { id: 'slow', label: 'Slow', when: 'when the network is quiet' },
];

export function Send({ revision, network, go, onSent }: { revision: number; network: string; go: Go; onSent: (text: string) => void }) {
  const fees = useLoad(() => call('fees.get', {}), revision);
  const [to, setTo] = useState('');
  const [toError, setToError] = useState<string | undefined>(undefined);
  const amount = useAmount(useDisplay().settings.unit);
  const [max, setMax] = useState(false);
  const [label, setLabel] = useState('');
  const [fee, setFee] = useState<Fee>({ preset: 'normal' });
  const [review, setReview] = useState<{ preview: Results['send.preview']; address: string; amount: number | 'max' } | undefined>(undefined);
  const [acceptHigh, setAcceptHigh] = useState(false);
  const [sent, setSent] = useState<Results['send.confirm'] | undefined>(undefined);
  const { busy, error, setError, run } = useAction();

  const sats = amount.sats;
  const amountError = !max && amount.bad ? AMOUNT_EXAMPLE : undefined;
  const customRate = 'custom' in fee ? Number(fee.custom) : undefined;
  const feeError = customRate !== undefined && !(customRate >= 1 && customRate <= 10_000) ? 'Enter a fee rate from 1 to 10,000 sat/vB.' : undefined;
  const feeParams = 'custom' in fee ? { feeRate: customRate! } : { feePreset: fee.preset };

  /** Read the recipient: a BIP21 request fills in the amount and label it carries. */
  const readRecipient = async (text: string): Promise<{ address: string; amountSat?: number } | undefined> => {
    if (!text.trim()) return undefined;
    try {
      const r = await call('uri.parse', { text });
      setToError(undefined);
      if (r.amountSat !== undefined) {
        setMax(false);
        amount.set(amountInput(r.amountSat, amount.unit));
      }
      if (r.label && !label) setLabel(r.label);
      return r.amountSat !== undefined ? { address: r.address, amountSat: r.amountSat } : { address: r.address };
    } catch (e) {
      setToError(sentence(e));
      return undefined;
    }
  };

  const doReview = () =>
    run(async () => {
      const recipient = await readRecipient(to);
      if (!recipient) {
        if (!to.trim()) setToError('Paste the address or payment request you were given.');
        return;
      }
      const { address } = recipient;
      // The request's own amount wins: the state set from it has not re-rendered yet.
      const value = recipient.amountSat ?? (max ? ('max' as const) : sats);
      if (value === undefined || value === 0) return setError({ text: AMOUNT_EXAMPLE });
      const preview = await call('send.preview', { recipients: [{ address, amount: value }], ...feeParams });
      setAcceptHigh(false);
      setReview({ preview, address, amount: value });
    });

  const confirm = () => {
    if (!review) return;
    return run(async () => {
      // Exactly the coins and rate that were reviewed: the fee cannot change behind the user's back.
      const p = review.preview;
      const r = await call('send.confirm', { recipients: [{ address: review.address, amount: review.amount }], feeRate: p.feeRateUsed, inputs: p.outpoints, acceptHighFee: acceptHigh });
      if (label.trim()) await call('wallet.setLabel', { type: 'tx', ref: r.txid, label: label.trim() }).catch(() => {});
      setSent(r);
      onSent(`Sent ${amountText(review.preview.amountSent)}`);
    });
  };

  if (sent) {
    return (
      <>
        <h1>Sent</h1>
        <section className="card" data-testid="send/done">
          <p>The transaction is on its way to the network. It counts as settled once it is confirmed in a block.</p>
          <p>
            Transaction <span className="mono" data-testid="send/txid">{sent.txid}</span>
          </p>
          <p className="muted">
            Fee {amountText(sent.fee)} ({sent.feerate} sat/vB, {sent.vsize} vbytes)
          </p>
          <div className="actions">
            <button type="button" onClick={() => go('history', sent.txid)} data-testid="send/view">
              View in history
            </button>
            <button type="button" className="secondary" onClick={() => { setSent(undefined); setReview(undefined); setTo(''); amount.set(''); setLabel(''); setMax(false); }} data-testid="send/another">
              Send another
            </button>
          </div>
        </section>
      </>
    );
  }

  if (review) {
    const p = review.preview;
    return (
      <>
        <h1>Review</h1>
        <section className="card" data-testid="send/review-panel">
          <dl className="facts">
            <dt>To</dt>
            <dd className="mono" data-testid="review/address">{review.address}</dd>
            <dt>Amount</dt>
            <dd>
              <span data-testid="review/amount">{amountText(p.amountSent)}</span> <Fiat sats={p.amountSent} testId="review/amount-fiat" />
            </dd>
            <dt>Network fee</dt>
            <dd data-testid="review/fee">
              {amountText(p.fee)} · {p.feerate} sat/vB · {p.vsize} vbytes <Fiat sats={p.fee} />
            </dd>
            <dt>Change back to you</dt>
            <dd data-testid="review/change">{p.change > 0 ? amountText(p.change) : 'none'}</dd>
            <dt>Total leaving the wallet</dt>
            <dd>
              <span data-testid="review/total">{amountText(p.amountSent + p.fee)}</span> <Fiat sats={p.amountSent + p.fee} />
            </dd>
            <dt>Coins spent</dt>
            <dd>{p.inputs}</dd>
          </dl>
          {p.highFee ? (
            <label className="choice warning">
              <input type="checkbox" checked={acceptHigh} onChange={(e) => setAcceptHigh(e.target.checked)} data-testid="review/accept-high-fee" />
              <span>The fee is more than 5% of the amount. I want to pay it.</span>
            </label>
          ) : null}
          <ErrorNote text={error?.text} testId="send/error" />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setReview(undefined)} data-testid="review/back">
              Back
            </button>
            <button type="button" disabled={busy || (p.highFee && !acceptHigh)} onClick={() => void confirm()} data-testid="review/confirm">
              {busy ? 'Sending…' : `Send ${amountText(p.amountSent)}`}
            </button>
          </div>
        </section>
      </>
    );
  }

  return (
    <>
      <h1>Send</h1>
      <form className="send" onSubmit={submit(doReview)}>
        <TextField
          label="Pay to"
          hint="A Bitcoin address or a payment request (bitcoin:…)."
          error={toError}
          testId="send/address"
          value={to}
          placeholder={network === 'main' ? 'bc1q…' : undefined}
          onChange={(text) => {
            setTo(text);
            setToError(undefined);
          }}
          onBlur={() => void readRecipient(to)}
        />
        <AmountField
          {...amount.field()}
          error={amountError}
          disabled={max}
          placeholder={max ? 'everything' : undefined}
          testId="send"
        />
        <label className="choice">
          <input type="checkbox" checked={max} onChange={(e) => setMax(e.target.checked)} data-testid="send/max" />
          <span>Send everything (the fee comes out of the amount)</span>
        </label>
        <Field label="Label (optional)" hint="Only for you: shown in your history.">
          {(p) => <input {...p} value={label} maxLength={255} onChange={(e) => setLabel(e.target.value)} data-testid="send/label" />}
        </Field>
        <fieldset>
          <legend>Fee</legend>
          {PRESETS.map((x) => (
            <label className="choice" key={x.id}>
              <input type="radio" name="fee" checked={'preset' in fee && fee.preset === x.id} onChange={() => setFee({ preset: x.id })} data-testid={`send/fee-${x.id}`} />
              <span>
                {x.label} — {fees.data ? `${fees.data[x.id]} sat/vB, ` : ''}
                {x.when}
              </span>
            </label>
          ))}
          <label className="choice">
            <input type="radio" name="fee" checked={'custom' in fee} onChange={() => setFee({ custom: String(fees.data?.normal ?? 2) })} data-testid="send/fee-custom" />
            <span>Custom rate</span>
          </label>
          {'custom' in fee ? (
            <Field label="Fee rate (sat/vB)" error={feeError} testId="send/fee-rate">
              {(p) => <input {...p} inputMode="decimal" value={fee.custom} onChange={(e) => setFee({ custom: e.target.value })} data-testid="send/fee-rate" />}
            </Field>
          ) : null}
          {fees.data ? <p className="hint">Estimates from {fees.data.source}; the network's minimum is {fees.data.floor} sat/vB.</p> : null}
        </fieldset>
        <ErrorNote text={error?.text} testId="send/error" />
        <button type="submit" disabled={busy || amountError !== undefined || feeError !== undefined} data-testid="send/review">
          {busy ? 'Checking…' : 'Review'}
        </button>
      </form>
    </>
  );
}
