// BIP21 URIs against the BIP's examples, plus amounts, building and hostile input.

import { describe, expect, it } from 'vitest';
import { formatBtc, parseBtc } from '../../src/api/amount.js';
import { buildBip21, parseBip21, parsePaymentUri } from '../../src/wallet/bip21.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('bip21_uri_vectors.json');
const cases = [...v.examples, ...v.rules.derived_checks];

describe('BIP21 vectors (syntax; the BIP address itself fails its checksum)', () => {
  for (const c of cases) {
    it(`${c.valid ? 'valid' : 'invalid'}: ${c.uri}`, () => {
      if (!c.valid) {
        expect(['invalid-uri', 'invalid-amount']).toContain(codeOf(() => parseBip21(c.uri)));
        return;
      }
      const r = parseBip21(c.uri);
      expect(r.address).toBe(c.expected.address);
      expect(r.amountSat).toBe(c.expected.amount_sat);
      expect(r.label).toBe(c.expected.label);
      expect(r.message).toBe(c.expected.message);
    });
  }

  it('the BIP example address is rejected once the address is checked', () => {
    expectCode(() => parsePaymentUri(v.examples[0].uri, 'main'), 'invalid-address');
  });
});

describe('payment URIs with real addresses', () => {
  const addr = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';

  it('round-trips amount, label and message', () => {
    const uri = buildBip21({ address: addr, amountSat: 123_456, label: 'Café & Co', message: 'Invoice #7 = 100%' });
    expect(uri).toBe(`bitcoin:${addr}?amount=0.00123456&label=Caf%C3%A9%20%26%20Co&message=Invoice%20%237%20%3D%20100%25`);
    expect(parsePaymentUri(uri, 'main')).toEqual({ address: addr, amountSat: 123_456, label: 'Café & Co', message: 'Invoice #7 = 100%' });
  });

  it('accepts an uppercase QR-style URI', () => {
    expect(parsePaymentUri(`BITCOIN:${addr.toUpperCase()}?amount=1`, 'main').amountSat).toBe(100_000_000);
  });

  it('wrong network', () => expectCode(() => parsePaymentUri(`bitcoin:${addr}`, 'regtest'), 'wrong-network'));

  it('keeps unknown optional parameters, refuses unknown required ones', () => {
    expect(parseBip21(`bitcoin:${addr}?lightning=lnbc1&pj=x`).extra).toEqual({ lightning: 'lnbc1', pj: 'x' });
    expect(expectCode(() => parseBip21(`bitcoin:${addr}?req-pop=1`), 'invalid-uri').details['param']).toBe('req-pop');
  });

  it('refuses malformed URIs', () => {
    for (const bad of ['', 'bitcoin:', `litecoin:${addr}`, addr, `bitcoin:${addr}?amount=1&amount=2`, `bitcoin:${addr}?label=%E0%A4%A`, `bitcoin:${addr}?amount=-1`, `bitcoin:${addr}?amount=1e3`, `bitcoin:${addr}?amount=0.123456789`]) {
      expect(['invalid-uri', 'invalid-amount']).toContain(codeOf(() => parseBip21(bad)));
    }
  });

  it('random input gives only typed errors', () => {
    const chars = 'bitcoin:?&=%amount.label0123456789abcdefBC1q ';
    for (let i = 0; i < 3000; i++) {
      let s = i % 2 ? 'bitcoin:' : '';
      for (let j = 0; j < i % 50; j++) s += chars[Math.floor(Math.random() * chars.length)];
      try {
        parsePaymentUri(s, 'main');
      } catch (e) {
        expect(['invalid-uri', 'invalid-amount', 'invalid-address', 'wrong-network']).toContain(codeOf(() => parsePaymentUri(s, 'main')));
      }
    }
  });
});

describe('amounts', () => {
  it('parses exact decimals', () => {
    expect(parseBtc('0.00000001')).toBe(1);
    expect(parseBtc('20.3')).toBe(2_030_000_000);
    expect(parseBtc('.5')).toBe(50_000_000);
    expect(parseBtc('21000000')).toBe(2_100_000_000_000_000);
    expect(parseBtc('0.1') + parseBtc('0.2')).toBe(parseBtc('0.3'));
  });
  it('refuses what is not an amount', () => {
    for (const bad of ['', '.', '1,000', '1.000000001', '21000000.00000001', '99999999999', '-1', '1e8', ' 1', '0x10']) {
      expectCode(() => parseBtc(bad), 'invalid-amount');
    }
  });
  it('formats the shortest exact form', () => {
    expect(formatBtc(0)).toBe('0');
    expect(formatBtc(1)).toBe('0.00000001');
    expect(formatBtc(2_030_000_000)).toBe('20.3');
    expect(() => formatBtc(1.5)).toThrow(RangeError);
  });
});
