// Bitcoin P2P message payloads: a typed union keyed by command, and its codec in both directions.
//
// Decoding is the boundary where a stranger's bytes become our types, so it enforces Bitcoin
// Core's size limits, refuses trailing bytes and non-canonical varints, and fails only with
// CofferError 'invalid-message'. Encoding checks the same limits, so we never send a message a
// well-behaved peer would refuse. Commands we do not model come back as 'unknown', not errors.

import { CofferError } from '../api/errors.js';
import { ByteReader, ByteWriter, DecodeError } from '../chain/bytes.js';
import { readTx, serializeTx, txid, type Tx } from '../chain/tx.js';
import { readAddrV2, writeAddrV2, type AddrV2Message } from './addr-v2.js';
import { MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS } from './bloom.js';
import { CF_COMMANDS, readCFMessage, writeCFMessage, type CFMessage } from './cf-messages.js';
import { formatIp, parseIp } from './ip.js';
import type { Frame } from './wire.js';

export const MSG_TX = 1;
export const MSG_BLOCK = 2;
export const MSG_FILTERED_BLOCK = 3;
export const MSG_CMPCT_BLOCK = 4;
export const MSG_WTX = 5;
export const MSG_WITNESS_FLAG = 0x40000000;
export const MSG_WITNESS_TX = MSG_TX | MSG_WITNESS_FLAG;
export const MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG;

export const NODE_NETWORK = 1n;
export const NODE_BLOOM = 4n;
export const NODE_WITNESS = 8n;
export const NODE_COMPACT_FILTERS = 64n;
export const NODE_NETWORK_LIMITED = 1024n;
/** BIP324: the node accepts v2 (encrypted) connections. */
export const NODE_P2P_V2 = 2048n;

// Bitcoin Core's limits (net_processing.cpp, protocol.h); a peer exceeding them is misbehaving.
export const MAX_HEADERS = 2000;
export const MAX_INV = 50_000;
export const MAX_ADDR = 1000;
export const MAX_LOCATOR = 101;
export const MAX_USER_AGENT = 256;
export const MAX_REJECT_STRING = 111;
export const MAX_FILTERADD = 520;

export interface NetAddress {
  services: bigint;
  /** Dotted IPv4 for IPv4-mapped addresses, otherwise RFC 5952 IPv6 text. */
  host: string;
  port: number;
}

export interface AddrEntry extends NetAddress {
  /** Unix seconds the sender last heard of this address. */
  time: number;
}

export interface InvItem {
  type: number;
  hash: Uint8Array;
}

export interface VersionMessage {
  type: 'version';
  version: number;
  services: bigint;
  timestamp: number;
  receiver: NetAddress;
  sender: NetAddress;
  nonce: bigint;
  userAgent: string;
  startHeight: number;
  relay: boolean;
}
/** Messages with no body. */
const EMPTY_TYPES = ['verack', 'sendheaders', 'getaddr', 'mempool', 'filterclear', 'wtxidrelay', 'sendaddrv2'] as const;
export interface EmptyMessage {
  type: (typeof EMPTY_TYPES)[number];
}
function isEmptyType(type: string): type is EmptyMessage['type'] {
  return (EMPTY_TYPES as readonly string[]).includes(type);
}
function isEmptyMessage(m: Message): m is EmptyMessage {
  return isEmptyType(m.type);
}
export interface NonceMessage {
  type: 'ping' | 'pong';
  nonce: bigint;
}
export interface LocatorMessage {
  type: 'getheaders' | 'getblocks';
  version: number;
  locator: Uint8Array[];
  stop: Uint8Array;
}
export interface HeadersMessage {
  type: 'headers';
  /** Each an 80-byte block header. */
  headers: Uint8Array[];
}
export interface InvMessage {
  type: 'inv' | 'getdata' | 'notfound';
  items: InvItem[];
}
export interface TxMessage {
  type: 'tx';
  /** The payload exactly as received, witness included. */
  raw: Uint8Array;
  tx: Tx;
  txid: Uint8Array;
}
export interface MerkleBlockMessage {
  type: 'merkleblock';
  header: Uint8Array;
  total: number;
  hashes: Uint8Array[];
  flags: Uint8Array;
}
export interface AddrMessage {
  type: 'addr';
  addrs: AddrEntry[];
}
export interface FeeFilterMessage {
  type: 'feefilter';
  /** Satoshis per 1000 virtual bytes. */
  feeRate: number;
}
export interface RejectMessage {
  type: 'reject';
  message: string;
  code: number;
  reason: string;
  data?: Uint8Array;
}
export interface FilterLoadMessage {
  type: 'filterload';
  filter: Uint8Array;
  hashFuncs: number;
  tweak: number;
  flags: number;
}
export interface FilterAddMessage {
  type: 'filteradd';
  data: Uint8Array;
}
export interface SendCmpctMessage {
  type: 'sendcmpct';
  announce: boolean;
  version: bigint;
}
export interface UnknownMessage {
  type: 'unknown';
  command: string;
  payload: Uint8Array;
}

