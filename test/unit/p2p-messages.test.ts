// P2P payloads: real messages from mainnet, a round trip for every type, Core's limits, fuzzing.

import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { equalBytes, hashToHex } from '../../src/chain/bytes.js';
import { parseTx, sha256d } from '../../src/chain/tx.js';
import {
  decodeMessage,
  encodeMessage,
  MAX_ADDR,
  MAX_HEADERS,
  MAX_INV,
  MAX_LOCATOR,
  MSG_BLOCK,
  MSG_FILTERED_BLOCK,
  MSG_TX,
  MSG_WITNESS_BLOCK,
  MSG_WITNESS_FLAG,
  MSG_WITNESS_TX,
  NODE_BLOOM,
  NODE_COMPACT_FILTERS,
  NODE_NETWORK,
  NODE_NETWORK_LIMITED,
  NODE_WITNESS,
  txMessage,
  type Message,
} from '../../src/p2p/messages.js';
import { MAX_CFHEADERS, MAX_FILTER_BYTES } from '../../src/p2p/cf-messages.js';
import { parseIp } from '../../src/p2p/ip.js';
import { encodeFrame, FrameDecoder } from '../../src/p2p/wire.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

// Public vectors, copied as data (see p2p-wire.test.ts for the frames they came in).
const WIKI_VERSION = hex(`62ea0000 0100000000000000 11b2d05000000000
  0100000000000000 00000000000000000000ffff00000000 0000
  0000000000000000 00000000000000000000ffff00000000 0000
  3b2eb35d8ce61765 0f2f5361746f7368693a302e372e322f c03e0300`);
const CORE23_VERSION = hex(`80110100 0d04000000000000 5083506300000000
  0000000000000000 00000000000000000000000000000000 0000
  0d04000000000000 00000000000000000000000000000000 0000
  ff0ae91284bdd3e2 102f5361746f7368693a32332e302e302f 8e960b00 01`);
const GENESIS_HEADER = hex(
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
);
const GENESIS_COINBASE = hex(
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
);
// BIP143's signed native P2WPKH example.
const BIP143_TX = hex(
  '01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000',
);
// The bitcoin.org developer reference's merkleblock example (mainnet block 000000000000b731...).
const MERKLEBLOCK = hex(
  '0100000082bb869cf3a793432a66e826e05a6fc37469f8efb7421dc880670100000000007f16c5962e8bd963659c793ce370d95f093bc7e367117b3c30c1f8fdd0d9728776381b4d4c86041b554b852907000000043612262624047ee87660be1a707519a443b1c1ce3d248cbfc6c15870f6c5daa2019f5b01d4195ecbc9398fbf3c3b1fa9bb3183301d7a1fb3bd174fcfa40a2b6541ed70551dd7e841883ab8f0b16bf04176b7d1480e4f0af9f3d4c3595768d06820d2a7bc994987302e5b1ac80fc425fe25f8b63169ea78e68fbaaefa59379bbf011d',
);

const h = (v: number): Uint8Array => filled(32, v);
const addr = { services: NODE_NETWORK | NODE_WITNESS, host: '203.0.113.7', port: 8333 };

