// BIP155 `addrv2`: addresses of every network with their own length, Tor v3 names with their
// checksum. Decoding keeps IPv4, IPv6, Tor v3, I2P and CJDNS (the pool dials only what it can
// reach), skips unknown and retired networks (Tor v2) as the BIP asks, and fails with DecodeError.

import { base32nopad } from '@scure/base';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { ByteReader, ByteWriter, DecodeError } from '../chain/bytes.js';
import { formatIp, parseIp } from './ip.js';

/** BIP155's limits: at most 1,000 addresses a message, an address at most 512 bytes. */
export const MAX_ADDRV2 = 1000;
export const MAX_ADDRV2_SIZE = 512;

export type AddrNetwork = 'ipv4' | 'ipv6' | 'torv3' | 'i2p' | 'cjdns';

/** Network ids and address lengths (BIP155's table); 3 (Tor v2) is retired and skipped. */
const NETWORKS: Record<AddrNetwork, { id: number; size: number }> = {
  ipv4: { id: 1, size: 4 },
  ipv6: { id: 2, size: 16 },
  torv3: { id: 4, size: 32 },
  i2p: { id: 5, size: 32 },
  cjdns: { id: 6, size: 16 },
};
const BY_ID = new Map(Object.entries(NETWORKS).map(([name, n]) => [n.id, { name: name as AddrNetwork, size: n.size }]));

export interface AddrV2Entry {
  /** Unix seconds the sender last heard of this address. */
  time: number;
  services: bigint;
  network: AddrNetwork;
  /** IPv4 dotted, IPv6 text, `<56 chars>.onion`, `<52 chars>.b32.i2p`. */
  host: string;
  port: number;
}

export interface AddrV2Message {
  type: 'addrv2';
  addrs: AddrV2Entry[];
}

const ONION_VERSION = 3;
const ONION_CHECKSUM_PREFIX = new TextEncoder().encode('.onion checksum');

function onionChecksum(pubkey: Uint8Array): Uint8Array {
  return sha3_256(new Uint8Array([...ONION_CHECKSUM_PREFIX, ...pubkey, ONION_VERSION])).subarray(0, 2);
}

/** Tor v3: base32(pubkey || checksum[2] || version) + ".onion" (rend-spec-v3). */
export function onionFromPubkey(pubkey: Uint8Array): string {
  return `${base32nopad.encode(new Uint8Array([...pubkey, ...onionChecksum(pubkey), ONION_VERSION])).toLowerCase()}.onion`;
}

/** The 32-byte key of a v3 onion name, or undefined when it is not one (length, alphabet, checksum, version). */
export function onionPubkey(host: string): Uint8Array | undefined {
  const m = /^([a-z2-7]{56})\.onion$/i.exec(host);
  if (!m) return undefined;
  let raw: Uint8Array;
  try {
    raw = base32nopad.decode(m[1]!.toUpperCase());
  } catch {
    return undefined;
  }
  const pubkey = raw.subarray(0, 32);
  const sum = onionChecksum(pubkey);
  if (raw[34] !== ONION_VERSION || raw[32] !== sum[0] || raw[33] !== sum[1]) return undefined;
  return pubkey.slice();
}

function i2pName(key: Uint8Array): string {
  return `${base32nopad.encode(key).toLowerCase()}.b32.i2p`;
}

