// BIP329 labels: the BIP's example export, every ref format, skipping, limits, merging, fuzz.

import { describe, expect, it } from 'vitest';
import { base58check as base58checkFactory } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { CofferError } from '../../src/api/errors.js';
import {
  MAX_LABEL_CHARS,
  mergeLabels,
  parseLabels,
  refKey,
  serializeLabels,
  type LabelRecord,
  type LabelType,
} from '../../src/wallet/labels.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';
import { loadVectors } from '../helpers/vectors.js';

// The "Test Vectors" section of bitcoin/bips bip-0329.mediawiki, copied as data.
const BIP329_EXAMPLE = `{ "type": "tx", "ref": "f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd", "label": "Transaction", "origin": "wpkh([d34db33f/84'/0'/0'])" }
{ "type": "addr", "ref": "bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c", "label": "Address" }
{ "type": "pubkey", "ref": "0283409659355b6d1cc3c32decd5d561abaac86c37a353b52895a5e6c196d6f448", "label": "Public Key" }
{ "type": "input", "ref": "f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd:0", "label": "Input" }
{ "type": "output", "ref": "f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd:1", "label": "Output", "spendable": false }
{ "type": "xpub", "ref": "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", "label": "Extended Public Key" }
{ "type": "tx", "ref": "f546156d9044844e02b181026a1a407abfca62e7ea1159f87bbeaa77b4286c74", "label": "Account #1 Transaction", "origin": "wpkh([d34db33f/84'/0'/1'])" }
`;

const TXID = 'f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd';
const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';

const BIP329_RECORDS: LabelRecord[] = [
  { type: 'tx', ref: TXID, label: 'Transaction', origin: "wpkh([d34db33f/84'/0'/0'])" },
  { type: 'addr', ref: 'bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c', label: 'Address' },
  { type: 'pubkey', ref: '0283409659355b6d1cc3c32decd5d561abaac86c37a353b52895a5e6c196d6f448', label: 'Public Key' },
  { type: 'input', ref: `${TXID}:0`, label: 'Input' },
  { type: 'output', ref: `${TXID}:1`, label: 'Output', spendable: false },
  { type: 'xpub', ref: XPUB, label: 'Extended Public Key' },
  { type: 'tx', ref: 'f546156d9044844e02b181026a1a407abfca62e7ea1159f87bbeaa77b4286c74', label: 'Account #1 Transaction', origin: "wpkh([d34db33f/84'/0'/1'])" },
];

const bip32 = loadVectors<{ vectors: { chains?: { xpub: string; xprv: string }[] }[] }>('bip32_test_vectors.json');
const XPUBS = bip32.vectors.flatMap((v) => (v.chains ?? []).map((c) => c.xpub)); // vector 5 lists only invalid keys
const XPRV = bip32.vectors[0]!.chains![0]!.xprv;
const TPUB = HDKey.fromMasterSeed(new Uint8Array(16).fill(7), { private: 0x04358394, public: 0x043587cf }).publicExtendedKey;

const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const one = (o: Record<string, unknown>) => parseLabels(line(o));
/** The reason a single-record file was skipped for, or 'kept'. */
const verdict = (o: Record<string, unknown>): string => {
  const r = one(o);
  return r.records.length === 1 ? 'kept' : (r.skipped[0]?.reason ?? 'nothing');
};

describe('the BIP329 example export', () => {
  it('parses to the example records with nothing skipped', () => {
    const r = parseLabels(BIP329_EXAMPLE);
    expect(r.skipped).toEqual([]);
    expect(r.truncated).toEqual([]);
    expect(r.records).toEqual(BIP329_RECORDS);
  });

  it('round-trips through serializeLabels', () => {
    const text = serializeLabels(parseLabels(BIP329_EXAMPLE).records);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(BIP329_RECORDS.length + 1);
    expect(parseLabels(text).records).toEqual(BIP329_RECORDS);
  });

  it('writes keys in a stable order, one object per line', () => {
    const shuffled = { spendable: false, label: 'Output', ref: `${TXID}:1`, type: 'output' } as LabelRecord;
    expect(serializeLabels([shuffled])).toBe(`{"type":"output","ref":"${TXID}:1","label":"Output","spendable":false}\n`);
    expect(serializeLabels([])).toBe('');
  });
});

