// The fiat value beside an amount, at the last price from the source chosen in Settings; nothing
// while that source is off. Display only.
import { fiat } from '../format.js';

export function Fiat({ sats, testId }: { sats: number; testId?: string }) {
  const text = fiat(sats);
  return text ? (
    <span className="fiat" data-testid={testId}>
      {text}
    </span>
  ) : null;
}
