// An amount being typed with its unit: the text as typed, the satoshis it stands for, and what its
// AmountField needs. Switching the unit keeps the value (AmountField rewrites the text).
import { useState } from 'react';
import { parseAmount, type Unit } from '../format.js';

export interface Amount {
  text: string;
  unit: Unit;
  /** The satoshis typed; undefined while empty or not an amount. */
  sats: number | undefined;
  empty: boolean;
  /** Something is typed, and it is not an amount of at least one satoshi. */
  bad: boolean;
  /** Replace the text (a request's amount, or '' to clear), in the current unit. */
  set: (text: string) => void;
  /** AmountField's text, unit and onChange; `onEdit` runs after each change the user makes. */
  field: (onEdit?: () => void) => { text: string; unit: Unit; onChange: (text: string, unit: Unit) => void };
}

export function useAmount(initialUnit: Unit): Amount {
  const [{ text, unit }, setValue] = useState({ text: '', unit: initialUnit });
  const sats = parseAmount(text, unit);
  const empty = text.trim() === '';
  return {
    text,
    unit,
    sats,
    empty,
    bad: !empty && !sats,
    set: (next) => setValue((v) => ({ ...v, text: next })),
    field: (onEdit) => ({
      text,
      unit,
      onChange: (nextText, nextUnit) => {
        setValue({ text: nextText, unit: nextUnit });
        onEdit?.();
      },
    }),
  };
}
