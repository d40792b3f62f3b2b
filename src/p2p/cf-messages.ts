// BIP157 messages (compact block filters, basic type 0 only): getcfilters/cfilter,
// getcfheaders/cfheaders, getcfcheckpt/cfcheckpt, with Bitcoin Core's and btcd's limits.

import { ByteReader, ByteWriter, DecodeError } from '../chain/bytes.js';

/** The only filter type defined: BIP158 basic. */
export const BASIC_FILTER = 0;
/** Blocks one getcfilters may ask for (MAX_GETCFILTERS_SIZE). */
export const MAX_GETCFILTERS = 1000;
/** Filter hashes one cfheaders may carry (MAX_GETCFHEADERS_SIZE). */
export const MAX_CFHEADERS = 2000;
/** Blocks between two filter-header checkpoints. */
export const CFCHECKPT_INTERVAL = 1000;
/** Checkpoints one cfcheckpt may carry: 50 million blocks' worth. */
export const MAX_CFCHECKPT = 50_000;
/** A filter's bytes: a block's elements at about 20 bits each fit well under this. */
export const MAX_FILTER_BYTES = 4_000_000;

export interface GetCFRangeMessage {
  type: 'getcfilters' | 'getcfheaders';
  filterType: number;
  startHeight: number;
  stopHash: Uint8Array;
}
export interface CFilterMessage {
  type: 'cfilter';
  filterType: number;
  blockHash: Uint8Array;
  filter: Uint8Array;
}
export interface CFHeadersMessage {
  type: 'cfheaders';
  filterType: number;
  stopHash: Uint8Array;
  /** The filter header of the block before the first one covered. */
  prevHeader: Uint8Array;
  filterHashes: Uint8Array[];
}
export interface GetCFCheckptMessage {
  type: 'getcfcheckpt';
  filterType: number;
  stopHash: Uint8Array;
}
export interface CFCheckptMessage {
  type: 'cfcheckpt';
  filterType: number;
  stopHash: Uint8Array;
  /** The filter headers at heights 1000, 2000, ... up to the stop block. */
  headers: Uint8Array[];
}

export type CFMessage = GetCFRangeMessage | CFilterMessage | CFHeadersMessage | GetCFCheckptMessage | CFCheckptMessage;

export const CF_COMMANDS: readonly string[] = ['getcfilters', 'cfilter', 'getcfheaders', 'cfheaders', 'getcfcheckpt', 'cfcheckpt'];

function filterType(r: ByteReader): number {
  const t = r.u8();
  if (t !== BASIC_FILTER) throw new DecodeError(`filter type ${t} is not basic (0)`);
  return t;
}

function hashes(r: ByteReader, max: number, what: string): Uint8Array[] {
  const n = r.varint();
  if (n > max) throw new DecodeError(`${n} ${what} above limit ${max}`);
  if (n * 32 > r.remaining) throw new DecodeError('truncated');
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.hash().slice());
  return out;
}

/** Decode a BIP157 payload; DecodeError on anything malformed. */
export function readCFMessage(command: string, r: ByteReader): CFMessage {
  switch (command) {
    case 'getcfilters':
    case 'getcfheaders':
      return { type: command, filterType: filterType(r), startHeight: r.u32le(), stopHash: r.hash().slice() };
    case 'cfilter':
      return { type: 'cfilter', filterType: filterType(r), blockHash: r.hash().slice(), filter: r.varBytes(MAX_FILTER_BYTES).slice() };
    case 'cfheaders':
      return { type: 'cfheaders', filterType: filterType(r), stopHash: r.hash().slice(), prevHeader: r.hash().slice(), filterHashes: hashes(r, MAX_CFHEADERS, 'filter hashes') };
    case 'getcfcheckpt':
      return { type: 'getcfcheckpt', filterType: filterType(r), stopHash: r.hash().slice() };
    case 'cfcheckpt':
      return { type: 'cfcheckpt', filterType: filterType(r), stopHash: r.hash().slice(), headers: hashes(r, MAX_CFCHECKPT, 'checkpoints') };
    default:
      throw new DecodeError(`${command} is not a BIP157 message`);
  }
}

/** Encode a BIP157 message; `check` refuses what a well-behaved peer would refuse. */
export function writeCFMessage(m: CFMessage, w: ByteWriter, check: (ok: boolean, reason: string) => void): void {
  check(m.filterType === BASIC_FILTER, 'only the basic filter type (0) exists');
  const hash = (h: Uint8Array, what: string) => {
    check(h.length === 32, `${what} is not 32 bytes`);
    w.bytes(h);
  };
  const list = (hs: Uint8Array[], max: number, what: string) => {
    check(hs.length <= max, `more than ${max} ${what}`);
    w.varint(hs.length);
    for (const h of hs) hash(h, `a ${what} entry`);
  };
  w.u8(m.filterType);
  switch (m.type) {
    case 'getcfilters':
    case 'getcfheaders':
      check(Number.isInteger(m.startHeight) && m.startHeight >= 0 && m.startHeight <= 0xffffffff, 'start height out of range');
      w.u32le(m.startHeight);
      hash(m.stopHash, 'stop hash');
      return;
    case 'cfilter':
      hash(m.blockHash, 'block hash');
      check(m.filter.length <= MAX_FILTER_BYTES, `filter larger than ${MAX_FILTER_BYTES} bytes`);
      w.varBytes(m.filter);
      return;
    case 'cfheaders':
      hash(m.stopHash, 'stop hash');
      hash(m.prevHeader, 'previous filter header');
      list(m.filterHashes, MAX_CFHEADERS, 'filter hashes');
      return;
    case 'getcfcheckpt':
      hash(m.stopHash, 'stop hash');
      return;
    case 'cfcheckpt':
      hash(m.stopHash, 'stop hash');
      list(m.headers, MAX_CFCHECKPT, 'checkpoints');
      return;
  }
}
