// Error codes as sentences a person can act on, chosen by the code and the numbers its typed
// details carry; never by the core's message text, which is shown as it is only for codes with no
// sentence here (it is already a plain sentence). A stack trace never reaches the screen.

import { parseBtc, parseSat } from '../../src/api/amount.js';
import type { WireError } from '../../src/api/errors.js';
import { CofferError } from '../../src/api/errors.js';
import { msatText, satsText, type Unit } from './format.js';
import { UiError } from './ui-error.js';

type Code = WireError['code'];

const SENTENCES: Partial<Record<Code, string>> = {
  'wrong-password': 'That password is not right. Try again.',
  'password-too-short': 'Choose a password of at least 8 characters.',
  'password-required': 'Enter your password.',
  'invalid-mnemonic': 'Those recovery words are not valid. Check each word and their order.',
  'invalid-address': 'This is not a valid Bitcoin address. Check it and paste it again.',
  'wrong-network': 'This address belongs to a different Bitcoin network than this wallet.',
  'invalid-uri': 'This payment request could not be read.',
  'insufficient-funds': 'Not enough bitcoin: the amount plus the fee is more than this wallet can spend.',
  'amount-below-dust': 'This amount is too small to send: the network would not relay it.',
  'fee-too-low': 'The fee rate is below what the network relays. Choose a higher fee.',
  'fee-too-high': 'The fee is unusually high. Review it and confirm that you mean it.',
  'transaction-too-large': 'This transaction is too large for the network to relay. Send from fewer coins.',
  'wallet-locked': 'The wallet is locked. Unlock it with your password.',
  'no-peers': 'Coffer cannot reach any Bitcoin peer right now. It will keep trying.',
  'keystore-corrupt': 'The wallet file is damaged. Restore the wallet from your recovery words.',
  'database-busy': 'Coffer is busy with another task. Try again in a moment.',
  'unknown-vault': 'This wallet has no such vault. The list may be out of date; it reloads by itself.',
  'unknown-channel': 'This wallet has no such channel any more. The list may be out of date; it reloads by itself.',
  'no-route': 'No route to the payee was found: Coffer pays over its own channels and the route hints in the invoice.',
  'cookie-file-cli-only': 'A cookie file can be set only with the coffer command, for safety; in the app, use a user name and password.',
  usage: 'Coffer could not accept that input. Check the values you entered.',
  internal: 'Something went wrong inside Coffer. Your coins are safe; try again, and restart Coffer if it keeps happening.',
};

/** An amount that cannot be read, by what is wrong with it: each problem its own sentence. */
export const AMOUNT_SENTENCES = {
  format: 'Enter an amount like 0.001 BTC or 100000 sats.',
  precision: 'An amount in BTC has at most 8 decimal places: 0.00000001 BTC is 1 sat, the smallest amount.',
  whole: 'An amount in sats is a whole number: 1 sat is the smallest amount.',
  'too-large': 'That is more than 21 million bitcoin, more than will ever exist.',
} as const;

/** Why the typed amount cannot be read, as the amount field shows it. */
export function amountSentence(text: string, unit: Unit): string {
  const t = text.trim().replace(/[_\s,]/g, '');
  if (unit === 'sats' && /^\d*\.\d+$/.test(t)) return AMOUNT_SENTENCES.whole;
  if (unit === 'sats' && /^\d{17,}$/.test(t)) return AMOUNT_SENTENCES['too-large'];
  try {
    if (unit === 'sats') parseSat(t);
    else parseBtc(t);
  } catch (e) {
    const reason = e instanceof CofferError && e.code === 'invalid-amount' ? e.details.reason : undefined;
    if (reason === 'precision' || reason === 'too-large') return AMOUNT_SENTENCES[reason];
  }
  return AMOUNT_SENTENCES.format;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The sentence for a code whose details hold the numbers the user needs; undefined when they do not. */
function withDetails(w: WireError): string | undefined {
  const base = SENTENCES[w.code];
  switch (w.code) {
    case 'insufficient-funds': {
      const d = w.details;
      if (d === undefined) return undefined;
      if ('neededMsat' in d) return `Your channels can send ${msatText(d.availableMsat)} now; this payment needs ${msatText(d.neededMsat)}.`;
      if (d.anchorReserveSat !== undefined && d.shortfallSat !== undefined) {
        return `${satsText(d.anchorReserveSat)} of the wallet are kept for fee bumps of your channels; this would leave ${satsText(d.anchorReserveSat - d.shortfallSat)}. Send less.`;
      }
      if (d.shortfallSat !== undefined) return `${base} You are short by ${satsText(d.shortfallSat)}.`;
      return `${base} It needs ${satsText(d.neededSat)}.`;
    }
    case 'amount-below-dust':
      return w.details?.dustThresholdSat !== undefined ? `${base} The least it relays to that address is ${satsText(w.details.dustThresholdSat)}.` : undefined;
    case 'fee-too-low': {
      const d = w.details;
      if (d === undefined) return undefined;
      if ('requiredFeeSat' in d) return `A replacement must pay at least ${satsText(d.requiredFeeSat)} in fees. Choose a higher fee rate.`;
      return `The fee rate is below what the network relays. Choose at least ${count(d.requiredSatPerVb)} sat/vB.`;
    }
    case 'fee-too-high': {
      const d = w.details;
      if (d === undefined) return undefined;
      if (d.requiresConfirmation) return `The fee is ${d.percent}% of the amount sent. Review it and confirm that you mean it.`;
      return `The fee rate is above the ${count(d.maxSatPerVb)} sat/vB limit; this is almost certainly a mistake.`;
    }
    case 'invalid-amount': {
      const reason = w.details?.reason;
      return reason === 'precision' || reason === 'too-large' ? AMOUNT_SENTENCES[reason] : undefined;
    }
    case 'invalid-mnemonic': {
      // The position only, never the word: what was typed stays out of logs and screenshots.
      const d = w.details;
      if (d?.position !== undefined) return `Word ${count(d.position)} is not in the list of recovery words. Check its spelling on your written copy.`;
      if (d?.words !== undefined) return `A recovery phrase has 12, 15, 18, 21 or 24 words; you entered ${count(d.words)}.`;
      return undefined;
    }
    case 'password-too-short':
      return w.details ? `Choose a password of at least ${w.details.minLength} characters.` : undefined;
    case 'usage':
      return w.details?.field === 'proxy' ? 'Write the proxy as socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050). A .onion peer needs one.' : undefined;
    case 'vault-not-ready': {
      const at = w.details?.withdrawableAtHeight;
      const tip = w.details?.tipHeight;
      return at !== undefined && tip !== undefined ? `The delay is not over: the withdrawal can be mined from block ${count(at)} (the tip is ${count(tip)}).` : undefined;
    }
    default:
      return undefined;
  }
}

/** The sentence for an error the core sent. */
export function wireSentence(w: WireError): string {
  return withDetails(w) ?? SENTENCES[w.code] ?? w.message;
}

/** The code of an error from the core, for `data-code` and for choosing which field shows it. */
export function codeOf(e: unknown): string | undefined {
  return e instanceof UiError ? e.code : undefined;
}

export function sentence(e: unknown): string {
  return e instanceof UiError ? wireSentence(e.wire) : SENTENCES['internal']!;
}
