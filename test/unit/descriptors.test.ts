// Descriptors: BIP380 checksums and key expressions, BIP381/382/386 scripts, Coffer's own rules.

import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { checkDescriptorChecksum, descriptorChecksum } from '../../src/keys/descriptor-checksum.js';
import { formatDescriptor, isRanged, parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('bip380_descriptors.json');

describe('BIP380 checksum', () => {
  it('valid', () => {
    for (const d of v.checksum.valid) {
      expect(checkDescriptorChecksum(d)).toMatchObject({ ok: true, hadChecksum: true });
      expect(parseDescriptor(d, 'main', { requireChecksum: true }).type).toBe('raw');
    }
  });
  it('no checksum is fine unless one is required', () => {
    for (const d of v.checksum.valid_without_checksum) {
      expect(parseDescriptor(d, 'main').type).toBe('raw');
      expectCode(() => parseDescriptor(d, 'main', { requireChecksum: true }), 'invalid-descriptor');
    }
  });
  for (const { desc, reason } of v.checksum.invalid) {
    it(`invalid: ${reason}`, () => expectCode(() => parseDescriptor(desc, 'main'), 'invalid-descriptor'));
  }
  it('computes the published checksum', () => expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm'));
});

describe('BIP380 key expressions inside pk()', () => {
  for (const key of v.key_expressions.valid_public) {
    it(`valid ${key.slice(0, 40)}...`, () => {
      const d = parseDescriptor(`pk(${key})`, 'main');
      expect(d.type).toBe('pk');
      // Printing and parsing again gives the same descriptor.
      expect(parseDescriptor(formatDescriptor(d), 'main', { requireChecksum: true })).toEqual(d);
    });
  }
  for (const key of v.key_expressions.valid_needing_private_key) {
    it(`refused (needs a private key) ${key.slice(0, 40)}...`, () => {
      const e = expectCode(() => parseDescriptor(`pk(${key})`, 'main'), 'invalid-descriptor');
      expect(String(e.details['reason'])).toMatch(/private key/);
    });
  }
  for (const key of v.key_expressions.invalid) {
    it(`invalid ${key.slice(0, 40)}...`, () => expectCode(() => parseDescriptor(`pk(${key})`, 'main'), 'invalid-descriptor'));
  }
});

describe('BIP381/382/386 scripts', () => {
  for (const { desc, scripts } of v.scripts) {
    it(desc.slice(0, 60), () => {
      const d = parseDescriptor(desc, 'main');
      const deriver = new ScriptDeriver(d, 'main');
      scripts.forEach((s: string, i: number) => expect(bytesToHex(deriver.scriptAt(i))).toBe(s));
      expect(isRanged(d)).toBe(scripts.length > 1);
    });
  }
  for (const desc of v.invalid_descriptors) {
    it(`invalid ${desc.slice(0, 50)}`, () => expectCode(() => parseDescriptor(desc, 'main'), 'invalid-descriptor'));
  }
});

describe('Coffer rules', () => {
  const tpub = 'tpubDCKQNvRu8ksTvq4WS98cD3cJFnmpS686PMd2AqZkDwZYtwamuXUXm6eMiRRumdeJ74YWfocAHZguiKQoXh5RzNXxNPjcUyeix6rwWwiB3JK';

  it('a testnet key on mainnet is wrong-network, and the reverse', () => {
    expectCode(() => parseDescriptor(`wpkh(${tpub}/0/*)`, 'main'), 'wrong-network');
    expect(parseDescriptor(`wpkh(${tpub}/0/*)`, 'regtest').type).toBe('wpkh');
  });

  it('addr() checks the network', () => {
    expect(parseDescriptor('addr(bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu)', 'main').type).toBe('addr');
    expectCode(() => parseDescriptor('addr(bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu)', 'test'), 'wrong-network');
  });

  it('refuses script trees and unsupported fragments with a reason', () => {
    const e = expectCode(() => parseDescriptor('tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))', 'main'), 'invalid-descriptor');
    expect(e.details['reason']).toMatch(/tree/);
    expectCode(() => parseDescriptor('combo(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)', 'main'), 'invalid-descriptor');
  });

  it('every mutation of a valid descriptor gives a typed error or a valid descriptor, never a crash', () => {
    const base = formatDescriptor(parseDescriptor(`wpkh([d97d3712/84h/1h/0h]${tpub}/0/*)`, 'regtest'));
    const chars = '()[]/*h\'#,0123456789abcdefxyzpubtQ';
    let errors = 0;
    for (let i = 0; i < 4000; i++) {
      const arr = [...base];
      const pos = Math.floor(Math.random() * arr.length);
      const op = i % 3;
      const c = chars[Math.floor(Math.random() * chars.length)] ?? 'x';
      if (op === 0) arr[pos] = c;
      else if (op === 1) arr.splice(pos, 1);
      else arr.splice(pos, 0, c);
      const text = arr.join('');
      try {
        parseDescriptor(text, 'regtest');
      } catch {
        expect(['invalid-descriptor', 'wrong-network', 'invalid-address']).toContain(codeOf(() => parseDescriptor(text, 'regtest')));
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(3000);
  });
});