/** One message of every modelled type, with non-trivial values in every field. */
const SAMPLES: Message[] = [
  { type: 'version', version: 70016, services: 0x40dn, timestamp: 1_700_000_000, receiver: addr, sender: { services: 0n, host: '2001:db8::1', port: 18333 }, nonce: 0xfedcba9876543210n, userAgent: '/Coffer:0.1.0/', startHeight: 820_000, relay: false },
  { type: 'verack' },
  { type: 'ping', nonce: 0xffffffffffffffffn },
  { type: 'pong', nonce: 1n },
  { type: 'getheaders', version: 70016, locator: [h(1), h(2), h(3)], stop: h(0) },
  { type: 'getblocks', version: 70016, locator: [h(4)], stop: h(5) },
  { type: 'headers', headers: [GENESIS_HEADER, filled(80, 7)] },
  { type: 'sendheaders' },
  { type: 'inv', items: [{ type: MSG_TX, hash: h(8) }, { type: MSG_WITNESS_BLOCK, hash: h(9) }] },
  { type: 'getdata', items: [{ type: MSG_FILTERED_BLOCK, hash: h(10) }] },
  { type: 'notfound', items: [] },
  txMessage(parseTx(BIP143_TX)),
  { type: 'merkleblock', header: GENESIS_HEADER, total: 7, hashes: [h(11), h(12)], flags: hex('1d05') },
  { type: 'addr', addrs: [{ time: 1_700_000_123, ...addr }, { time: 0, services: NODE_NETWORK_LIMITED, host: '::1', port: 1 }] },
  { type: 'getaddr' },
  { type: 'mempool' },
  { type: 'feefilter', feeRate: 1000 },
  { type: 'reject', message: 'tx', code: 0x42, reason: 'min relay fee not met', data: h(13) },
  { type: 'reject', message: 'version', code: 0x11, reason: 'obsolete' },
  { type: 'filterload', filter: hex('b50f'), hashFuncs: 11, tweak: 0xdeadbeef, flags: 1 },
  { type: 'filteradd', data: filled(33, 2) },
  { type: 'filterclear' },
  { type: 'sendcmpct', announce: true, version: 2n },
  { type: 'wtxidrelay' },
  { type: 'sendaddrv2' },
  { type: 'getcfilters', filterType: 0, startHeight: 820_000, stopHash: h(14) },
  { type: 'cfilter', filterType: 0, blockHash: h(15), filter: hex('019dfca8') },
  { type: 'getcfheaders', filterType: 0, startHeight: 1, stopHash: h(16) },
  { type: 'cfheaders', filterType: 0, stopHash: h(17), prevHeader: h(18), filterHashes: [h(19), h(20)] },
  { type: 'getcfcheckpt', filterType: 0, stopHash: h(21) },
  { type: 'cfcheckpt', filterType: 0, stopHash: h(22), headers: [h(23)] },
  { type: 'unknown', command: 'cmpctblock', payload: hex('0102') },
];

const roundTrip = (m: Message): Message => {
  const f = encodeMessage(m);
  return decodeMessage(f.command, f.payload);
};

