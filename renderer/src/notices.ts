// The notices on screen as data: payments that arrive together make one notice ("100 incoming
// payments, +5,000 BTC"), and a few notices at most show at once, never a wall.
import { signedAmount } from './format.js';

export interface Toast {
  id: number;
  text: string;
  /** The incoming payments this notice sums up, while it shows. */
  incoming?: { count: number; total: number; unconfirmed: number };
}

/** At most this many notices at once: the oldest gives way. */
export const MAX_NOTICES = 3;

export function incomingText(i: NonNullable<Toast['incoming']>): string {
  const what = i.count === 1 ? 'Incoming payment:' : `${i.count.toLocaleString('en-US')} incoming payments,`;
  const pending = i.unconfirmed === 0 ? '' : i.unconfirmed === i.count ? ' (unconfirmed)' : ` (${i.unconfirmed.toLocaleString('en-US')} unconfirmed)`;
  return `${what} ${signedAmount(i.total)}${pending}`;
}

/** The notices with `text` added (the oldest dropped beyond MAX_NOTICES). */
export function withNotice(list: readonly Toast[], id: number, text: string): Toast[] {
  return [...list, { id, text }].slice(-MAX_NOTICES);
}

/** The notices with one more incoming payment: added to the notice already summing them up, else a new one. */
export function withIncoming(list: readonly Toast[], id: number, amount: number, confirmed: boolean): Toast[] {
  const old = list.find((t) => t.incoming);
  const incoming = old?.incoming
    ? { count: old.incoming.count + 1, total: old.incoming.total + amount, unconfirmed: old.incoming.unconfirmed + (confirmed ? 0 : 1) }
    : { count: 1, total: amount, unconfirmed: confirmed ? 0 : 1 };
  // A new id: the summed-up notice shows for its full while from the latest payment.
  return [...list.filter((t) => t !== old), { id, text: incomingText(incoming), incoming }].slice(-MAX_NOTICES);
}
