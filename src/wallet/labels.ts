// BIP329 wallet labels: parse, write and merge the JSON Lines label export format.
//
// Problems with one line skip that line (BIP329 wants imports to survive records they do not
// understand); only problems with the file as a whole throw `invalid-labels`: it is larger than
// `maxBytes`, it has more than `maxRecords` non-blank lines, or no line at all is a JSON object
// (the user picked some other file). Where BIP329 is silent we are strict, and say why below.

import { base58check as base58checkFactory } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { CofferError, type DetailsOf } from '../api/errors.js';
import { MAX_MONEY_SAT } from '../api/amount.js';

export const LABEL_TYPES = ['tx', 'addr', 'pubkey', 'input', 'output', 'xpub'] as const;
export type LabelType = (typeof LABEL_TYPES)[number];

/** One BIP329 record. Refs are canonical after parsing: lowercase hex, "txid:index". */
export interface LabelRecord {
  type: LabelType;
  ref: string;
  label?: string;
  origin?: string;
  /** Only on outputs. */
  spendable?: boolean;
  /** BIP329 "Additional Fields": tx, input and output. */
  height?: number;
  time?: string;
  /** Satoshis, tx only. */
  fee?: number;
  /** Satoshis: signed on tx (net flow into the wallet), non-negative on input and output. */
  value?: number;
  /** Addr, input and output. */
  keypath?: string;
  /** Addr only. */
  heights?: number[];
}

export interface ParseLabelsOptions {
  maxBytes?: number;
  maxRecords?: number;
}

export interface ParsedLabels {
  records: LabelRecord[];
  skipped: { line: number; reason: string }[];
  /** Lines whose label was cut to MAX_LABEL_CHARS; BIP329 says to consider warning the user. */
  truncated: number[];
}

/** BIP329's suggested maximum, counted in Unicode code points so a pair is never split. */
export const MAX_LABEL_CHARS = 255;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_RECORDS = 1_000_000;

const MAX_INDEX = 0xffffffff; // inputs and outputs are counted by a u32 in transactions
const MAX_HEIGHT = 0x7fffffff;
const MAX_BIP32_INDEX = 0x7fffffff; // the number as written; hardening is the suffix
const MAX_DESCRIPTOR_CHARS = 1024; // origin and keypath: far above any real descriptor
const MAX_ADDR_CHARS = 1023; // BIP352 lifts bech32m's 90-character limit to 1023

const FIELD_ORDER = ['type', 'ref', 'label', 'origin', 'spendable', 'height', 'time', 'fee', 'value', 'keypath', 'heights'] as const;

const base58check = base58checkFactory(sha256);

