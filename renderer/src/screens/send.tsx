// Send: recipient (address or BIP21 request), amount in BTC or sats, fee (previewed as the user
// types), coins (optional), then a review of exactly what will be signed (or saved as a PSBT), then
// confirmation. Below the form: a PSBT file to sign and send.
import { useEffect, useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { AMOUNT_EXAMPLE, AmountField } from '../components/amount-field.js';
import { CoinPicker } from '../components/coin-picker.js';
import { FeeChoice } from '../components/fee-choice.js';
import { ErrorNote, Field, TextField } from '../components/field.js';
import { LoadPsbt, SavePsbt } from '../components/psbt-file.js';
import { sentence } from '../errors.js';
import { Fiat } from '../components/fiat.js';
import { confirmationTime, customRate, type Fee } from '../fee-guide.js';
import { amount as amountText, amountInput } from '../format.js';
import { useDisplay } from '../hooks/use-display.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { useLoad } from '../hooks/use-load.js';
import type { Go } from '../routes.js';

/** Wait for a pause in typing before asking the core for the fee. */
const PREVIEW_DEBOUNCE_MS = 350;

export function Send({ revision, network, go, onSent }: { revision: number; network: string; go: Go; onSent: (text: string) => void }) {
  const fees = useLoad(() => call('fees.get', {}), revision);
  const coins = useLoad(() => call('wallet.utxos', {}), revision);
  const [chosen, setChosen] = useState<string[]>([]);
  const [live, setLive] = useState<Results['send.preview'] | undefined>(undefined);
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
  const custom = customRate(fee);
  const feeError = custom.error;
  const feeParams = custom.rate !== undefined ? { feeRate: custom.rate } : { feePreset: 'preset' in fee ? fee.preset : ('normal' as const) };
  const coinParams = chosen.length > 0 ? { inputs: chosen } : {};

  // The fee of what the form holds, as the user types: the core's preview, quietly dropped when
  // the form is not complete yet (Review says what is wrong).
  const value = max ? ('max' as const) : sats;
  const feeKey = JSON.stringify(feeParams);
  useEffect(() => {
    setLive(undefined);
    if (!to.trim() || value === undefined || value === 0 || feeError !== undefined) return;
    let on = true;
    const t = setTimeout(() => {
      call('uri.parse', { text: to })
        .then((r) => call('send.preview', { recipients: [{ address: r.address, amount: value }], ...feeParams, ...coinParams }))
        .then(
          (p) => on && setLive(p),
          () => undefined,
        );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      on = false;
      clearTimeout(t);
    };
    // feeParams and coinParams are fresh objects each render; their contents are the keys.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [to, value, feeKey, chosen.join(','), revision]);

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
      const preview = await call('send.preview', { recipients: [{ address, amount: value }], ...feeParams, ...coinParams });
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
            <button type="button" className="secondary" onClick={() => { setSent(undefined); setReview(undefined); setTo(''); amount.set(''); setLabel(''); setMax(false); setChosen([]); }} data-testid="send/another">
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
            {fees.data ? (
              <>
                <dt>Likely to confirm in</dt>
                <dd data-testid="review/time">{confirmationTime(p.feeRateUsed, fees.data)}</dd>
              </>
            ) : null}
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
            <SavePsbt params={{ recipients: [{ address: review.address, amount: review.amount }], feeRate: p.feeRateUsed, inputs: p.outpoints }} />
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
        <FeeChoice fees={fees.data} fee={fee} setFee={setFee} preview={live} />
        <CoinPicker coins={coins.data} selected={chosen} setSelected={setChosen} />
        <ErrorNote text={error?.text} testId="send/error" />
        <button type="submit" disabled={busy || amountError !== undefined || feeError !== undefined} data-testid="send/review">
          {busy ? 'Checking…' : 'Review'}
        </button>
      </form>
      <LoadPsbt onSent={onSent} />
    </>
  );
}
