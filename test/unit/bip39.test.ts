// BIP39 against the trezor/python-mnemonic vectors, for every wordlist Coffer supports.

import { HDKey } from '@scure/bip32';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  entropyToWords,
  generateEntropy,
  LANGUAGES,
  mnemonicToSeed,
  parseMnemonic,
  type Language,
} from '../../src/keys/mnemonic.js';
import { expectCode } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

type Vector = [entropy: string, mnemonic: string, seed: string, xprv: string];
const vectors = loadVectors<Record<string, Vector[]>>('bip39_vectors.json');

describe('BIP39 vectors', () => {
  it('covers every supported language; russian and turkish are not offered by @scure/bip39', () => {
    const inFile = Object.keys(vectors).sort();
    expect(inFile.filter((l) => !(LANGUAGES as readonly string[]).includes(l))).toEqual(['russian', 'turkish']);
  });

  for (const language of LANGUAGES) {
    describe(language, () => {
      const list = vectors[language] ?? [];
      it('has vectors', () => expect(list.length).toBeGreaterThan(0));
      for (const [entropyHex, mnemonic, seedHex, xprv] of list) {
        it(`${entropyHex.slice(0, 16)}... (${mnemonic.split(/\s+/u).length} words)`, () => {
          const entropy = hexToBytes(entropyHex);
          expect(entropyToWords(entropy, language).normalize('NFKD')).toBe(mnemonic.normalize('NFKD'));
          const parsed = parseMnemonic(mnemonic);
          expect(bytesToHex(parsed.entropy)).toBe(entropyHex);
          // Another wordlist holding the same characters may parse it too; the sentence must match.
          expect(entropyToWords(parsed.entropy, parsed.language).normalize('NFKD')).toBe(mnemonic.normalize('NFKD'));
          const passphrase = 'TREZOR';
          const seed = mnemonicToSeed(entropy, language as Language, passphrase);
          expect(bytesToHex(seed)).toBe(seedHex);
          expect(HDKey.fromMasterSeed(seed).privateExtendedKey).toBe(xprv);
        });
      }
    });
  }
});

describe('parseMnemonic on user input', () => {
  const words = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

  it('accepts extra whitespace, newlines and capitals', () => {
    const messy = `  ${words.toUpperCase().replaceAll(' ', '\n\t  ')}  \n`;
    expect(bytesToHex(parseMnemonic(messy).entropy)).toBe('00000000000000000000000000000000');
  });

  it('rejects a wrong word count', () => {
    const e = expectCode(() => parseMnemonic('abandon abandon abandon'), 'invalid-mnemonic');
    expect(e.details['words']).toBe(3);
  });

  it('names the position of an unknown word without echoing it', () => {
    const e = expectCode(() => parseMnemonic(words.replace('about', 'zzzzz')), 'invalid-mnemonic');
    expect(e.details['position']).toBe(12);
    expect(e.message).not.toContain('zzzzz');
  });

  it('rejects a bad checksum', () => {
    expectCode(() => parseMnemonic(words.replace('about', 'abandon')), 'invalid-mnemonic');
  });

  it('rejects words from two different lists', () => {
    expectCode(() => parseMnemonic(words.replace('about', 'abaisser')), 'invalid-mnemonic');
  });

  it('random input gives only invalid-mnemonic', () => {
    for (let i = 0; i < 500; i++) {
      const n = [12, 15, 18, 21, 24, 3][i % 6] ?? 12;
      const text = Array.from({ length: n }, () => Math.random().toString(36).slice(2, 2 + (i % 7) + 1)).join(' ');
      expectCode(() => parseMnemonic(text), 'invalid-mnemonic');
    }
  });
});

describe('generateEntropy', () => {
  it('makes 128 or 256 bits, different each time', () => {
    expect(generateEntropy(12)).toHaveLength(16);
    expect(generateEntropy(24)).toHaveLength(32);
    expect(bytesToHex(generateEntropy(12))).not.toBe(bytesToHex(generateEntropy(12)));
  });
});