export type Message =
  | VersionMessage
  | EmptyMessage
  | NonceMessage
  | LocatorMessage
  | HeadersMessage
  | InvMessage
  | TxMessage
  | MerkleBlockMessage
  | AddrMessage
  | AddrV2Message
  | FeeFilterMessage
  | RejectMessage
  | FilterLoadMessage
  | FilterAddMessage
  | SendCmpctMessage
  | CFMessage
  | UnknownMessage;

/** A tx message for a transaction of ours: the raw bytes carry the witness, the txid does not. */
export function txMessage(tx: Tx): TxMessage {
  return { type: 'tx', raw: serializeTx(tx, true), tx, txid: txid(tx) };
}

// ---- decoding -----------------------------------------------------------------------------

// ignoreBOM keeps a leading U+FEFF, so decoding then encoding gives back the same bytes.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function readString(r: ByteReader, max: number): string {
  return utf8.decode(r.varBytes(max));
}

function readNetAddress(r: ByteReader): NetAddress {
  const services = r.u64leBig();
  const host = formatIp(r.bytes(16));
  return { services, host, port: r.u16be() };
}

function readHashes(r: ByteReader, max: number): Uint8Array[] {
  const n = r.count(32, max);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.hash().slice());
  return out;
}

function readBody(command: string, r: ByteReader, payload: Uint8Array): Message | undefined {
  if (isEmptyType(command)) return { type: command };
  if (CF_COMMANDS.includes(command)) return readCFMessage(command, r);
  switch (command) {
    case 'version': {
      const version = r.i32le();
      const services = r.u64leBig();
      const timestamp = r.u64le();
      const receiver = readNetAddress(r);
      const sender = readNetAddress(r);
      const nonce = r.u64leBig();
      const userAgent = readString(r, MAX_USER_AGENT);
      const startHeight = r.i32le();
      // The relay byte came with BIP37; peers older than that omit it and mean "relay".
      const relay = r.remaining > 0 ? r.u8() !== 0 : true;
      return { type: 'version', version, services, timestamp, receiver, sender, nonce, userAgent, startHeight, relay };
    }
    case 'ping':
    case 'pong':
      return { type: command, nonce: r.u64leBig() };
    case 'getheaders':
    case 'getblocks': {
      const version = r.i32le();
      const locator = readHashes(r, MAX_LOCATOR);
      return { type: command, version, locator, stop: r.hash().slice() };
    }
    case 'headers': {
      const n = r.count(81, MAX_HEADERS);
      const headers: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        headers.push(r.bytes(80).slice());
        if (r.varint() !== 0) throw new DecodeError('header followed by a non-zero transaction count');
      }
      return { type: 'headers', headers };
    }
    case 'inv':
    case 'getdata':
    case 'notfound': {
      const n = r.count(36, MAX_INV);
      const items: InvItem[] = [];
      for (let i = 0; i < n; i++) items.push({ type: r.u32le(), hash: r.hash().slice() });
      return { type: command, items };
    }
    case 'tx': {
      const tx = readTx(r);
      return { type: 'tx', raw: payload.slice(), tx, txid: txid(tx) };
    }
    case 'merkleblock': {
      const header = r.bytes(80).slice();
      const total = r.u32le();
      const hashes = readHashes(r, Number.MAX_SAFE_INTEGER);
      return { type: 'merkleblock', header, total, hashes, flags: r.varBytes().slice() };
    }
    case 'addr': {
      const n = r.count(30, MAX_ADDR);
      const addrs: AddrEntry[] = [];
      for (let i = 0; i < n; i++) {
        const time = r.u32le();
        addrs.push({ time, ...readNetAddress(r) });
      }
      return { type: 'addr', addrs };
    }
    case 'addrv2':
      return readAddrV2(r);
    case 'feefilter':
      return { type: 'feefilter', feeRate: r.u64le() };
    case 'reject': {
      const message = readString(r, MAX_REJECT_STRING);
      const code = r.u8();
      const reason = readString(r, MAX_REJECT_STRING);
      // Only rejects of a tx or block carry data: the 32-byte hash of what was rejected.
      if (r.remaining === 0) return { type: 'reject', message, code, reason };
      return { type: 'reject', message, code, reason, data: r.hash().slice() };
    }
    case 'filterload': {
      const filter = r.varBytes(MAX_BLOOM_FILTER_SIZE).slice();
      const hashFuncs = r.u32le();
      if (hashFuncs > MAX_HASH_FUNCS) throw new DecodeError(`${hashFuncs} hash functions above limit ${MAX_HASH_FUNCS}`);
      return { type: 'filterload', filter, hashFuncs, tweak: r.u32le(), flags: r.u8() };
    }
    case 'filteradd':
      return { type: 'filteradd', data: r.varBytes(MAX_FILTERADD).slice() };
    case 'sendcmpct': {
      const announce = r.u8() !== 0;
      return { type: 'sendcmpct', announce, version: r.u64leBig() };
    }
    default:
      return undefined;
  }
}

