// Error codes as sentences a person can act on. The core's own message is used for codes not
// listed here (it is already a plain sentence); a stack trace never reaches the screen.

import { UiError } from './api.js';

const SENTENCES: Record<string, string> = {
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

/** The code of an error from the core, for `data-code` and for choosing which field shows it. */
export function codeOf(e: unknown): string | undefined {
  return e instanceof UiError ? e.code : undefined;
}

export function sentence(e: unknown): string {
  if (e instanceof UiError) {
    const s = SENTENCES[e.code];
    if (e.code === 'insufficient-funds' && typeof e.wire.details?.['shortfallSat'] === 'number') {
      return `${s} You are short by ${Number(e.wire.details['shortfallSat']).toLocaleString('en-US')} sats.`;
    }
    const at = e.wire.details?.['withdrawableAtHeight'];
    const tip = e.wire.details?.['tipHeight'];
    if (e.code === 'vault-not-ready' && typeof at === 'number' && typeof tip === 'number') {
      return `The delay is not over: the withdrawal can be mined from block ${at.toLocaleString('en-US')} (the tip is ${tip.toLocaleString('en-US')}).`;
    }
    return s ?? e.wire.message;
  }
  return SENTENCES['internal']!;
}
