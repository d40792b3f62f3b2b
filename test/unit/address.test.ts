// Address decoding and encoding against the BIP173/BIP350 vectors, plus network checks.

import { bech32, bech32m } from '@scure/base';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { addressToScript, classifyScript, scriptToAddress } from '../../src/keys/address.js';
import type { Network } from '../../src/keys/networks.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('bip173_bip350_bech32_vectors.json');

function withBytes(e: { string: string; prefix_byte?: string; suffix_byte?: string }): string {
  const pre = e.prefix_byte ? String.fromCharCode(Number(e.prefix_byte)) : '';
  const suf = e.suffix_byte ? String.fromCharCode(Number(e.suffix_byte)) : '';
  return pre + e.string + suf;
}

function networkOf(addr: string): Network {
  return addr.toLowerCase().startsWith('bc1') ? 'main' : 'test';
}

describe('bech32 and bech32m strings (the codec Coffer uses)', () => {
  for (const e of v.bip173.valid_bech32) it(`bech32 valid ${e.string}`, () => expect(bech32.decodeUnsafe(e.string, 90)).toBeTruthy());
  for (const e of v.bip350.valid_bech32m) it(`bech32m valid ${e.string}`, () => expect(bech32m.decodeUnsafe(e.string, 90)).toBeTruthy());
  for (const e of v.bip173.invalid_bech32) {
    it(`bech32 invalid: ${e.reason}`, () => expect(bech32.decodeUnsafe(withBytes(e), 90)).toBeFalsy());
  }
  for (const e of v.bip350.invalid_bech32m) {
    it(`bech32m invalid: ${e.reason}`, () => expect(bech32m.decodeUnsafe(withBytes(e), 90)).toBeFalsy());
  }
});

describe('segwit addresses (BIP350)', () => {
  for (const e of v.bip350.valid_segwit_addresses) {
    it(`valid ${e.string}`, () => {
      const script = addressToScript(e.string, networkOf(e.string));
      expect(bytesToHex(script)).toBe(e.scriptPubKey);
      expect(scriptToAddress(script, networkOf(e.string))).toBe(e.string.toLowerCase());
    });
  }
  for (const e of v.bip350.invalid_segwit_addresses) {
    it(`invalid: ${e.reason} (${e.string})`, () => {
      for (const n of ['main', 'test'] as const) expect(codeOf(() => addressToScript(e.string, n))).toBe('invalid-address');
    });
  }
  it('BIP173 v0 addresses stay valid; its v1+ bech32 ones are invalid since BIP350', () => {
    for (const e of v.bip173.valid_segwit_addresses_pre_bip350) {
      const isV0 = e.scriptPubKey.startsWith('00');
      const code = isV0 ? undefined : codeOf(() => addressToScript(e.string, networkOf(e.string)));
      if (isV0) expect(bytesToHex(addressToScript(e.string, networkOf(e.string)))).toBe(e.scriptPubKey);
      else expect(code).toBe('invalid-address');
    }
  });
  for (const e of v.bip173.invalid_segwit_addresses) {
    it(`BIP173 invalid: ${e.reason}`, () => {
      for (const n of ['main', 'test'] as const) expect(codeOf(() => addressToScript(e.string, n))).toBe('invalid-address');
    });
  }
});

describe('base58 addresses and networks', () => {
  it('P2PKH and P2SH on main', () => {
    expect(bytesToHex(addressToScript('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'main'))).toMatch(/^76a914[0-9a-f]{40}88ac$/);
    expect(bytesToHex(addressToScript('37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf', 'main'))).toMatch(/^a914[0-9a-f]{40}87$/);
  });

  it('wrong-network names the network the address belongs to', () => {
    const e = expectCode(() => addressToScript('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'regtest'), 'wrong-network');
    expect(e.details['addressNetwork']).toBe('main');
    expectCode(() => addressToScript('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'main'), 'wrong-network');
    expectCode(() => addressToScript('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'test'), 'wrong-network');
    const reg = scriptToAddress(hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6'), 'regtest') ?? '';
    expect(reg.startsWith('bcrt1q')).toBe(true);
    expectCode(() => addressToScript(reg, 'signet'), 'wrong-network');
  });

  it('a typo in a base58 address is caught by its checksum', () => {
    expectCode(() => addressToScript('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB', 'main'), 'invalid-address');
  });

  it('random strings give only typed errors', () => {
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l1bcBC023456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz ';
    for (let i = 0; i < 3000; i++) {
      const len = 1 + (i % 80);
      let s = i % 3 === 0 ? 'bc1' : i % 3 === 1 ? '1' : '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      const code = codeOf(() => addressToScript(s, 'main'));
      expect(['invalid-address', 'wrong-network']).toContain(code);
    }
  });
});

describe('classifyScript', () => {
  it('knows standard scripts and refuses the rest', () => {
    expect(classifyScript(hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6'))?.type).toBe('p2wpkh');
    expect(classifyScript(hexToBytes('5120' + '00'.repeat(32)))?.type).toBe('p2tr');
    expect(classifyScript(hexToBytes('6a0401020304'))).toBeUndefined();
    expect(classifyScript(hexToBytes('0015' + '00'.repeat(21)))).toBeUndefined();
    expect(scriptToAddress(hexToBytes('6a'), 'main')).toBeUndefined();
  });
});
