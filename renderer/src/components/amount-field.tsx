// An amount typed in BTC or sats with its unit beside it (and its fiat value, when a price source is
// on); switching the unit keeps the value.
import type { ReactNode } from 'react';
import { AMOUNT_SENTENCES, amountSentence } from '../errors.js';
import { amountInput, parseAmount, type Unit } from '../format.js';
import { Fiat } from './fiat.js';
import { Field } from './field.js';

/** The error a form passes for an amount that does not read; the field says which problem it is. */
export const AMOUNT_EXAMPLE = AMOUNT_SENTENCES.format;

export interface AmountFieldProps {
  text: string;
  unit: Unit;
  onChange: (text: string, unit: Unit) => void;
  error?: string | undefined;
  hint?: ReactNode;
  /** The amount is decided elsewhere (send everything): the box is empty and shows the placeholder. */
  disabled?: boolean;
  placeholder?: string | undefined;
  /** What the amount is, shown before the unit: "Amount (BTC)". */
  label?: string;
  /** `send` gives send/amount, send/unit and send/amount-error. */
  testId: string;
}

export function AmountField({ text, unit, onChange, error, hint, disabled = false, placeholder, label = 'Amount', testId }: AmountFieldProps) {
  const sats = disabled ? undefined : parseAmount(text, unit);
  return (
    <div className="row">
      <Field label={`${label} (${unit === 'btc' ? 'BTC' : 'sats'})`} hint={hint} error={error === AMOUNT_EXAMPLE ? amountSentence(text, unit) : error} testId={`${testId}/amount`}>
        {(p) => (
          <input
            {...p}
            inputMode="decimal"
            autoComplete="off"
            value={disabled ? '' : text}
            disabled={disabled}
            placeholder={placeholder}
            onChange={(e) => onChange(e.target.value, unit)}
            data-testid={`${testId}/amount`}
          />
        )}
      </Field>
      <Field label="Unit">
        {(p) => (
          <select
            {...p}
            value={unit}
            onChange={(e) => {
              const next = e.target.value as Unit;
              const sats = parseAmount(text, unit);
              onChange(sats !== undefined ? amountInput(sats, next) : text, next);
            }}
            data-testid={`${testId}/unit`}
          >
            <option value="btc">BTC</option>
            <option value="sats">sats</option>
          </select>
        )}
      </Field>
      {sats ? <Fiat sats={sats} testId={`${testId}/amount-fiat`} /> : null}
    </div>
  );
}
