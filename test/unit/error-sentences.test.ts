// The renderer's error sentences: chosen by the code and its typed details, never by the core's
// message text, which shows only for a code the renderer has no sentence for.

import { describe, expect, it } from 'vitest';
import type { WireError } from '../../src/api/errors.js';
import { AMOUNT_SENTENCES, amountSentence, codeOf, sentence, wireSentence } from '../../renderer/src/errors.js';
import { UiError } from '../../renderer/src/ui-error.js';

/** A message the sentences must never repeat. */
const CORE = 'core text';

describe('error sentences', () => {
  it('insufficient funds on chain: the shortfall in sats, as the send form shows it', () => {
    const s = wireSentence({ code: 'insufficient-funds', message: CORE, details: { neededSat: 51_234, availableSat: 50_000, shortfallSat: 1_234 } });
    expect(s).toBe('Not enough bitcoin: the amount plus the fee is more than this wallet can spend. You are short by 1,234 sats.');
    // The e2e tests read the send and channel forms with this pattern.
    expect(s).toMatch(/^Not enough bitcoin: .* You are short by [\d,]+ sats\.$/);
    expect(wireSentence({ code: 'insufficient-funds', message: CORE, details: { neededSat: 2_000 } })).toMatch(/ It needs 2,000 sats\.$/);
  });

  it('a spend into the anchor channels\' fee reserve: what is kept and what the spend would leave', () => {
    expect(wireSentence({ code: 'insufficient-funds', message: CORE, details: { neededSat: 95_000, availableSat: 90_000, shortfallSat: 4_000, anchorReserveSat: 10_000 } })).toBe(
      '10,000 sats of the wallet are kept for fee bumps of your channels; this would leave 6,000 sats. Send less.',
    );
  });

  it('a proxy the core refused: how to write one, whatever the core said', () => {
    expect(wireSentence({ code: 'usage', message: CORE, details: { field: 'proxy' } })).toBe('Write the proxy as socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050). A .onion peer needs one.');
    expect(wireSentence({ code: 'usage', message: CORE, details: { field: 'amount' } })).toBe('Coffer could not accept that input. Check the values you entered.');
  });

  it('insufficient funds in the channels: what they can send and what the payment needs, from millisatoshis', () => {
    expect(wireSentence({ code: 'insufficient-funds', message: CORE, details: { neededMsat: 2_000_000, availableMsat: 1_500 } })).toBe(
      'Your channels can send 1.5 sats now; this payment needs 2,000 sats.',
    );
  });

  it('fee rates: the required or the largest rate, a replacement’s fee, the share of the amount', () => {
    expect(wireSentence({ code: 'fee-too-low', message: CORE, details: { feeRateSatPerVb: 0.5, requiredSatPerVb: 1 } })).toBe(
      'The fee rate is below what the network relays. Choose at least 1 sat/vB.',
    );
    expect(wireSentence({ code: 'fee-too-low', message: CORE, details: { feeSat: 500, requiredFeeSat: 1_641 } })).toBe(
      'A replacement must pay at least 1,641 sats in fees. Choose a higher fee rate.',
    );
    expect(wireSentence({ code: 'fee-too-high', message: CORE, details: { feeRateSatPerVb: 20_000, maxSatPerVb: 10_000, requiresConfirmation: false } })).toBe(
      'The fee rate is above the 10,000 sat/vB limit; this is almost certainly a mistake.',
    );
    expect(wireSentence({ code: 'fee-too-high', message: CORE, details: { feeSat: 5_001, amountSentSat: 100_000, percent: 5, requiresConfirmation: true } })).toBe(
      'The fee is 5% of the amount sent. Review it and confirm that you mean it.',
    );
  });

  it('dust, a short password, a vault that is not ready: the numbers from the details', () => {
    expect(wireSentence({ code: 'amount-below-dust', message: CORE, details: { valueSat: 293, dustThresholdSat: 294 } })).toBe(
      'This amount is too small to send: the network would not relay it. The least it relays to that address is 294 sats.',
    );
    expect(wireSentence({ code: 'password-too-short', message: CORE, details: { minLength: 12 } })).toBe('Choose a password of at least 12 characters.');
    expect(wireSentence({ code: 'vault-not-ready', message: CORE, details: { status: 'unvaulting', withdrawableAtHeight: 1_200, tipHeight: 1_150 } })).toBe(
      'The delay is not over: the withdrawal can be mined from block 1,200 (the tip is 1,150).',
    );
  });

  it('without details a code keeps its general sentence; a code with none shows the core’s message', () => {
    expect(wireSentence({ code: 'insufficient-funds', message: CORE })).toBe('Not enough bitcoin: the amount plus the fee is more than this wallet can spend.');
    expect(wireSentence({ code: 'vault-not-ready', message: 'The vault is funding: wait.', details: { status: 'funding' } })).toBe('The vault is funding: wait.');
    expect(wireSentence({ code: 'invoice-paid', message: 'This invoice was paid already.', details: { paymentHash: 'ab'.repeat(32) } })).toBe('This invoice was paid already.');
  });

  it('a sentence for a code never repeats the core’s message text', () => {
    const errors: WireError[] = [
      { code: 'wrong-password', message: CORE, details: { field: 'password' } },
      { code: 'insufficient-funds', message: CORE, details: { neededSat: 10, shortfallSat: 1 } },
      { code: 'fee-too-low', message: CORE, details: { feeRateSatPerVb: 0.5, requiredSatPerVb: 1 } },
      { code: 'internal', message: CORE },
    ];
    for (const w of errors) expect(wireSentence(w)).not.toContain(CORE);
  });

  it('UiError carries the code; anything else is an internal error', () => {
    const e = new UiError({ code: 'wrong-password', message: CORE });
    expect(codeOf(e)).toBe('wrong-password');
    expect(sentence(e)).toBe('That password is not right. Try again.');
    expect(codeOf(new Error('boom'))).toBeUndefined();
    expect(sentence(new Error('boom'))).toBe('Something went wrong inside Coffer. Your coins are safe; try again, and restart Coffer if it keeps happening.');
  });

  it('an amount that does not read: too many decimals and more than 21 million are different sentences', () => {
    expect(amountSentence('0.000000001', 'btc')).toBe('An amount in BTC has at most 8 decimal places: 0.00000001 BTC is 1 sat, the smallest amount.');
    expect(amountSentence('21000001', 'btc')).toBe('That is more than 21 million bitcoin, more than will ever exist.');
    expect(amountSentence('999999999', 'btc')).toBe(AMOUNT_SENTENCES['too-large']);
    expect(amountSentence('2,100,000,000,000,001', 'sats')).toBe(AMOUNT_SENTENCES['too-large']);
    expect(amountSentence('123456789012345678', 'sats')).toBe(AMOUNT_SENTENCES['too-large']);
    expect(amountSentence('1.5', 'sats')).toBe('An amount in sats is a whole number: 1 sat is the smallest amount.');
    expect(amountSentence('abc', 'btc')).toBe('Enter an amount like 0.001 BTC or 100000 sats.');
    expect(amountSentence('1.2.3', 'sats')).toBe(AMOUNT_SENTENCES.format);
    // The core's refusals read the same, by their reason, never by its message.
    expect(wireSentence({ code: 'invalid-amount', message: CORE, details: { reason: 'precision' } })).toBe(AMOUNT_SENTENCES.precision);
    expect(wireSentence({ code: 'invalid-amount', message: CORE, details: { reason: 'too-large' } })).toBe(AMOUNT_SENTENCES['too-large']);
    expect(new Set(Object.values(AMOUNT_SENTENCES)).size).toBe(4);
  });

  it('recovery words: the position of a word not in the list, or how many words there are; never a word', () => {
    expect(wireSentence({ code: 'invalid-mnemonic', message: 'Word 7 is not in the BIP39 word list.', details: { position: 7 } })).toBe(
      'Word 7 is not in the list of recovery words. Check its spelling on your written copy.',
    );
    expect(wireSentence({ code: 'invalid-mnemonic', message: CORE, details: { words: 11 } })).toBe('A recovery phrase has 12, 15, 18, 21 or 24 words; you entered 11.');
    expect(wireSentence({ code: 'invalid-mnemonic', message: CORE })).toBe('Those recovery words are not valid. Check each word and their order.');
  });
});