describe('messages from real nodes', () => {
  it('decodes the Bitcoin wiki version payload, which has no relay byte', () => {
    const m = decodeMessage('version', WIKI_VERSION);
    expect(m).toEqual({
      type: 'version', version: 60002, services: NODE_NETWORK, timestamp: 1355854353,
      receiver: { services: 1n, host: '0.0.0.0', port: 0 }, sender: { services: 0n, host: '0.0.0.0', port: 0 },
      nonce: 0x6517e68c5db32e3bn, userAgent: '/Satoshi:0.7.2/', startHeight: 212672, relay: true,
    });
    // We always send the relay byte.
    expect(toHex(encodeMessage(m).payload)).toBe(`${toHex(WIKI_VERSION)}01`);
  });

  it('decodes and re-encodes a Bitcoin Core 23.0.0 version payload exactly', () => {
    const m = decodeMessage('version', CORE23_VERSION);
    expect(m).toEqual({
      type: 'version', version: 70016, services: NODE_NETWORK | NODE_BLOOM | NODE_WITNESS | NODE_NETWORK_LIMITED,
      timestamp: 1666220880, receiver: { services: 0n, host: '::', port: 0 }, sender: { services: 0x40dn, host: '::', port: 0 },
      nonce: 0xe2d3bd8412e90affn, userAgent: '/Satoshi:23.0.0/', startHeight: 759438, relay: true,
    });
    expect(toHex(encodeMessage(m).payload)).toBe(toHex(CORE23_VERSION));
  });

  it('carries the genesis header in a headers message', () => {
    const payload = new Uint8Array([1, ...GENESIS_HEADER, 0]);
    const m = decodeMessage('headers', payload);
    if (m.type !== 'headers') throw new Error(m.type);
    expect(hashToHex(sha256d(m.headers[0]!))).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(toHex(encodeMessage(m).payload)).toBe(toHex(payload));
  });

  it('decodes the genesis coinbase; its txid is the genesis merkle root', () => {
    const m = decodeMessage('tx', GENESIS_COINBASE);
    if (m.type !== 'tx') throw new Error(m.type);
    expect(hashToHex(m.txid)).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(toHex(m.txid)).toBe(toHex(GENESIS_HEADER.subarray(36, 68)));
    expect(m.tx.outputs[0]!.value).toBe(50 * 100_000_000);
  });

  it('keeps a segwit transaction raw and computes its txid without the witness', () => {
    const m = decodeMessage('tx', BIP143_TX);
    if (m.type !== 'tx') throw new Error(m.type);
    expect(toHex(m.raw)).toBe(toHex(BIP143_TX));
    expect(hashToHex(m.txid)).toBe('e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609');
    expect(m.tx.inputs[1]!.witness.length).toBe(2);
  });

  it('parses the bitcoin.org merkleblock example structurally', () => {
    const m = decodeMessage('merkleblock', MERKLEBLOCK);
    if (m.type !== 'merkleblock') throw new Error(m.type);
    expect(hashToHex(sha256d(m.header))).toBe('000000000000b731f2eef9e8c63173adfb07e41bd53eb0ef0a6b720d6cb6dea4');
    expect(m.total).toBe(7);
    expect(m.hashes.map(toHex)[0]).toBe('3612262624047ee87660be1a707519a443b1c1ce3d248cbfc6c15870f6c5daa2');
    expect(m.hashes.length).toBe(4);
    expect(toHex(m.flags)).toBe('1d');
    expect(toHex(encodeMessage(m).payload)).toBe(toHex(MERKLEBLOCK));
  });
});

describe('round trips', () => {
  for (const m of SAMPLES) {
    it(`${m.type === 'unknown' ? m.command : m.type}${m.type === 'reject' ? ` (${m.message})` : ''}`, () => {
      const back = roundTrip(m);
      expect(back).toEqual(m);
      expect(encodeMessage(m).command).toBe(m.type === 'unknown' ? m.command : m.type);
    });
  }

  it('every sample survives framing and streaming', () => {
    const magic = 0xd9b4bef9;
    const stream = SAMPLES.map((m) => encodeMessage(m)).map((f) => encodeFrame(magic, f.command, f.payload));
    const d = new FrameDecoder(magic);
    const frames = stream.flatMap((bytes) => [...bytes].flatMap((_, i) => (i % 7 === 0 ? d.push(bytes.subarray(i, i + 7)) : [])));
    expect(frames.map((f) => decodeMessage(f.command, f.payload))).toEqual(SAMPLES);
  });

  it('returns unknown commands as they are and never throws for them', () => {
    for (const command of ['block', 'blocktxn', '__proto__', 'constructor', 'unknown']) {
      expect(decodeMessage(command, hex('ffff'))).toEqual({ type: 'unknown', command, payload: hex('ffff') });
    }
  });

  it('accepts the empty messages only empty', () => {
    for (const command of ['verack', 'sendheaders', 'getaddr', 'mempool', 'filterclear', 'wtxidrelay', 'sendaddrv2']) {
      expect(decodeMessage(command, new Uint8Array(0))).toEqual({ type: command });
      expectCode(() => decodeMessage(command, hex('00')), 'invalid-message');
    }
  });
});

