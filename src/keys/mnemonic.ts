// BIP39: new mnemonics, parsing typed or pasted words (any supported wordlist), and the seed.
//
// The wallet stores entropy and the wordlist id, never the sentence: the words are rebuilt only
// when the user asks to see them. JS strings cannot be wiped, so the sentence exists as a string
// only for the moment it is shown or turned into a seed.

import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist as czech } from '@scure/bip39/wordlists/czech.js';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as french } from '@scure/bip39/wordlists/french.js';
import { wordlist as italian } from '@scure/bip39/wordlists/italian.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import { wordlist as korean } from '@scure/bip39/wordlists/korean.js';
import { wordlist as portuguese } from '@scure/bip39/wordlists/portuguese.js';
import { wordlist as simplifiedChinese } from '@scure/bip39/wordlists/simplified-chinese.js';
import { wordlist as spanish } from '@scure/bip39/wordlists/spanish.js';
import { wordlist as traditionalChinese } from '@scure/bip39/wordlists/traditional-chinese.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';

/** Order matters: the index is the language id stored in the keystore. Append only. */
export const LANGUAGES = [
  'english',
  'japanese',
  'korean',
  'spanish',
  'chinese_simplified',
  'chinese_traditional',
  'french',
  'italian',
  'czech',
  'portuguese',
] as const;
export type Language = (typeof LANGUAGES)[number];

const WORDLISTS: Record<Language, string[]> = {
  english,
  japanese,
  korean,
  spanish,
  chinese_simplified: simplifiedChinese,
  chinese_traditional: traditionalChinese,
  french,
  italian,
  czech,
  portuguese,
};

const WORD_SETS = new Map<Language, Set<string>>();
function wordSet(lang: Language): Set<string> {
  let s = WORD_SETS.get(lang);
  if (!s) {
    s = new Set(WORDLISTS[lang].map((w) => w.normalize('NFKD')));
    WORD_SETS.set(lang, s);
  }
  return s;
}

export const WORD_COUNTS = [12, 15, 18, 21, 24] as const;

export function generateEntropy(words: 12 | 24): Uint8Array {
  return randomBytes(words === 12 ? 16 : 32);
}

/** The sentence for some entropy, with the separator the language uses (ideographic space for Japanese). */
export function entropyToWords(entropy: Uint8Array, language: Language): string {
  return entropyToMnemonic(entropy, WORDLISTS[language]);
}

export interface ParsedMnemonic {
  entropy: Uint8Array;
  language: Language;
}

/**
 * Parse words as a user types or pastes them: any whitespace, any case, NFC or NFKD input.
 * Errors name the position of a bad word but never echo the words themselves.
 */
export function parseMnemonic(text: string): ParsedMnemonic {
  const words = text.normalize('NFKD').toLowerCase().trim().split(/\s+/u).filter((w) => w !== '');
  if (!(WORD_COUNTS as readonly number[]).includes(words.length)) {
    throw new CofferError(
      'invalid-mnemonic',
      `A recovery phrase has 12, 15, 18, 21 or 24 words; this one has ${words.length}.`,
      { words: words.length },
    );
  }
  const candidates = LANGUAGES.filter((lang) => words.every((w) => wordSet(lang).has(w)));
  if (candidates.length === 0) {
    const best = bestLanguage(words);
    const bad = words.findIndex((w) => !wordSet(best).has(w));
    throw new CofferError(
      'invalid-mnemonic',
      `Word ${bad + 1} is not in the BIP39 word list.`,
      { position: bad + 1 },
    );
  }
  const sentence = words.join(' ');
  for (const language of candidates) {
    try {
      return { entropy: mnemonicToEntropy(sentence, WORDLISTS[language]), language };
    } catch {
      // checksum failed for this wordlist; another list holding the same words may still match
    }
  }
  throw new CofferError(
    'invalid-mnemonic',
    'The recovery phrase checksum does not match: a word is wrong or the words are out of order.',
  );
}

function bestLanguage(words: string[]): Language {
  let best: Language = 'english';
  let bestHits = -1;
  for (const lang of LANGUAGES) {
    const hits = words.filter((w) => wordSet(lang).has(w)).length;
    if (hits > bestHits) {
      best = lang;
      bestHits = hits;
    }
  }
  return best;
}

/** BIP39 seed (64 bytes). The caller wipes it. */
export function mnemonicToSeed(entropy: Uint8Array, language: Language, passphrase: string): Uint8Array {
  const sentence = utf8ToBytes(entropyToWords(entropy, language).normalize('NFKD'));
  const salt = utf8ToBytes(`mnemonic${passphrase}`.normalize('NFKD'));
  try {
    return pbkdf2(sha512, sentence, salt, { c: 2048, dkLen: 64 });
  } finally {
    sentence.fill(0);
    salt.fill(0);
  }
}
