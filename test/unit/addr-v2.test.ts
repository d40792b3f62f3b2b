// BIP155 addrv2: Bitcoin Core's address examples (Tor v3 with its checksum, I2P, CJDNS), unknown
// networks skipped, wrong sizes and caps refused with invalid-message, random bytes never a crash.

import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { MAX_ADDRV2, onionFromPubkey, onionPubkey, type AddrV2Entry } from '../../src/p2p/addr-v2.js';
import { decodeMessage, encodeMessage } from '../../src/p2p/messages.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Bitcoin Core's BIP155 examples (src/test/net_tests.cpp): network id, address bytes, text.
const TORV3_KEY = '79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f';
const TORV3 = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const I2P_KEY = 'a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87';
const I2P = 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p';

/** One entry: time 0x5f5e1000, services NODE_NETWORK|NODE_WITNESS (0x09), then id, length, bytes, port 8333. */
const entry = (id: string, addr: string): string => `00105e5f 09 ${id} ${(addr.replace(/\s+/g, '').length / 2).toString(16).padStart(2, '0')} ${addr} 208d`;
const payload = (...entries: string[]): Uint8Array => hex(`${entries.length.toString(16).padStart(2, '0')} ${entries.join(' ')}`);
const decode = (p: Uint8Array) => decodeMessage('addrv2', p) as { type: 'addrv2'; addrs: AddrV2Entry[] };
const reason = (p: Uint8Array): string => String(expectCode(() => decodeMessage('addrv2', p), 'invalid-message').details['reason']);

describe('addrv2 (BIP155)', () => {
  it('decodes every network of Core examples into host text, and encodes them back to the same bytes', () => {
    const p = payload(
      entry('01', '01020304'),
      entry('02', '0102030405060708090a0b0c0d0e0f10'),
      entry('04', TORV3_KEY),
      entry('05', I2P_KEY),
      entry('06', 'fc000001000200030004000500060007'),
    );
    const m = decode(p);
    const base = { time: 0x5f5e1000, services: 9n, port: 8333 };
    expect(m.addrs).toEqual([
      { ...base, network: 'ipv4', host: '1.2.3.4' },
      { ...base, network: 'ipv6', host: '102:304:506:708:90a:b0c:d0e:f10' },
      { ...base, network: 'torv3', host: TORV3 },
      { ...base, network: 'i2p', host: I2P },
      { ...base, network: 'cjdns', host: 'fc00:1:2:3:4:5:6:7' },
    ]);
    expect(toHex(encodeMessage(m).payload)).toBe(toHex(p));
  });

  it('Tor v3 names carry the key, a checksum and the version; a wrong checksum or version is no name', () => {
    expect(toHex(onionPubkey(TORV3)!)).toBe(TORV3_KEY);
    expect(onionFromPubkey(hex(TORV3_KEY))).toBe(TORV3);
    expect(onionPubkey(TORV3.toUpperCase())).toBeDefined();
    // Changing one character breaks the checksum (or the version in the last one).
    for (const i of [0, 30, 52, 54, 55]) {
      const c = TORV3[i] === 'a' ? 'b' : 'a';
      expect(onionPubkey(`${TORV3.slice(0, i)}${c}${TORV3.slice(i + 1)}`), `char ${i}`).toBeUndefined();
    }
    for (const bad of ['', 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd', `${TORV3}.`, 'expyuzz4wqqyqhjn.onion', `${TORV3.slice(1)}.onion`]) {
      expect(onionPubkey(bad), bad).toBeUndefined();
    }
    expectCode(() => encodeMessage({ type: 'addrv2', addrs: [{ time: 0, services: 0n, network: 'torv3', host: `a${TORV3.slice(1)}`, port: 1 }] }), 'invalid-message');
  });

  it('skips unknown networks and retired Tor v2, as the BIP asks', () => {
    const m = decode(payload(entry('03', '00112233445566778899'), entry('aa', 'bbccddeeff'), entry('01', '05060708')));
    expect(m.addrs.map((a) => a.host)).toEqual(['5.6.7.8']);
  });

  it('services may use all 64 bits (a CompactSize)', () => {
    const m = decode(hex(`01 00000000 ff0900000000000080 01 04 01020304 0001`));
    expect(m.addrs[0]!.services).toBe(0x8000000000000009n);
    expect(toHex(encodeMessage(m).payload)).toBe('0100000000ff0900000000000080010401020304' + '0001');
    expect(reason(hex(`01 00000000 fd0900 01 04 01020304 0001`))).toMatch(/non-canonical/);
  });

  it('refuses a known network with another size, disguised addresses, and the caps', () => {
    expect(reason(payload(entry('01', '0102030405')))).toMatch(/5 bytes, not 4/);
    expect(reason(payload(entry('04', TORV3_KEY.slice(2))))).toMatch(/31 bytes, not 32/);
    expect(reason(payload(entry('02', '00000000000000000000ffff01020304')))).toMatch(/IPv4 or CJDNS/);
    expect(reason(payload(entry('02', 'fc000001000200030004000500060007')))).toMatch(/IPv4 or CJDNS/);
    expect(reason(payload(entry('06', 'fd000001000200030004000500060007')))).toMatch(/CJDNS/);
    // An unknown network's address may be skipped, but not past 512 bytes.
    expect(decode(hex(`01 00000000 00 aa fd0002 ${'00'.repeat(512)} 0000`)).addrs).toEqual([]);
    expect(reason(hex(`01 00000000 00 aa fd0102 ${'00'.repeat(513)} 0000`))).toMatch(/above limit 512/);
    // At most 1,000 entries.
    const one = entry('01', '01020304').replace(/\s+/g, '');
    expect(decode(hex(`fde803 ${one.repeat(MAX_ADDRV2)}`)).addrs).toHaveLength(MAX_ADDRV2);
    expect(reason(hex(`fde903 ${one.repeat(MAX_ADDRV2 + 1)}`))).toMatch(/above limit 1000/);
    expectCode(() => encodeMessage({ type: 'addrv2', addrs: Array.from({ length: MAX_ADDRV2 + 1 }, () => ({ time: 0, services: 0n, network: 'ipv4' as const, host: '1.2.3.4', port: 1 })) }), 'invalid-message');
    // An IPv6 host cannot go out as IPv4, nor a non-fc00 one as CJDNS.
    expectCode(() => encodeMessage({ type: 'addrv2', addrs: [{ time: 0, services: 0n, network: 'ipv4', host: '::1', port: 1 }] }), 'invalid-message');
    expectCode(() => encodeMessage({ type: 'addrv2', addrs: [{ time: 0, services: 0n, network: 'cjdns', host: '2001::1', port: 1 }] }), 'invalid-message');
  });

  it('truncation, trailing bytes and random payloads give invalid-message, never another error', () => {
    const good = payload(entry('01', '01020304'), entry('04', TORV3_KEY));
    for (let n = 0; n < good.length; n++) expectCode(() => decodeMessage('addrv2', good.subarray(0, n)), 'invalid-message');
    expect(reason(new Uint8Array([...good, 0]))).toMatch(/trailing/);
    const rand = prng(155);
    for (let i = 0; i < 3000; i++) {
      const p = i % 2 ? Uint8Array.from({ length: rand(80) }, () => rand(256)) : good.map((b) => (rand(20) === 0 ? rand(256) : b));
      try {
        decodeMessage('addrv2', p);
      } catch (e) {
        expect(e).toBeInstanceOf(CofferError);
        expect((e as CofferError).code).toBe('invalid-message');
      }
    }
  });
});
