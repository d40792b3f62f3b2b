// The send form's fee: a preset (each labelled estimate or fixed preset, as fees.get says) or a
// custom rate, with the fee the core previews, the time it likely takes, and a warning for a rate
// far above the fast one or below the slow one.
import { confirmationTime, customRate, rateKind, rateWarning, type Fee, type Fees, type Preset } from '../fee-guide.js';
import { amount } from '../format.js';
import { Field } from './field.js';

const PRESETS: { id: Preset; label: string; when: string }[] = [
  { id: 'fast', label: 'Fast', when: 'next block or two' },
  { id: 'normal', label: 'Normal', when: 'within an hour or so' },
  { id: 'slow', label: 'Slow', when: 'when the network is quiet' },
];

export interface FeePreview {
  fee: number;
  feerate: number;
  vsize: number;
  /** The rate asked for (the paid one is rounded by the size). */
  feeRateUsed: number;
}

export function FeeChoice({ fees, fee, setFee, preview }: { fees: Fees | undefined; fee: Fee; setFee: (f: Fee) => void; preview: FeePreview | undefined }) {
  const custom = customRate(fee);
  const rate = custom.rate ?? ('preset' in fee && fees ? fees[fee.preset] : undefined);
  const warning = fees && rate !== undefined ? rateWarning(rate, fees) : undefined;
  const allPresets = fees?.presets.length === 3;
  return (
    <fieldset>
      <legend>Fee</legend>
      {PRESETS.map((x) => (
        <label className="choice" key={x.id}>
          <input type="radio" name="fee" checked={'preset' in fee && fee.preset === x.id} onChange={() => setFee({ preset: x.id })} data-testid={`send/fee-${x.id}`} />
          <span data-testid={`send/fee-${x.id}-text`}>
            {x.label} — {fees ? `${fees[x.id]} sat/vB (${rateKind(fees, x.id)}), ` : ''}
            {x.when}
          </span>
        </label>
      ))}
      <label className="choice">
        <input type="radio" name="fee" checked={'custom' in fee} onChange={() => setFee({ custom: String(fees?.normal ?? 2) })} data-testid="send/fee-custom" />
        <span>Custom rate</span>
      </label>
      {'custom' in fee ? (
        <Field label="Fee rate (sat/vB)" error={custom.error} testId="send/fee-rate">
          {(p) => <input {...p} inputMode="decimal" value={fee.custom} onChange={(e) => setFee({ custom: e.target.value })} data-testid="send/fee-rate" />}
        </Field>
      ) : null}
      {fees ? (
        <p className="hint" data-testid="send/fee-source">
          {allPresets
            ? `These rates are your fixed presets, not estimates: the chain source gives none. The network's minimum is ${fees.floor} sat/vB (${fees.estimatesFrom}).`
            : `Estimates from ${fees.estimatesFrom}${fees.presets.length > 0 ? '; the rates marked preset are your fixed settings' : ''}. The network's minimum is ${fees.floor} sat/vB.`}
        </p>
      ) : null}
      {preview && fees ? (
        <p data-testid="send/fee-preview">
          Fee <span data-testid="send/fee-amount">{amount(preview.fee)}</span> ({preview.feerate} sat/vB, {preview.vsize} vbytes) · confirms in{' '}
          <span data-testid="send/fee-time">{confirmationTime(preview.feeRateUsed, fees)}</span>
          {allPresets ? ' (judged by the presets)' : ''}
        </p>
      ) : null}
      {warning ? (
        <p className="warning" role="status" data-testid="send/fee-warning">
          {warning}
        </p>
      ) : null}
    </fieldset>
  );
}