function i2pKey(host: string): Uint8Array | undefined {
  const m = /^([a-z2-7]{52})\.b32\.i2p$/i.exec(host);
  if (!m) return undefined;
  try {
    // 52 base32 characters carry 260 bits: 32 bytes and 4 zero bits, which the decoder checks.
    const raw = base32nopad.decode(m[1]!.toUpperCase());
    return raw.length === 32 ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** BIP155's services field is a CompactSize that may use all 64 bits; non-canonical forms are refused. */
function readServices(r: ByteReader): bigint {
  const first = r.u8();
  const [v, min] = first < 0xfd ? [BigInt(first), 0n] : first === 0xfd ? [BigInt(r.u16le()), 0xfdn] : first === 0xfe ? [BigInt(r.u32le()), 0x10000n] : [r.u64leBig(), 0x1_0000_0000n];
  if (v < min) throw new DecodeError('non-canonical varint');
  return v;
}

function writeServices(w: ByteWriter, v: bigint): void {
  if (v < 0xfdn) w.u8(Number(v));
  else if (v <= 0xffffn) w.u8(0xfd).u16le(Number(v));
  else if (v <= 0xffffffffn) w.u8(0xfe).u32le(Number(v));
  else w.u8(0xff).u64leBig(v);
}

/** The address bytes of a host on its network, or undefined when the host is not of that network. */
function addressBytes(network: AddrNetwork, host: string): Uint8Array | undefined {
  if (network === 'torv3') return onionPubkey(host);
  if (network === 'i2p') return i2pKey(host);
  const ip = parseIp(host);
  if (!ip) return undefined;
  const mapped = ip.subarray(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  if (network === 'ipv4') return mapped ? ip.slice(12) : undefined;
  if (mapped) return undefined;
  // CJDNS addresses are fc00::/8; an IPv6 entry there would be one in disguise.
  return (network === 'cjdns') === (ip[0] === 0xfc) ? ip : undefined;
}

function hostOf(network: AddrNetwork, b: Uint8Array): string {
  switch (network) {
    case 'ipv4':
      return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
    case 'torv3':
      return onionFromPubkey(b);
    case 'i2p':
      return i2pName(b);
    default:
      return formatIp(b);
  }
}

/** An addrv2 payload; entries of unknown or retired networks are skipped (BIP155), known ones must have their size. */
export function readAddrV2(r: ByteReader): AddrV2Message {
  // An entry is at least 4 (time) + 1 (services) + 1 (network) + 1 (length) + 2 (port) bytes.
  const n = r.count(9, MAX_ADDRV2);
  const addrs: AddrV2Entry[] = [];
  for (let i = 0; i < n; i++) {
    const time = r.u32le();
    const services = readServices(r);
    const id = r.u8();
    const bytes = r.varBytes(MAX_ADDRV2_SIZE);
    const port = r.u16be();
    const net = BY_ID.get(id);
    if (!net) continue;
    if (bytes.length !== net.size) throw new DecodeError(`a network ${id} address of ${bytes.length} bytes, not ${net.size}`);
    if (net.name === 'ipv6' && (bytes[0] === 0xfc || bytes.subarray(0, 12).every((b, j) => b === (j < 10 ? 0 : 0xff)))) {
      // BIP155: IPv4-mapped and CJDNS-range addresses must use their own network id.
      throw new DecodeError('an IPv6 entry holding an IPv4 or CJDNS address');
    }
    if (net.name === 'cjdns' && bytes[0] !== 0xfc) throw new DecodeError('a CJDNS address outside fc00::/8');
    addrs.push({ time, services, network: net.name, host: hostOf(net.name, bytes), port });
  }
  return { type: 'addrv2', addrs };
}

export function writeAddrV2(m: AddrV2Message, w: ByteWriter, check: (ok: boolean, reason: string) => void): void {
  check(m.addrs.length <= MAX_ADDRV2, `more than ${MAX_ADDRV2} addresses`);
  w.varint(m.addrs.length);
  for (const a of m.addrs) {
    const bytes = NETWORKS[a.network] ? addressBytes(a.network, a.host) : undefined;
    check(bytes !== undefined, `"${a.host}" is not a ${a.network} address`);
    check(Number.isInteger(a.time) && a.time >= 0 && a.time <= 0xffffffff, 'address time out of range');
    check(a.services >= 0n && a.services <= 0xffffffffffffffffn, 'services out of range');
    check(Number.isInteger(a.port) && a.port >= 0 && a.port <= 0xffff, 'port out of range');
    w.u32le(a.time);
    writeServices(w, a.services);
    w.u8(NETWORKS[a.network].id).varBytes(bytes!).u16be(a.port);
  }
}