const BLANK = /^[ \t\r]*$/; // JSON whitespace only; "\r" also lets CRLF files through
const HEX = /^[0-9a-fA-F]+$/;
const TXID = /^[0-9a-fA-F]{64}$/;
// No leading zeros in the index: one outpoint must have one spelling, or dedup breaks.
const OUTPOINT = /^([0-9a-fA-F]{64}):(0|[1-9][0-9]{0,9})$/;
// 32-byte x-only (BIP340), 33-byte compressed, 65-byte uncompressed, as BIP329 lists them.
const PUBKEY = /^(?:[0-9a-fA-F]{64}|0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/;
// BIP329 allows base58 or bech32 addresses, and both alphabets are alphanumeric.
const ADDR = /^[0-9A-Za-z]+$/;
const BECH32_HRP = /^(?:bc|tb|bcrt|sp|tsp|sprt)1/i;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
// Line breaks would be "multiline values", which BIP329 forbids; other controls can hide text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /\p{Cs}/u; // cannot be written as UTF-8, which BIP329 requires
const KEY_ORIGIN = /\[([0-9a-fA-F]{8})((?:\/[0-9]{1,10}['hH]?)*)\]/g;
const PATH = /^(?:\/([0-9]{1,10})['hH]?)+$/;
const DESCRIPTOR_CHARS = /^[\x21-\x7e]+$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))?$/;

/** Why one record is unusable; caught per line and never escapes this module. */
class RecordProblem extends Error {}

function bad(reason: string): never {
  throw new RecordProblem(reason);
}

function invalid(message: string, details: DetailsOf<'invalid-labels'>): CofferError {
  return new CofferError('invalid-labels', message, details);
}

function isLabelType(t: unknown): t is LabelType {
  return typeof t === 'string' && (LABEL_TYPES as readonly string[]).includes(t);
}

/** The one spelling of a ref used for identity; refs that are not valid come back unchanged. */
function normalizeRef(type: LabelType, ref: string): string {
  switch (type) {
    case 'tx':
    case 'pubkey':
      return HEX.test(ref) ? ref.toLowerCase() : ref;
    case 'input':
    case 'output': {
      const m = OUTPOINT.exec(ref);
      return m ? `${m[1]!.toLowerCase()}:${m[2]!}` : ref;
    }
    case 'addr':
      // Bech32 may be written all upper case (QR codes). Base58 is case-sensitive, but no
      // Bitcoin base58 address starts with one of these prefixes, so it is never touched.
      return BECH32_HRP.test(ref) && ref === ref.toUpperCase() ? ref.toLowerCase() : ref;
    case 'xpub':
      return ref;
  }
}

function checkRef(type: LabelType, ref: unknown): string {
  if (ref === undefined) bad('missing ref');
  if (typeof ref !== 'string' || ref === '') bad('ref is not a non-empty string');
  switch (type) {
    case 'tx':
      if (!TXID.test(ref)) bad('ref is not a 64-digit hex txid');
      break;
    case 'input':
    case 'output': {
      const m = OUTPOINT.exec(ref);
      if (!m || Number(m[2]) > MAX_INDEX) bad('ref is not "txid:index"');
      break;
    }
    case 'pubkey':
      if (!PUBKEY.test(ref)) bad('ref is not a 32, 33 or 65-byte hex public key');
      break;
    case 'addr':
      if (ref.length > MAX_ADDR_CHARS || !ADDR.test(ref)) bad('ref is not a base58 or bech32 address');
      break;
    case 'xpub':
      checkXpub(ref);
      break;
  }
  return normalizeRef(type, ref);
}

/** Any BIP32 version bytes, but the key data must be a public key: never store an xprv. */
function checkXpub(ref: string): void {
  if (ref.length > 200 || !BASE58.test(ref)) bad('ref is not a base58 extended public key');
  let raw: Uint8Array;
  try {
    raw = base58check.decode(ref);
  } catch {
    bad('ref is not a base58check extended key');
  }
  if (raw.length !== 78) bad('ref is not a 78-byte extended key');
  if (raw[45] === 0) bad('ref is an extended private key');
  if (raw[45] !== 2 && raw[45] !== 3) bad('ref does not hold a compressed public key');
}

function checkText(v: unknown, field: string): string {
  if (typeof v !== 'string') bad(`${field} is not a string`);
  if (CONTROL.test(v)) bad(`${field} contains a line break or control character`);
  if (LONE_SURROGATE.test(v)) bad(`${field} is not valid Unicode`);
  return v;
}

/** The first MAX_LABEL_CHARS code points, or undefined when the label already fits. */
function truncateLabel(s: string): string | undefined {
  if (s.length <= MAX_LABEL_CHARS) return undefined; // UTF-16 units >= code points
  let n = 0;
  let end = 0;
  for (const ch of s) {
    if (n === MAX_LABEL_CHARS) return s.slice(0, end);
    n++;
    end += ch.length;
  }
  return undefined;
}

function checkPathIndexes(path: string, field: string): void {
  for (const part of path.split('/').slice(1)) {
    if (Number(part.replace(/['hH]$/, '')) > MAX_BIP32_INDEX) bad(`${field} has a path index out of range`);
  }
}

/**
 * BIP329's origin is an abbreviated descriptor: script functions around key origins, with no
 * keys, child paths or checksum, e.g. "wpkh([d34db33f/84'/0'/0'])". We check that shape so a
 * stray key or path never rides in on this field.
 */
function checkOrigin(v: unknown): string {
  const s = checkText(v, 'origin');
  if (s.length === 0 || s.length > MAX_DESCRIPTOR_CHARS) bad('origin is empty or too long');
  let origins = 0;
  // Each key origin becomes \u0001, which checkText has already ruled out of the text itself.
  const skeleton = s.replace(KEY_ORIGIN, (_all, _fp: string, path: string) => {
    checkPathIndexes(path, 'origin');
    origins++;
    return '\u0001';
  });
  if (origins === 0) bad('origin has no key origin');
  if (!/^[a-z_]+\(.*\)$/.test(skeleton)) bad('origin is not an abbreviated descriptor');
  if (/\u0001[^,)}]|[^(,{]\u0001/.test(skeleton)) bad('origin holds a key or a child path');
  if (!/^[a-z0-9_(),{}\u0001]*$/.test(skeleton)) bad('origin is not an abbreviated descriptor');
  let depth = 0;
  for (const c of skeleton) {
    depth += c === '(' || c === '{' ? 1 : c === ')' || c === '}' ? -1 : 0;
    if (depth < 0) bad('origin has unbalanced brackets');
  }
  if (depth !== 0) bad('origin has unbalanced brackets');
  return s;
}

/** "/1/123" extends origin; anything else is a full descriptor, which we only check is one token. */
function checkKeypath(v: unknown): string {
  const s = checkText(v, 'keypath');
  if (s.length === 0 || s.length > MAX_DESCRIPTOR_CHARS) bad('keypath is empty or too long');
  if (s.startsWith('/')) {
    if (!PATH.test(s)) bad('keypath is not a derivation path');
    checkPathIndexes(s, 'keypath');
  } else if (!DESCRIPTOR_CHARS.test(s)) bad('keypath is not a descriptor');
  return s;
}

function checkInt(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(`${field} is not an integer in range`);
  return v === 0 ? 0 : v; // -0 would not survive a round trip through JSON
}

function checkHeights(v: unknown): number[] {
  if (!Array.isArray(v)) bad('heights is not an array');
  return v.map((h: unknown) => checkInt(h, 'heights', 0, MAX_HEIGHT));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO-8601 date and time, with or without an offset, since BIP329 allows local times. */
function checkTime(v: unknown): string {
  const s = checkText(v, 'time');
  const m = ISO_TIME.exec(s);
  if (!m) bad('time is not an ISO-8601 date and time');
  const [y, mo, d, h, mi, sec, oh, om] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const ok = mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= daysInMonth(y!, mo!) && h! <= 23 && mi! <= 59 && sec! <= 60 && oh! <= 23 && om! <= 59;
  if (!ok) bad('time is not a valid date and time');
  return s;
}

/**
 * A record in canonical key order, or a RecordProblem. When importing, long labels are cut
 * (BIP329 allows that); when exporting they are refused, so we never write what we would cut.
 */
function readRecord(o: Record<string, unknown>, mode: 'import' | 'export'): { record: LabelRecord; truncated: boolean } {
  const type = o['type'];
  if (type === undefined) bad('missing type');
  if (!isLabelType(type)) bad('unknown type');
  const record: LabelRecord = { type, ref: checkRef(type, o['ref']) };
  let truncated = false;
  if (o['label'] !== undefined) {
    const label = checkText(o['label'], 'label');
    const cut = truncateLabel(label);
    if (cut !== undefined && mode === 'export') bad(`label is longer than ${MAX_LABEL_CHARS} characters`);
    truncated = cut !== undefined;
    record.label = cut ?? label;
  }
  if (o['origin'] !== undefined) record.origin = checkOrigin(o['origin']);
  if (o['spendable'] !== undefined) {
    // BIP329: spendable "should only appear where type is output"; anything else is malformed.
    if (type !== 'output') bad('spendable on a record that is not an output');
    if (typeof o['spendable'] !== 'boolean') bad('spendable is not true or false');
    record.spendable = o['spendable'];
  }
  // Additional fields are read only on the types BIP329 defines them for; elsewhere they are
  // fields we do not understand, and like any unknown key they are dropped, not fatal.
  const txLike = type === 'tx' || type === 'input' || type === 'output';
  if (txLike && o['height'] !== undefined) record.height = checkInt(o['height'], 'height', 0, MAX_HEIGHT);
  if (txLike && o['time'] !== undefined) record.time = checkTime(o['time']);
  if (type === 'tx' && o['fee'] !== undefined) record.fee = checkInt(o['fee'], 'fee', 0, MAX_MONEY_SAT);
  if (txLike && o['value'] !== undefined) {
    record.value = checkInt(o['value'], 'value', type === 'tx' ? -MAX_MONEY_SAT : 0, MAX_MONEY_SAT);
  }
  if (type !== 'tx' && type !== 'pubkey' && type !== 'xpub' && o['keypath'] !== undefined) {
    record.keypath = checkKeypath(o['keypath']);
  }
  if (type === 'addr' && o['heights'] !== undefined) record.heights = checkHeights(o['heights']);
  return { record, truncated };
}

function checkLimit(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new CofferError('usage', `${name} must be a non-negative integer.`, { field: name });
  return v;
}

/**
 * One label as the user typed it, checked as an import would check it: a valid ref (returned in
 * its one spelling) and a label with no line breaks or control characters. `invalid-labels`.
 */
export function checkLabel(type: LabelType, ref: string, label: string): { ref: string; label: string } {
  try {
    return { ref: checkRef(type, ref), label: checkText(label, 'label') };
  } catch (e) {
    if (e instanceof RecordProblem) throw invalid(`The label cannot be saved: ${e.message}.`, { reason: e.message });
    throw e;
  }
}

/** UTF-8 length of the text as it was read, stopping early once past `limit`. */
function utf8Length(text: string, limit: number): number {
  if (text.length > limit) return text.length; // every UTF-16 unit is at least one byte
  let n = 0;
  for (let i = 0; i < text.length && n <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      n += next >= 0xdc00 && next <= 0xdfff ? 4 : 3;
    } else n += 3;
  }
  return n;
}

export function parseLabels(text: string, opts: ParseLabelsOptions = {}): ParsedLabels {
  const maxBytes = checkLimit(opts.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes');
  const maxRecords = checkLimit(opts.maxRecords, DEFAULT_MAX_RECORDS, 'maxRecords');
  if (utf8Length(text, maxBytes) > maxBytes) {
    throw invalid(`This label file is larger than the ${maxBytes}-byte limit.`, { reason: 'too-large', maxBytes });
  }
  // A byte-order mark is not content; editors on Windows add one and JSON.parse would choke.
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  const nonBlank = lines.reduce((n, l) => (BLANK.test(l) ? n : n + 1), 0);
  if (nonBlank > maxRecords) {
    throw invalid(`This label file has more than ${maxRecords} records.`, { reason: 'too-many-records', maxRecords });
  }

  const out: ParsedLabels = { records: [], skipped: [], truncated: [] };
  let sawObject = false;
  lines.forEach((line, i) => {
    if (BLANK.test(line)) return;
    const lineNo = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.skipped.push({ line: lineNo, reason: 'not valid JSON' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.skipped.push({ line: lineNo, reason: 'not a JSON object' });
      return;
    }
    sawObject = true;
    try {
      const { record, truncated } = readRecord(value as Record<string, unknown>, 'import');
      out.records.push(record);
      if (truncated) out.truncated.push(lineNo);
    } catch (e) {
      if (!(e instanceof RecordProblem)) throw e;
      out.skipped.push({ line: lineNo, reason: e.message });
    }
  });
  if (!sawObject && out.skipped.length > 0) {
    const first = out.skipped[0]!;
    throw invalid(`This is not a BIP329 label file: line ${first.line} is ${first.reason}.`, { ...first });
  }
  return out;
}

/** One JSON object per line, each ending in "\n"; throws rather than write what parse would refuse. */
export function serializeLabels(records: LabelRecord[]): string {
  let out = '';
  records.forEach((r, index) => {
    let record: LabelRecord;
    try {
      ({ record } = readRecord(r as unknown as Record<string, unknown>, 'export'));
    } catch (e) {
      if (!(e instanceof RecordProblem)) throw e;
      throw invalid(`Label ${index + 1} cannot be exported: ${e.message}.`, { record: index, reason: e.message });
    }
    out += `${JSON.stringify(record)}\n`; // readRecord builds keys in FIELD_ORDER
  });
  return out;
}

/** Identity for dedup and merge: the type plus the canonical ref, e.g. "output:<txid>:1". */
export function refKey(r: Pick<LabelRecord, 'type' | 'ref'>): string {
  return `${r.type}:${normalizeRef(r.type, r.ref)}`;
}

function hasContent(r: LabelRecord): boolean {
  return (r.label !== undefined && r.label !== '') || r.spendable !== undefined;
}

/** Fields the newer record carries replace the older ones; absent fields leave them alone. */
function overlay(older: LabelRecord | undefined, newer: LabelRecord): LabelRecord {
  const merged: Record<string, unknown> = {};
  for (const f of FIELD_ORDER) {
    const v = newer[f] !== undefined ? newer[f] : older?.[f];
    if (v !== undefined) merged[f] = Array.isArray(v) ? [...v] : v;
  }
  merged['ref'] = normalizeRef(newer.type, newer.ref);
  return merged as unknown as LabelRecord;
}

/**
 * Incoming wins per refKey, field by field: BIP329 says an omitted label or spendable must not
 * alter the stored value, so an output keeps its frozen flag when only its label is imported.
 * Later duplicates win over earlier ones. An empty label clears one; records left with neither
 * a label nor a spendable flag are dropped. Order: existing first, then new refs as they came.
 */
export function mergeLabels(existing: LabelRecord[], incoming: LabelRecord[]): LabelRecord[] {
  const byKey = new Map<string, LabelRecord>();
  for (const r of [...existing, ...incoming]) {
    const key = refKey(r);
    byKey.set(key, overlay(byKey.get(key), r));
  }
  return [...byKey.values()].filter(hasContent);
}