describe('ref formats', () => {
  const valid: [LabelType, string][] = [
    ['tx', TXID],
    ['tx', TXID.toUpperCase()],
    ['addr', 'bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c'],
    ['addr', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'],
    ['addr', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'],
    ['pubkey', '0283409659355b6d1cc3c32decd5d561abaac86c37a353b52895a5e6c196d6f448'],
    ['pubkey', `04${'ab'.repeat(64)}`],
    ['pubkey', 'cd'.repeat(32)],
    ['input', `${TXID}:0`],
    ['output', `${TXID}:4294967295`],
    ['xpub', XPUB],
    ['xpub', TPUB],
    ...XPUBS.map((x) => ['xpub', x] as [LabelType, string]),
  ];
  for (const [type, ref] of valid) {
    it(`keeps ${type} ${ref.slice(0, 24)}…`, () => expect(verdict({ type, ref, label: 'x' })).toBe('kept'));
  }

  const b58 = base58checkFactory(sha256);
  const raw = b58.decode(XPUB);
  const uncompressedKeyXpub = b58.encode(Uint8Array.from(raw, (b, i) => (i === 45 ? 4 : b)));
  const invalid: [LabelType, unknown, string][] = [
    ['tx', TXID.slice(1), 'ref is not a 64-digit hex txid'],
    ['tx', `${TXID}00`, 'ref is not a 64-digit hex txid'],
    ['tx', `${TXID.slice(1)}g`, 'ref is not a 64-digit hex txid'],
    ['tx', ` ${TXID}`, 'ref is not a 64-digit hex txid'],
    ['tx', `${TXID}:0`, 'ref is not a 64-digit hex txid'],
    ['tx', '', 'ref is not a non-empty string'],
    ['tx', 42, 'ref is not a non-empty string'],
    ['tx', null, 'ref is not a non-empty string'],
    ['addr', 'bc1q 34aq', 'ref is not a base58 or bech32 address'],
    ['addr', 'bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c\t', 'ref is not a base58 or bech32 address'],
    ['addr', 'bitcoin:bc1q34aq', 'ref is not a base58 or bech32 address'],
    ['addr', 'q'.repeat(1024), 'ref is not a base58 or bech32 address'],
    ['pubkey', `02${'ab'.repeat(30)}`, 'ref is not a 32, 33 or 65-byte hex public key'],
    ['pubkey', `${'ab'.repeat(32)}0`, 'ref is not a 32, 33 or 65-byte hex public key'],
    ['pubkey', `05${'ab'.repeat(32)}`, 'ref is not a 32, 33 or 65-byte hex public key'],
    ['pubkey', `02${'ab'.repeat(64)}`, 'ref is not a 32, 33 or 65-byte hex public key'],
    ['input', TXID, 'ref is not "txid:index"'],
    ['input', `${TXID}:-1`, 'ref is not "txid:index"'],
    ['output', `${TXID}:01`, 'ref is not "txid:index"'],
    ['output', `${TXID}:1.5`, 'ref is not "txid:index"'],
    ['output', `${TXID}:4294967296`, 'ref is not "txid:index"'],
    ['output', `${TXID}:`, 'ref is not "txid:index"'],
    ['output', `${TXID}:1:2`, 'ref is not "txid:index"'],
    ['xpub', `${XPUB.slice(0, -1)}9`, 'ref is not a base58check extended key'],
    ['xpub', `${XPUB}0`, 'ref is not a base58 extended public key'],
    ['xpub', XPRV, 'ref is an extended private key'],
    ['xpub', b58.encode(raw.subarray(0, 77)), 'ref is not a 78-byte extended key'],
    ['xpub', uncompressedKeyXpub, 'ref does not hold a compressed public key'],
  ];
  for (const [type, ref, reason] of invalid) {
    it(`skips ${type} ${String(ref).slice(0, 24)}…`, () => expect(verdict({ type, ref, label: 'x' })).toBe(reason));
  }

  it('parses to canonical refs: lowercase hex and bech32', () => {
    expect(one({ type: 'tx', ref: TXID.toUpperCase() }).records[0]!.ref).toBe(TXID);
    expect(one({ type: 'output', ref: `${TXID.toUpperCase()}:7` }).records[0]!.ref).toBe(`${TXID}:7`);
    expect(one({ type: 'addr', ref: 'BC1Q34AQ5DRPUWY3WGL9LHUP9892QP6SVR8LDZYY7C' }).records[0]!.ref).toBe('bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c');
    // Base58 is case-sensitive and must come back untouched.
    expect(one({ type: 'addr', ref: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2' }).records[0]!.ref).toBe('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2');
  });
});

describe('skipping lines', () => {
  it('skips unknown types and broken lines with their line numbers, keeping the rest', () => {
    const text = [
      line({ type: 'tx', ref: TXID, label: 'a' }),
      '',
      line({ type: 'silentpayment', ref: 'sp1q', label: 'future' }),
      '{"type": "tx", "ref": ',
      '[1, 2]',
      '"just a string"',
      line({ ref: TXID, label: 'no type' }),
      line({ type: 'tx', label: 'no ref' }),
      line({ type: 7, ref: TXID }),
      '   \t',
      line({ type: 'addr', ref: 'bc1qxyz', label: 'b' }),
    ].join('\n');
    const r = parseLabels(text);
    expect(r.records.map((x) => x.label)).toEqual(['a', 'b']);
    expect(r.skipped).toEqual([
      { line: 3, reason: 'unknown type' },
      { line: 4, reason: 'not valid JSON' },
      { line: 5, reason: 'not a JSON object' },
      { line: 6, reason: 'not a JSON object' },
      { line: 7, reason: 'missing type' },
      { line: 8, reason: 'missing ref' },
      { line: 9, reason: 'unknown type' },
    ]);
  });

  it('accepts CRLF line ends, a byte-order mark and no final newline', () => {
    const text = `\uFEFF${BIP329_EXAMPLE.trimEnd().split('\n').join('\r\n')}`;
    const r = parseLabels(text);
    expect(r.skipped).toEqual([]);
    expect(r.records).toEqual(BIP329_RECORDS);
  });

  it('keeps records with no label, and drops keys it does not know', () => {
    expect(one({ type: 'tx', ref: TXID, rate: { USD: 105620.0 }, fmv: 1, xprv: XPRV }).records).toEqual([{ type: 'tx', ref: TXID }]);
  });

  it('spendable belongs to outputs only and must be a boolean', () => {
    expect(one({ type: 'output', ref: `${TXID}:0`, spendable: true }).records[0]!.spendable).toBe(true);
    expect(verdict({ type: 'output', ref: `${TXID}:0`, spendable: 'false' })).toBe('spendable is not true or false');
    expect(verdict({ type: 'output', ref: `${TXID}:0`, spendable: 0 })).toBe('spendable is not true or false');
    expect(verdict({ type: 'input', ref: `${TXID}:0`, spendable: false })).toBe('spendable on a record that is not an output');
    expect(verdict({ type: 'tx', ref: TXID, spendable: true })).toBe('spendable on a record that is not an output');
  });

  it('origin must be an abbreviated descriptor without keys, child paths or checksum', () => {
    for (const origin of ["wpkh([d34db33f/84'/0'/0'])", 'sh(wpkh([D34DB33F/49h/1h/0h]))', "wsh(sortedmulti(2,[d34db33f/48'/0'/0'/2'],[a1b2c3d4/48'/0'/0'/2']))", 'tr([d34db33f/86h/0h/0h])']) {
      expect(verdict({ type: 'tx', ref: TXID, origin })).toBe('kept');
    }
    const bad: [unknown, string][] = [
      ['', 'origin is empty or too long'],
      [7, 'origin is not a string'],
      [null, 'origin is not a string'],
      ['wpkh()', 'origin has no key origin'],
      ["wpkh([d34db33f/84'/0'/0']xpub661MyMwAqRbc)", 'origin holds a key or a child path'],
      ["wpkh([d34db33f/84'/0'/0']/0/*)", 'origin holds a key or a child path'],
      ["wpkh([d34db33f/84'/0'/0'] )", 'origin holds a key or a child path'],
      ["WPKH([d34db33f/84'/0'/0'])", 'origin is not an abbreviated descriptor'],
      ["wpkh[d34db33f/84'/0'/0']", 'origin is not an abbreviated descriptor'],
      ["wpkh([d34db33f/84'/0'/0'])#abcdefgh", 'origin is not an abbreviated descriptor'],
      ["wpkh([d34db3/84'/0'/0'])", 'origin has no key origin'],
      ["wpkh([d34db33f/2147483648'])", 'origin has a path index out of range'],
      ["wsh(multi(1,[d34db33f/48'])", 'origin has unbalanced brackets'],
      ["wpkh([d34db33f/84'/0'/0'])\n", 'origin contains a line break or control character'],
    ];
    for (const [origin, reason] of bad) expect(verdict({ type: 'tx', ref: TXID, origin })).toBe(reason);
  });

  it('keeps valid additional fields and skips malformed ones', () => {
    const tx = { type: 'tx', ref: TXID, label: 't', height: 800000, time: '2025-01-23T11:40:35Z', fee: 141, value: -50000 };
    expect(one(tx).records).toEqual([tx]);
    const out = { type: 'output', ref: `${TXID}:1`, value: 1000, keypath: '/1/123', height: 0, time: '2025-01-23T12:40:35+01:00' };
    expect(one(out).records).toEqual([out]);
    const addr = { type: 'addr', ref: 'bc1qxyz', heights: [1, 2, 3], keypath: "wpkh([d34db33f/84'/0'/0'/1/123])" };
    expect(one(addr).records).toEqual([addr]);
    expect(one({ type: 'addr', ref: 'bc1qxyz', heights: [] }).records[0]!.heights).toEqual([]);
    // Fields defined for other types are unknown keys here: dropped, not fatal.
    expect(one({ type: 'pubkey', ref: 'cd'.repeat(32), height: 'x', fee: -1, keypath: 7 }).records).toEqual([{ type: 'pubkey', ref: 'cd'.repeat(32) }]);
    const bad: [Record<string, unknown>, string][] = [
      [{ type: 'tx', ref: TXID, height: -1 }, 'height is not an integer in range'],
      [{ type: 'tx', ref: TXID, height: 1.5 }, 'height is not an integer in range'],
      [{ type: 'tx', ref: TXID, height: '800000' }, 'height is not an integer in range'],
      [{ type: 'tx', ref: TXID, fee: -1 }, 'fee is not an integer in range'],
      [{ type: 'tx', ref: TXID, value: 2_100_000_000_000_001 }, 'value is not an integer in range'],
      [{ type: 'output', ref: `${TXID}:0`, value: -1 }, 'value is not an integer in range'],
      [{ type: 'tx', ref: TXID, time: '2025-02-30T00:00:00Z' }, 'time is not a valid date and time'],
      [{ type: 'tx', ref: TXID, time: '2025-01-23 11:40:35' }, 'time is not an ISO-8601 date and time'],
      [{ type: 'tx', ref: TXID, time: 1737632435 }, 'time is not a string'],
      [{ type: 'output', ref: `${TXID}:0`, keypath: '/1/x' }, 'keypath is not a derivation path'],
      [{ type: 'output', ref: `${TXID}:0`, keypath: 'wpkh(a b)' }, 'keypath is not a descriptor'],
      [{ type: 'addr', ref: 'bc1qxyz', heights: [1, -2] }, 'heights is not an integer in range'],
      [{ type: 'addr', ref: 'bc1qxyz', heights: 5 }, 'heights is not an array'],
    ];
    for (const [o, reason] of bad) expect(verdict(o)).toBe(reason);
    // JSON.stringify never writes -0, so the line is spelled out by hand.
    const negZero = parseLabels(`{"type":"tx","ref":"${TXID}","value":-0}`).records[0]!.value;
    expect(Object.is(negZero, 0)).toBe(true);
  });
});

describe('label length and content', () => {
  const ref = TXID;

  it('keeps 255 characters and cuts longer labels to 255, reporting the line', () => {
    const exact = 'a'.repeat(MAX_LABEL_CHARS);
    expect(one({ type: 'tx', ref, label: exact }).records[0]!.label).toBe(exact);
    const r = parseLabels(`\n${line({ type: 'tx', ref, label: `${exact}bc` })}\n`);
    expect(r.records[0]!.label).toBe(exact);
    expect(r.truncated).toEqual([2]);
    expect(r.skipped).toEqual([]);
  });

  it('counts code points, so an emoji is one character and never split', () => {
    const emoji = '\u{1F600}'.repeat(MAX_LABEL_CHARS);
    expect(one({ type: 'tx', ref, label: emoji }).truncated).toEqual([]);
    const cut = one({ type: 'tx', ref, label: `${emoji}\u{1F600}` });
    expect(cut.records[0]!.label).toBe(emoji);
    expect(cut.truncated).toEqual([1]);
    expect(one({ type: 'tx', ref, label: `${'a'.repeat(254)}\u{1F600}\u{1F600}` }).records[0]!.label).toBe(`${'a'.repeat(254)}\u{1F600}`);
  });

  it('keeps empty labels, quotes and non-ASCII text', () => {
    for (const label of ['', 'Café "Zürich" \\ 東京', '\u202Eevil']) expect(one({ type: 'tx', ref, label }).records[0]!.label).toBe(label);
  });

  it('skips non-string labels, line breaks, controls and lone surrogates', () => {
    expect(verdict({ type: 'tx', ref, label: 5 })).toBe('label is not a string');
    expect(verdict({ type: 'tx', ref, label: null })).toBe('label is not a string');
    for (const label of ['two\nlines', 'cr\r', 'nul\u0000', 'tab\t', 'ls\u2028']) {
      expect(verdict({ type: 'tx', ref, label })).toBe('label contains a line break or control character');
    }
    expect(verdict({ type: 'tx', ref, label: 'half \ud83d pair' })).toBe('label is not valid Unicode');
  });

  it('refuses to export a label it would have to cut, or any invalid record', () => {
    const e = expectCode(() => serializeLabels([{ type: 'tx', ref, label: 'a' }, { type: 'tx', ref, label: 'a'.repeat(256) }]), 'invalid-labels');
    expect(e.details['record']).toBe(1);
    expectCode(() => serializeLabels([{ type: 'tx', ref: 'nope' }]), 'invalid-labels');
    expectCode(() => serializeLabels([{ type: 'tx', ref, spendable: true }]), 'invalid-labels');
    expectCode(() => serializeLabels([{ type: 'coin' as LabelType, ref }]), 'invalid-labels');
    expectCode(() => serializeLabels([{ type: 'xpub', ref: XPRV }]), 'invalid-labels');
  });
});

describe('whole-file limits', () => {
  const rec = line({ type: 'tx', ref: TXID, label: 'é' }); // 'é' is two bytes in UTF-8

  it('rejects input over maxBytes, counting UTF-8 bytes', () => {
    const bytes = Buffer.byteLength(rec, 'utf8');
    expect(parseLabels(rec, { maxBytes: bytes }).records).toHaveLength(1);
    const e = expectCode(() => parseLabels(rec, { maxBytes: bytes - 1 }), 'invalid-labels');
    expect(e.details['reason']).toBe('too-large');
    // An emoji is two UTF-16 units but four bytes; a lone surrogate would be written as three.
    const astral = line({ type: 'tx', ref: TXID, label: '\u{1F600}\u{1F600}' });
    const astralBytes = Buffer.byteLength(astral, 'utf8');
    expect(astralBytes).toBe(astral.length + 4);
    expect(parseLabels(astral, { maxBytes: astralBytes }).records).toHaveLength(1);
    expectCode(() => parseLabels(astral, { maxBytes: astralBytes - 1 }), 'invalid-labels');
  });

  it('uses a 10 MiB default', () => {
    const big = `${rec}\n${' '.repeat(10 * 1024 * 1024)}`;
    expect(expectCode(() => parseLabels(big), 'invalid-labels').details['maxBytes']).toBe(10 * 1024 * 1024);
  });

  it('rejects more than maxRecords non-blank lines; blank lines do not count', () => {
    const three = [rec, '', rec, '', rec, ''].join('\n');
    expect(parseLabels(three, { maxRecords: 3 }).records).toHaveLength(3);
    const e = expectCode(() => parseLabels(three, { maxRecords: 2 }), 'invalid-labels');
    expect(e.details['reason']).toBe('too-many-records');
    // Skipped lines count too: they cost the same work to read.
    expectCode(() => parseLabels(`${rec}\n{"type":"unknown","ref":"x"}`, { maxRecords: 1 }), 'invalid-labels');
  });

  it('rejects a file with no JSON object at all, naming the first bad line', () => {
    const e = expectCode(() => parseLabels('\n%PDF-1.7\nbinary'), 'invalid-labels');
    expect(e.details).toEqual({ line: 2, reason: 'not valid JSON' });
    expectCode(() => parseLabels('[1]\n2'), 'invalid-labels');
  });

  it('an empty file or one with only unknown types is fine', () => {
    expect(parseLabels('')).toEqual({ records: [], skipped: [], truncated: [] });
    expect(parseLabels('\n\n')).toEqual({ records: [], skipped: [], truncated: [] });
    expect(parseLabels('{"type":"future","ref":"x"}').skipped).toEqual([{ line: 1, reason: 'unknown type' }]);
  });

  it('refuses nonsensical limits with a usage error', () => {
    expectCode(() => parseLabels('', { maxBytes: -1 }), 'usage');
    expectCode(() => parseLabels('', { maxRecords: 1.5 }), 'usage');
  });
});

describe('refKey and mergeLabels', () => {
  const out = `${TXID}:1`;

  it('refKey ignores hex case but not type, and keeps base58 case', () => {
    expect(refKey({ type: 'tx', ref: TXID.toUpperCase() })).toBe(refKey({ type: 'tx', ref: TXID }));
    expect(refKey({ type: 'output', ref: `${TXID.toUpperCase()}:1` })).toBe(`output:${out}`);
    expect(refKey({ type: 'input', ref: out })).not.toBe(refKey({ type: 'output', ref: out }));
    expect(refKey({ type: 'output', ref: `${TXID}:2` })).not.toBe(refKey({ type: 'output', ref: out }));
    expect(refKey({ type: 'addr', ref: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2' })).not.toBe(refKey({ type: 'addr', ref: '1bvbmseystwetqtfn5au4m4gfg7xjanvn2' }));
    expect(refKey({ type: 'addr', ref: 'BC1QXYZ' })).toBe(refKey({ type: 'addr', ref: 'bc1qxyz' }));
  });

  it('incoming wins per ref, and refs differing only in hex case are one record', () => {
    const merged = mergeLabels([{ type: 'tx', ref: TXID.toUpperCase(), label: 'old' }], [{ type: 'tx', ref: TXID, label: 'new' }]);
    expect(merged).toEqual([{ type: 'tx', ref: TXID, label: 'new' }]);
    // The merged record carries the canonical spelling whichever side had which case.
    expect(mergeLabels([], [{ type: 'output', ref: `${TXID.toUpperCase()}:3`, label: 'x' }])[0]!.ref).toBe(`${TXID}:3`);
  });

  it('an output keeps its spendable flag when only its label is imported, and vice versa', () => {
    const existing: LabelRecord[] = [{ type: 'output', ref: out, label: 'cold', spendable: false }];
    expect(mergeLabels(existing, [{ type: 'output', ref: out, label: 'warm' }])).toEqual([{ type: 'output', ref: out, label: 'warm', spendable: false }]);
    expect(mergeLabels(existing, [{ type: 'output', ref: out, spendable: true }])).toEqual([{ type: 'output', ref: out, label: 'cold', spendable: true }]);
    expect(mergeLabels(existing, [{ type: 'output', ref: out }])).toEqual(existing);
  });

  it('drops records left with neither label nor spendable; an empty label clears one', () => {
    expect(mergeLabels([], [{ type: 'tx', ref: TXID }, { type: 'tx', ref: TXID.replace('f', 'e'), label: '' }])).toEqual([]);
    expect(mergeLabels([{ type: 'tx', ref: TXID, label: 'x', height: 5 }], [{ type: 'tx', ref: TXID, label: '' }])).toEqual([]);
    const kept = mergeLabels([{ type: 'output', ref: out, label: 'x', spendable: true }], [{ type: 'output', ref: out, label: '' }]);
    expect(kept).toEqual([{ type: 'output', ref: out, label: '', spendable: true }]);
  });

  it('keeps existing order, appends new refs in order, and later duplicates win', () => {
    const a: LabelRecord = { type: 'tx', ref: 'aa'.repeat(32), label: 'a' };
    const b: LabelRecord = { type: 'addr', ref: 'bc1qb', label: 'b' };
    const merged = mergeLabels([a, b], [{ type: 'addr', ref: 'bc1qc', label: 'c1' }, { ...a, label: 'a2' }, { type: 'addr', ref: 'bc1qc', label: 'c2' }]);
    expect(merged.map((r) => r.label)).toEqual(['a2', 'b', 'c2']);
  });

  it('does not share arrays or objects with its inputs', () => {
    const existing: LabelRecord[] = [{ type: 'addr', ref: 'bc1qa', label: 'a', heights: [1] }];
    const merged = mergeLabels(existing, []);
    merged[0]!.heights!.push(2);
    merged[0]!.label = 'changed';
    expect(existing[0]).toEqual({ type: 'addr', ref: 'bc1qa', label: 'a', heights: [1] });
  });
});

// Random valid records in canonical form, so parse(serialize(x)) must equal x exactly.
function randomRecords(seed: number, n: number): LabelRecord[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const hex = (bytes: number) => Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[rnd(16)]).join('');
  const alnum = (len: number) => Array.from({ length: len }, () => pick('qpzry9x8gf2tvdw0s3jn54khce6mua7l'.split(''))).join('');
  const chars = ['a', 'Z', ' ', '"', '\\', '/', 'é', '東', '\u{1F600}', '\u202E', '#', '{', '}', ':', '\u00a0'];
  const label = () => Array.from({ length: rnd(4) === 0 ? MAX_LABEL_CHARS : rnd(40) }, () => pick(chars)).join('');
  const origins = ["wpkh([d34db33f/84'/0'/0'])", 'tr([0badc0de/86h/1h/7h])', "wsh(sortedmulti(2,[d34db33f/48'/0'/0'/2'],[a1b2c3d4/48'/0'/0'/2']))"];
  const out: LabelRecord[] = [];
  for (let i = 0; i < n; i++) {
    const type = pick(['tx', 'addr', 'pubkey', 'input', 'output', 'xpub'] as const);
    const ref = {
      tx: () => hex(32),
      addr: () => (rnd(2) ? `bc1q${alnum(38)}` : `1${alnum(30)}`),
      pubkey: () => pick(['02', '03', '04', '']) + hex(32),
      input: () => `${hex(32)}:${rnd(3) ? rnd(10) : rnd(0xffffffff)}`,
      output: () => `${hex(32)}:${rnd(3) ? rnd(10) : rnd(0xffffffff)}`,
      xpub: () => pick([...XPUBS, TPUB]),
    }[type]();
    const r: LabelRecord = { type, ref: type === 'pubkey' && ref.startsWith('04') ? ref + hex(32) : ref };
    if (rnd(4)) r.label = label();
    if (rnd(3) === 0) r.origin = pick(origins);
    if (type === 'output' && rnd(2)) r.spendable = rnd(2) === 1;
    const txLike = type === 'tx' || type === 'input' || type === 'output';
    if (txLike && rnd(3) === 0) r.height = rnd(900_000);
    if (txLike && rnd(3) === 0) r.time = `20${10 + rnd(20)}-0${1 + rnd(9)}-1${rnd(10)}T0${rnd(10)}:3${rnd(10)}:5${rnd(10)}Z`;
    if (type === 'tx' && rnd(3) === 0) r.fee = rnd(1_000_000);
    if (txLike && rnd(3) === 0) r.value = (type === 'tx' && rnd(2) ? -1 : 1) * rnd(2_000_000_000);
    if ((type === 'addr' || type === 'input' || type === 'output') && rnd(3) === 0) r.keypath = `/${rnd(2)}/${rnd(5000)}`;
    if (type === 'addr' && rnd(3) === 0) r.heights = Array.from({ length: rnd(4) }, () => rnd(900_000));
    out.push(r);
  }
  return out;
}

describe('property: serialize then parse is the identity', () => {
  for (const seed of [1, 2, 3, 0xc0ffee, 20250123]) {
    it(`seed ${seed}`, () => {
      const records = randomRecords(seed, 300);
      const parsed = parseLabels(serializeLabels(records));
      expect(parsed.skipped).toEqual([]);
      expect(parsed.truncated).toEqual([]);
      expect(parsed.records).toEqual(records);
    });
  }
});

describe('fuzz: mutated lines give records, skips or invalid-labels, nothing else', () => {
  const seeds = [...BIP329_EXAMPLE.trimEnd().split('\n'), ...serializeLabels(randomRecords(99, 40)).trimEnd().split('\n')];
  const noise = ['{', '}', '[', ']', '"', ':', ',', '\\', '\\u0000', '\\ud800', 'null', 'true', '-0', '1e400', '\n', '\r', '\u2028', '\u{1F600}', 'type', 'ref', 'label', 'xprv', '0', 'f', ' '];
  const rnd = prng(0xbadc0de);

  function mutate(s: string): string {
    let out = s;
    for (let k = 0, n = 1 + rnd(4); k < n; k++) {
      const at = rnd(out.length + 1);
      const op = rnd(4);
      if (op === 0) out = out.slice(0, at) + noise[rnd(noise.length)]! + out.slice(at);
      else if (op === 1) out = out.slice(0, at) + out.slice(at + 1 + rnd(8));
      else if (op === 2) out = out.slice(0, at) + String.fromCharCode(rnd(0x10000)) + out.slice(at + 1);
      else out = out.slice(0, at) + out.slice(at).replace(/[0-9a-f]/, noise[rnd(noise.length)]!);
    }
    return out;
  }

  it('2,000 mutated lines, one at a time and as one file', () => {
    const lines: string[] = [];
    let kept = 0;
    let skipped = 0;
    for (let i = 0; i < 2000; i++) {
      const text = mutate(seeds[rnd(seeds.length)]!);
      lines.push(text);
      let r;
      try {
        r = parseLabels(text, { maxBytes: 4096, maxRecords: 3 });
      } catch (e) {
        expect(e).toBeInstanceOf(CofferError);
        expect((e as CofferError).code).toBe('invalid-labels');
        continue;
      }
      kept += r.records.length;
      skipped += r.skipped.length;
      const lineCount = text.split('\n').length;
      for (const s of r.skipped) {
        expect(s.line).toBeGreaterThanOrEqual(1);
        expect(s.line).toBeLessThanOrEqual(lineCount);
      }
      // Whatever we accept we must be able to write and read back unchanged.
      expect(parseLabels(serializeLabels(r.records)).records).toEqual(r.records);
    }
    // The mutations must exercise both outcomes, or this test proves nothing.
    expect(kept).toBeGreaterThan(100);
    expect(skipped).toBeGreaterThan(100);
    const all = parseLabels(lines.join('\n'));
    expect(all.records.length + all.skipped.length).toBeGreaterThan(1900);
    expect(parseLabels(serializeLabels(all.records)).records).toEqual(all.records);
  });
});