describe('constants', () => {
  it('match the protocol', () => {
    expect([MSG_TX, MSG_BLOCK, MSG_FILTERED_BLOCK, MSG_WITNESS_FLAG]).toEqual([1, 2, 3, 0x40000000]);
    expect([MSG_WITNESS_TX, MSG_WITNESS_BLOCK]).toEqual([0x40000001, 0x40000002]);
    expect([NODE_NETWORK, NODE_BLOOM, NODE_WITNESS, NODE_COMPACT_FILTERS, NODE_NETWORK_LIMITED]).toEqual([1n, 4n, 8n, 64n, 1024n]);
  });
});

describe('addresses', () => {
  it('shows IPv4-mapped addresses dotted and IPv6 in RFC 5952 form', () => {
    const cases: [string, string][] = [
      ['00000000000000000000ffff01020304', '1.2.3.4'],
      ['00000000000000000000000000000001', '::1'],
      ['20010db8000000000000000000000001', '2001:db8::1'],
      ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['20010db8000100000001000000000000', '2001:db8:1:0:1::'],
      ['fd87d87eeb43000100020003000400ff', 'fd87:d87e:eb43:1:2:3:4:ff'],
    ];
    for (const [ip, text] of cases) {
      const payload = hex(`00000000 ${'00'.repeat(8)} ${ip} 208d`);
      const m = decodeMessage('addr', new Uint8Array([1, ...payload]));
      if (m.type !== 'addr') throw new Error(m.type);
      expect(m.addrs[0]).toEqual({ time: 0, services: 0n, host: text, port: 8333 });
      expect(toHex(parseIp(text)!)).toBe(ip);
    }
  });

  it('parses the other spellings of an address and refuses non-addresses', () => {
    expect(toHex(parseIp('::ffff:10.0.0.1')!)).toBe('00000000000000000000ffff0a000001');
    expect(toHex(parseIp('1:2:3:4:5:6:7:8')!)).toBe('00010002000300040005000600070008');
    for (const bad of ['', '1.2.3.256', 'example.com', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '1:2:3:4::5:6:7:8', '1:2:3:4:5::6:7:8:9', '1.2.3.4::']) {
      expect(parseIp(bad)).toBeUndefined();
    }
    expectCode(() => encodeMessage({ type: 'addr', addrs: [{ time: 0, services: 0n, host: 'seed.example', port: 1 }] }), 'invalid-message');
  });
});

describe('fuzzing the address parser', () => {
  it('2,000 random host strings parse or are refused, and parsed ones survive a round trip', () => {
    const rand = prng(11);
    const alphabet = '0123456789abcdef:.:::';
    let parsed = 0;
    for (let i = 0; i < 2000; i++) {
      const host = Array.from({ length: 1 + rand(30) }, () => alphabet[rand(alphabet.length)]).join('');
      const ip = parseIp(host);
      if (ip === undefined) {
        expectCode(() => encodeMessage({ type: 'addr', addrs: [{ time: 0, services: 0n, host, port: 0 }] }), 'invalid-message');
        continue;
      }
      parsed++;
      const m = roundTrip({ type: 'addr', addrs: [{ time: 0, services: 0n, host, port: 0 }] });
      if (m.type !== 'addr') throw new Error(m.type);
      expect(toHex(parseIp(m.addrs[0]!.host)!)).toBe(toHex(ip));
    }
    expect(parsed).toBeGreaterThan(20);
  });
});