/** Parse a frame's payload. Throws only CofferError 'invalid-message'. */
export function decodeMessage(command: string, payload: Uint8Array): Message {
  try {
    const r = new ByteReader(payload);
    const m = readBody(command, r, payload);
    if (m === undefined) return { type: 'unknown', command, payload: payload.slice() };
    // Newer protocol versions may append fields to `version`; everything else must be exact.
    if (command !== 'version') r.end(`${command} message`);
    return m;
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new CofferError('invalid-message', `The peer sent a malformed ${command} message: ${e.message}.`, { reason: e.message, command });
    }
    throw e;
  }
}

// ---- encoding -----------------------------------------------------------------------------

function check(ok: boolean, reason: string): void {
  if (!ok) throw new CofferError('invalid-message', `The message cannot be encoded: ${reason}.`, { reason });
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const isI32 = (n: number): boolean => Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;
const isU64 = (n: bigint): boolean => n >= 0n && n <= 0xffffffffffffffffn;
const isSafe = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

function writeString(w: ByteWriter, s: string, max: number, what: string): void {
  const b = new TextEncoder().encode(s);
  check(b.length <= max, `${what} is longer than ${max} bytes`);
  w.varBytes(b);
}

function writeNetAddress(w: ByteWriter, a: NetAddress): void {
  const ip = parseIp(a.host);
  check(ip !== undefined, `"${a.host}" is not an IP address`);
  check(isU64(a.services), 'services out of range');
  check(Number.isInteger(a.port) && a.port >= 0 && a.port <= 0xffff, 'port out of range');
  w.u64leBig(a.services).bytes(ip!).u16be(a.port);
}

function writeHashes(w: ByteWriter, hashes: Uint8Array[], max: number, what: string): void {
  check(hashes.length <= max, `more than ${max} ${what}`);
  w.varint(hashes.length);
  for (const h of hashes) {
    check(h.length === 32, `a ${what} entry is not 32 bytes`);
    w.bytes(h);
  }
}

function writeBody(m: Exclude<Message, UnknownMessage>, w: ByteWriter): void {
  if (isEmptyMessage(m)) return;
  switch (m.type) {
    case 'version':
      check(isI32(m.version) && isI32(m.startHeight), 'version or start height out of range');
      check(isU64(m.services) && isU64(m.nonce) && isSafe(m.timestamp), 'services, nonce or timestamp out of range');
      w.i32le(m.version).u64leBig(m.services).u64le(m.timestamp);
      writeNetAddress(w, m.receiver);
      writeNetAddress(w, m.sender);
      w.u64leBig(m.nonce);
      writeString(w, m.userAgent, MAX_USER_AGENT, 'user agent');
      w.i32le(m.startHeight).u8(m.relay ? 1 : 0);
      return;
    case 'ping':
    case 'pong':
      check(isU64(m.nonce), 'nonce out of range');
      w.u64leBig(m.nonce);
      return;
    case 'getheaders':
    case 'getblocks':
      check(isI32(m.version), 'version out of range');
      w.i32le(m.version);
      writeHashes(w, m.locator, MAX_LOCATOR, 'locator');
      check(m.stop.length === 32, 'stop hash is not 32 bytes');
      w.bytes(m.stop);
      return;
    case 'headers':
      check(m.headers.length <= MAX_HEADERS, `more than ${MAX_HEADERS} headers`);
      w.varint(m.headers.length);
      for (const h of m.headers) {
        check(h.length === 80, 'a header is not 80 bytes');
        w.bytes(h).u8(0);
      }
      return;
    case 'inv':
    case 'getdata':
    case 'notfound':
      check(m.items.length <= MAX_INV, `more than ${MAX_INV} inventory items`);
      w.varint(m.items.length);
      for (const i of m.items) {
        check(isU32(i.type) && i.hash.length === 32, 'bad inventory item');
        w.u32le(i.type).bytes(i.hash);
      }
      return;
    case 'tx':
      w.bytes(m.raw);
      return;
    case 'merkleblock':
      check(m.header.length === 80 && isU32(m.total), 'bad merkleblock header or total');
      w.bytes(m.header).u32le(m.total);
      writeHashes(w, m.hashes, Number.MAX_SAFE_INTEGER, 'merkle hash');
      w.varBytes(m.flags);
      return;
    case 'addr':
      check(m.addrs.length <= MAX_ADDR, `more than ${MAX_ADDR} addresses`);
      w.varint(m.addrs.length);
      for (const a of m.addrs) {
        check(isU32(a.time), 'address time out of range');
        w.u32le(a.time);
        writeNetAddress(w, a);
      }
      return;
    case 'addrv2':
      writeAddrV2(m, w, check);
      return;
    case 'feefilter':
      check(isSafe(m.feeRate), 'fee rate must be a non-negative safe integer');
      w.u64le(m.feeRate);
      return;
    case 'reject':
      writeString(w, m.message, MAX_REJECT_STRING, 'rejected command');
      check(Number.isInteger(m.code) && m.code >= 0 && m.code <= 0xff, 'reject code out of range');
      w.u8(m.code);
      writeString(w, m.reason, MAX_REJECT_STRING, 'reject reason');
      if (m.data !== undefined) {
        check(m.data.length === 32, 'reject data is not a 32-byte hash');
        w.bytes(m.data);
      }
      return;
    case 'filterload':
      check(m.filter.length <= MAX_BLOOM_FILTER_SIZE, `filter larger than ${MAX_BLOOM_FILTER_SIZE} bytes`);
      check(isU32(m.hashFuncs) && m.hashFuncs <= MAX_HASH_FUNCS, `more than ${MAX_HASH_FUNCS} hash functions`);
      check(isU32(m.tweak) && Number.isInteger(m.flags) && m.flags >= 0 && m.flags <= 0xff, 'tweak or flags out of range');
      w.varBytes(m.filter).u32le(m.hashFuncs).u32le(m.tweak).u8(m.flags);
      return;
    case 'filteradd':
      check(m.data.length <= MAX_FILTERADD, `filteradd data longer than ${MAX_FILTERADD} bytes`);
      w.varBytes(m.data);
      return;
    case 'sendcmpct':
      check(isU64(m.version), 'compact block version out of range');
      w.u8(m.announce ? 1 : 0).u64leBig(m.version);
      return;
    case 'getcfilters':
    case 'getcfheaders':
    case 'cfilter':
    case 'cfheaders':
    case 'getcfcheckpt':
    case 'cfcheckpt':
      writeCFMessage(m, w, check);
      return;
    default: {
      const unhandled: never = m;
      throw new Error(`no encoder for ${(unhandled as Message).type}`);
    }
  }
}

/** The frame body for a message; pass it to encodeFrame with the network magic. */
export function encodeMessage(m: Message): Frame {
  if (m.type === 'unknown') return { command: m.command, payload: m.payload.slice() };
  const w = new ByteWriter();
  writeBody(m, w);
  return { command: m.type, payload: w.finish() };
}