describe('limits', () => {
  const inv = (n: number): Uint8Array => {
    const f = encodeMessage({ type: 'inv', items: Array.from({ length: n }, (_, i) => ({ type: MSG_TX, hash: h(i & 0xff) })) });
    return f.payload;
  };
  const reason = (command: string, payload: Uint8Array): unknown =>
    expectCode(() => decodeMessage(command, payload), 'invalid-message').details['reason'];

  it('inv, getdata and notfound: 50,000 items', () => {
    expect(decodeMessage('getdata', inv(MAX_INV)).type).toBe('getdata');
    const over = new Uint8Array([0xfd, 0x51, 0xc3, ...new Uint8Array(36 * (MAX_INV + 1))]);
    expect(() => encodeMessage({ type: 'inv', items: Array(MAX_INV + 1).fill({ type: 1, hash: h(0) }) })).toThrow(CofferError);
    for (const c of ['inv', 'getdata', 'notfound']) expect(reason(c, over)).toMatch(/above limit/);
  });

  it('BIP157: basic filters only, 2,000 filter hashes, 50,000 checkpoints, no truncation or trailing bytes', () => {
    const cf = (m: Message) => encodeMessage(m).payload;
    const headers = cf({ type: 'cfheaders', filterType: 0, stopHash: h(1), prevHeader: h(2), filterHashes: Array(MAX_CFHEADERS).fill(h(3)) });
    expect(decodeMessage('cfheaders', headers).type).toBe('cfheaders');
    expect(() => encodeMessage({ type: 'cfheaders', filterType: 0, stopHash: h(1), prevHeader: h(2), filterHashes: Array(MAX_CFHEADERS + 1).fill(h(3)) })).toThrow(CofferError);
    expect(reason('cfheaders', new Uint8Array([0, ...h(1), ...h(2), 0xfd, 0xd1, 0x07, ...new Uint8Array(32 * 2001)]))).toMatch(/above limit/);
    expect(reason('cfcheckpt', new Uint8Array([0, ...h(1), 0xfd, 0x51, 0xc3]))).toMatch(/above limit/);
    // A count the payload cannot hold is refused before anything is allocated.
    expect(reason('cfcheckpt', new Uint8Array([0, ...h(1), 0xfd, 0x10, 0x27]))).toMatch(/truncated/);
    for (const m of SAMPLES.filter((x) => x.type.includes('cf'))) {
      const p = cf(m);
      // Another filter type than basic (0) is refused, as are a missing byte and an extra one.
      expect(reason(m.type, Uint8Array.from([1, ...p.subarray(1)]))).toMatch(/filter type 1/);
      expectCode(() => decodeMessage(m.type, p.subarray(0, p.length - 1)), 'invalid-message');
      expectCode(() => decodeMessage(m.type, Uint8Array.from([...p, 0])), 'invalid-message');
      expect(() => encodeMessage({ ...m, filterType: 1 } as Message)).toThrow(CofferError);
    }
    expect(reason('cfilter', new Uint8Array([0, ...h(1), 0xfe, 0x01, 0x09, 0x3d, 0x00]))).toMatch(/above limit|truncated/);
    expect(MAX_FILTER_BYTES).toBe(4_000_000);
  });

  it('headers: 2000, each with a zero transaction count', () => {
    const ok = encodeMessage({ type: 'headers', headers: Array(MAX_HEADERS).fill(GENESIS_HEADER) }).payload;
    expect(decodeMessage('headers', ok).type).toBe('headers');
    const over = new Uint8Array([0xfd, 0xd1, 0x07, ...new Uint8Array(81 * 2001)]);
    expect(reason('headers', over)).toMatch(/above limit/);
    expect(reason('headers', new Uint8Array([1, ...GENESIS_HEADER, 1]))).toMatch(/transaction count/);
  });

  it('addr: 1000', () => {
    const one = { time: 1, ...addr };
    expect(decodeMessage('addr', encodeMessage({ type: 'addr', addrs: Array(MAX_ADDR).fill(one) }).payload).type).toBe('addr');
    expect(reason('addr', new Uint8Array([0xfd, 0xe9, 0x03, ...new Uint8Array(30 * 1001)]))).toMatch(/above limit/);
  });

  it('locator: 101 hashes', () => {
    const ok = encodeMessage({ type: 'getheaders', version: 1, locator: Array(MAX_LOCATOR).fill(h(1)), stop: h(0) }).payload;
    expect(decodeMessage('getheaders', ok).type).toBe('getheaders');
    const over = new Uint8Array([1, 0, 0, 0, 102, ...new Uint8Array(32 * 103)]);
    expect(reason('getblocks', over)).toMatch(/above limit/);
  });

  it('user agent: 256 bytes', () => {
    const base = SAMPLES[0] as Extract<Message, { type: 'version' }>;
    const ok = encodeMessage({ ...base, userAgent: 'a'.repeat(256) }).payload;
    expect(decodeMessage('version', ok).type).toBe('version');
    expectCode(() => encodeMessage({ ...base, userAgent: '\u00e9'.repeat(129) }), 'invalid-message');
    const over = new Uint8Array([...ok.subarray(0, 80), 0xfd, 0x01, 0x01, ...filled(257, 0x61), ...ok.subarray(80 + 3 + 256)]);
    expect(reason('version', over)).toMatch(/above limit/);
  });

  it('filterload: 36,000 bytes and 50 hash functions; filteradd: 520 bytes', () => {
    const load = (size: number, funcs: number): Uint8Array =>
      new Uint8Array([0xfd, size & 0xff, size >> 8, ...new Uint8Array(size), funcs, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeMessage('filterload', load(36_000, 50)).type).toBe('filterload');
    expect(reason('filterload', load(36_001, 50))).toMatch(/above limit/);
    expect(reason('filterload', load(300, 51))).toMatch(/hash functions/);
    expect(decodeMessage('filteradd', new Uint8Array([0xfd, 0x08, 0x02, ...new Uint8Array(520)])).type).toBe('filteradd');
    expect(reason('filteradd', new Uint8Array([0xfd, 0x09, 0x02, ...new Uint8Array(521)]))).toMatch(/above limit/);
    expectCode(() => encodeMessage({ type: 'filteradd', data: new Uint8Array(521) }), 'invalid-message');
  });

  it('reject: strings of at most 111 bytes', () => {
    const r = (len: number): Uint8Array => new Uint8Array([2, 0x74, 0x78, 0x10, len, ...filled(len, 0x61)]);
    expect(decodeMessage('reject', r(111))).toMatchObject({ type: 'reject', message: 'tx', code: 0x10 });
    expect(reason('reject', r(112))).toMatch(/above limit/);
  });

  it('feefilter: a safe integer', () => {
    expect(decodeMessage('feefilter', hex('ffffffffffff1f00'))).toEqual({ type: 'feefilter', feeRate: Number.MAX_SAFE_INTEGER });
    expectCode(() => decodeMessage('feefilter', hex('0000000000002000')), 'invalid-message');
    expectCode(() => encodeMessage({ type: 'feefilter', feeRate: 1.5 }), 'invalid-message');
  });

  it('refuses trailing bytes after every type but version, which may grow new fields', () => {
    const version = SAMPLES.find((m) => m.type === 'version')!;
    const vf = encodeMessage(version);
    expect(decodeMessage('version', new Uint8Array([...vf.payload, 1, 2, 3]))).toEqual(version);
    for (const m of SAMPLES) {
      if (m.type === 'unknown' || m.type === 'version') continue;
      const f = encodeMessage(m);
      const err = expectCode(() => decodeMessage(f.command, new Uint8Array([...f.payload, 0])), 'invalid-message');
      expect(String(err.details['reason'])).toMatch(/trailing|truncated/);
    }
  });

  it('refuses non-canonical varints and truncation', () => {
    expect(reason('inv', hex('fd0100'))).toMatch(/non-canonical/);
    expect(reason('ping', hex('01020304'))).toMatch(/truncated/);
    expect(reason('tx', GENESIS_COINBASE.subarray(0, 100))).toMatch(/truncated|exceeds remaining/);
  });

  it('keeps a leading byte-order mark, so strings survive a round trip', () => {
    const payload = new Uint8Array([4, 0xef, 0xbb, 0xbf, 0x41, 0x10, 0]);
    const m = decodeMessage('reject', payload);
    expect(m).toEqual({ type: 'reject', message: '\ufeffA', code: 0x10, reason: '' });
    expect(toHex(encodeMessage(m).payload)).toBe(toHex(payload));
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    const payload = new Uint8Array([2, 0xff, 0xfe, 0x01, 0]);
    expect(decodeMessage('reject', payload)).toEqual({ type: 'reject', message: '\ufffd\ufffd', code: 1, reason: '' });
  });
});


function mutate(rand: (n: number) => number, b: Uint8Array): Uint8Array {
  const out = Array.from(b);
  for (let e = 1 + rand(3); e > 0; e--) {
    const at = rand(out.length + 1);
    const op = rand(5);
    if (op === 0 && out.length > 0) out[at % out.length]! ^= 1 << rand(8);
    else if (op === 1 && out.length > 0) out[at % out.length] = [0, 0xfd, 0xfe, 0xff][rand(4)]!;
    else if (op === 2) out.splice(at, 0, ...Array.from({ length: 1 + rand(3) }, () => rand(256)));
    else if (op === 3) out.splice(at, 1 + rand(8));
    else out.length = Math.min(out.length, at);
  }
  return Uint8Array.from(out);
}

/**
 * Decode must succeed or throw CofferError 'invalid-message'. When it succeeds, encoding is a
 * fixed point after one pass (invalid UTF-8 is replaced once, then stays put).
 */
function check(command: string, payload: Uint8Array): boolean {
  let m: Message;
  try {
    m = decodeMessage(command, payload);
  } catch (e) {
    if (e instanceof CofferError && e.code === 'invalid-message') return false;
    throw e;
  }
  let once: ReturnType<typeof encodeMessage>;
  try {
    once = encodeMessage(m);
  } catch (e) {
    // A replaced string can be longer in bytes than the limit allows us to send.
    if (e instanceof CofferError && e.code === 'invalid-message' && /longer than/.test(e.message)) return true;
    throw e;
  }
  const twice = encodeMessage(decodeMessage(once.command, once.payload));
  if (!equalBytes(once.payload, twice.payload)) throw new Error(`${command} is not stable: ${toHex(payload)}`);
  return true;
}

describe('fuzzing the payload decoders', () => {
  const commands = [...new Set(SAMPLES.map((m) => encodeMessage(m).command))];
  const seeds = [
    ...SAMPLES.map((m) => encodeMessage(m)),
    { command: 'version', payload: WIKI_VERSION },
    { command: 'version', payload: CORE23_VERSION },
    { command: 'tx', payload: GENESIS_COINBASE },
    { command: 'merkleblock', payload: MERKLEBLOCK },
  ];

  it('survives 9,000 mutated payloads of every type', { timeout: 20_000 }, () => {
    const rand = prng(20240601);
    const ok = new Map<string, number>();
    for (let i = 0; i < 9000; i++) {
      const seed = seeds[i % seeds.length]!;
      const payload = mutate(rand, seed.payload);
      try {
        if (check(seed.command, payload)) ok.set(seed.command, (ok.get(seed.command) ?? 0) + 1);
      } catch (e) {
        throw new Error(`case ${i} (${seed.command} ${toHex(payload)}): ${String(e)}`);
      }
    }
    // Mutations that keep a message valid exist for the types with free-form fields.
    for (const c of ['version', 'inv', 'addr', 'reject', 'filterload', 'merkleblock']) expect(ok.get(c)).toBeGreaterThan(0);
  });

  it('survives 3,000 random payloads under every command', { timeout: 20_000 }, () => {
    const rand = prng(7);
    for (let i = 0; i < 3000; i++) {
      const command = commands[i % commands.length]!;
      const payload = Uint8Array.from({ length: rand(120) }, () => rand(256));
      try {
        check(command, payload);
      } catch (e) {
        throw new Error(`case ${i} (${command} ${toHex(payload)}): ${String(e)}`);
      }
    }
  });
});
