// The address table the pool picks peers from: Bitcoin Core's addrman, simplified. Pure (no IO):
// the pool feeds it and saves its bytes (with the ban list) through an injected store.
//
// Addresses heard of go to "new" buckets, addresses we completed a handshake with to "tried"
// ones. A new address's bucket is a keyed hash of its network group (IPv4 /16, IPv6 /32, a Tor v3
// name whole) and of the group of whoever told us (a peer's group, a DNS seed's name), chosen so
// that one source's addresses land in at most NEW_BUCKETS_PER_SOURCE of the NEW_BUCKETS buckets and
// one (group, source) pair in exactly one: a single peer, however many addresses it sends, fills at
// most 1/16 of the new table, and 1,000 addresses of one /16 from one peer take one bucket of 32.
// The key is random per table, so a peer cannot aim at buckets. A slot already taken keeps its
// address unless that one is "terrible" (Core's IsTerrible). Simplifications against Core: one new
// bucket per address (Core allows up to 8), no test-before-evict (a tried entry displaced by
// another goes back to new), no asmap, and smaller tables (256 new and 64 tried buckets of 32, at
// most 10,240 addresses, about 1 MB saved; a light client makes 8 outbound connections).

import { sha256 } from '@noble/hashes/sha2.js';
import { CofferError } from '../api/errors.js';
import { ByteReader, ByteWriter, DecodeError } from '../chain/bytes.js';
import { onionFromPubkey, onionPubkey } from './addr-v2.js';
import { BanList, readText } from './ban-list.js';
import { formatIp, parseIp } from './ip.js';

export const NEW_BUCKETS = 256;
export const TRIED_BUCKETS = 64;
export const BUCKET_SIZE = 32;
/** One source group's addresses land in at most this many new buckets. */
export const NEW_BUCKETS_PER_SOURCE = 16;
/** One network group's tried addresses land in at most this many tried buckets. */
export const TRIED_BUCKETS_PER_GROUP = 4;
export const MAX_ENTRIES = (NEW_BUCKETS + TRIED_BUCKETS) * BUCKET_SIZE;

const DAY = 24 * 60 * 60;
/** Core's horizon: an address not heard of for 30 days is terrible. */
const HORIZON = 30 * DAY;

export type TableNetwork = 'ipv4' | 'ipv6' | 'torv3';
const NET_IDS: Record<TableNetwork, number> = { ipv4: 1, ipv6: 2, torv3: 4 };

export interface TableAddress {
  host: string;
  port: number;
  services: bigint;
  /** Unix seconds the source last heard of it. */
  time: number;
}

export interface TableEntry extends TableAddress {
  network: TableNetwork;
  /** host:port, the key (IPv6 in brackets). */
  address: string;
  group: string;
  /** The group of whoever told us of it. */
  source: string;
  lastTry: number;
  lastSuccess: number;
  /** Failed attempts since the last success. */
  attempts: number;
  tried: boolean;
  /** When a failure was last counted (this run only; see `failed`). */
  countedAt?: number;
}

export function addressOf(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The network and canonical text of a host the table can hold, or undefined (a name, I2P, CJDNS...). */
export function tableHost(host: string): { network: TableNetwork; host: string } | undefined {
  if (onionPubkey(host)) return { network: 'torv3', host: host.toLowerCase() };
  const ip = parseIp(host);
  if (!ip) return undefined;
  const text = formatIp(ip);
  return { network: text.includes(':') ? 'ipv6' : 'ipv4', host: text };
}

/** The network group: IPv4 /16, IPv6 /32, a Tor v3 name whole; any other text stands for itself. */
export function groupOf(host: string): string {
  const t = tableHost(host);
  if (!t) return `name:${host}`;
  if (t.network === 'torv3') return `onion:${t.host}`;
  const ip = parseIp(t.host)!;
  if (t.network === 'ipv4') return `ipv4:${ip[12]}.${ip[13]}`;
  return `ipv6:${Buffer.from(ip.subarray(0, 4)).toString('hex')}`;
}

function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

export interface AddrManOptions {
  /** The table's secret (32 bytes); random by default. */
  key?: Uint8Array;
  /** Unix seconds. */
  now?: () => number;
  /** A number in [0, 1); crypto-random by default. */
  random?: () => number;
}

export class AddrMan {
  readonly key: Uint8Array;
  /** Set on every change; the pool clears it when it saves. */
  changed = false;
  private readonly entries = new Map<string, TableEntry>();
  private readonly newSlots: (string | undefined)[] = new Array<string | undefined>(NEW_BUCKETS * BUCKET_SIZE);
  private readonly triedSlots: (string | undefined)[] = new Array<string | undefined>(TRIED_BUCKETS * BUCKET_SIZE);
  private readonly now: () => number;
  private readonly random: () => number;
  /** When any address last completed a handshake (Core's m_last_good; 1 so a first failure counts). */
  private lastGood = 1;

  constructor(opts: AddrManOptions = {}) {
    this.key = opts.key ?? crypto.getRandomValues(new Uint8Array(32));
    if (this.key.length !== 32) throw new RangeError('the table key is 32 bytes');
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.random = opts.random ?? cryptoRandom;
  }

  get size(): number {
    return this.entries.size;
  }

  get(address: string): TableEntry | undefined {
    return this.entries.get(address);
  }

  all(): TableEntry[] {
    return [...this.entries.values()];
  }

  private hash(...parts: string[]): number {
    const data = new TextEncoder().encode(parts.join('\0'));
    const buf = new Uint8Array(32 + data.length);
    buf.set(this.key);
    buf.set(data, 32);
    const d = sha256(buf);
    return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  }

  /** Which bucket an entry lives in (its table says which kind). */
  bucketOf(e: Pick<TableEntry, 'address' | 'group' | 'source' | 'tried'>): number {
    if (e.tried) return this.hash('tried', e.group, String(this.hash('tried-spread', e.address) % TRIED_BUCKETS_PER_GROUP)) % TRIED_BUCKETS;
    return this.hash('new', e.source, String(this.hash('new-spread', e.group, e.source) % NEW_BUCKETS_PER_SOURCE)) % NEW_BUCKETS;
  }

  private position(e: TableEntry): number {
    const bucket = this.bucketOf(e);
    return bucket * BUCKET_SIZE + (this.hash(e.tried ? 'tried-slot' : 'new-slot', String(bucket), e.address) % BUCKET_SIZE);
  }

  private slots(tried: boolean): (string | undefined)[] {
    return tried ? this.triedSlots : this.newSlots;
  }

  /**
   * Core's IsTerrible: heard of in the future or not for 30 days, never reached after 3 tries, or
   * not reached for a week after 10. A try in the last minute protects it (`fresh`), but not when
   * it is the try that just failed.
   */
  terrible(e: TableEntry, fresh = true): boolean {
    const now = this.now();
    if (fresh && e.lastTry > 0 && now - e.lastTry < 60) return false;
    if (e.time > now + 10 * 60 || now - e.time > HORIZON) return true;
    if (e.lastSuccess === 0 && e.attempts >= 3) return true;
    return now - e.lastSuccess > 7 * DAY && e.attempts >= 10;
  }

  /** Put an entry at its place; a taken place keeps its entry unless that one is terrible. */
  private place(e: TableEntry): boolean {
    const slots = this.slots(e.tried);
    const pos = this.position(e);
    const occupant = slots[pos] === undefined ? undefined : this.entries.get(slots[pos]!);
    if (occupant) {
      if (!this.terrible(occupant)) return false;
      this.remove(occupant.address);
    }
    slots[pos] = e.address;
    this.entries.set(e.address, e);
    this.changed = true;
    return true;
  }

  /**
   * Addresses heard of from `source` (a group: groupOf(peer host), `dns:<seed>`, `fixed`). Those the
   * table cannot hold (names, I2P, CJDNS, port 0) are skipped; a known one gets the newer time and
   * the union of services. `penalty` seconds are taken off the time (Core: 2 hours for relayed ones).
   * Returns how many were added.
   */
  add(addrs: TableAddress[], source: string, penalty = 0): number {
    const now = this.now();
    let added = 0;
    for (const a of addrs) {
      const t = tableHost(a.host);
      if (!t || !Number.isInteger(a.port) || a.port < 1 || a.port > 0xffff) continue;
      const address = addressOf(t.host, a.port);
      // Core: a time in the future or before 1973 means "five days ago".
      const time = Math.max(0, (a.time <= 100_000_000 || a.time > now + 10 * 60 ? now - 5 * DAY : a.time) - penalty);
      const known = this.entries.get(address);
      if (known) {
        known.services |= a.services;
        if (time > known.time) known.time = time;
        this.changed = true;
        continue;
      }
      const e: TableEntry = { host: t.host, port: a.port, services: a.services, time, network: t.network, address, group: groupOf(t.host), source: source.slice(0, 255), lastTry: 0, lastSuccess: 0, attempts: 0, tried: false };
      if (this.place(e)) added++;
    }
    return added;
  }

  /** A handshake completed: the address moves to tried (a tried one in its place goes back to new). */
  connected(address: string, services?: bigint): void {
    const e = this.entries.get(address);
    if (!e) return;
    const now = this.now();
    Object.assign(e, { lastTry: now, lastSuccess: now, time: now, attempts: 0 });
    // What the node said in its version replaces what others said of it (Core's SetServices).
    if (services !== undefined) e.services = services;
    this.lastGood = now;
    this.changed = true;
    if (e.tried) return;
    const pos = this.position(e);
    if (this.newSlots[pos] === address) this.newSlots[pos] = undefined;
    e.tried = true;
    const tpos = this.position(e);
    const displaced = this.triedSlots[tpos] === undefined ? undefined : this.entries.get(this.triedSlots[tpos]!);
    this.triedSlots[tpos] = address;
    if (displaced) {
      this.entries.delete(displaced.address);
      displaced.tried = false;
      this.place(displaced);
    }
  }

  /**
   * An attempt failed: counted (as Core, at most once per address until some address is reached,
   * so a machine that is offline does not wear its table out), and an untried address that became
   * terrible is forgotten.
   */
  failed(address: string): void {
    const e = this.entries.get(address);
    if (!e) return;
    const now = this.now();
    e.lastTry = now;
    this.changed = true;
    if ((e.countedAt ?? 0) >= this.lastGood) return;
    e.countedAt = now;
    e.attempts = Math.min(e.attempts + 1, 255);
    if (!e.tried && this.terrible(e, false)) this.remove(address);
  }

  remove(address: string): void {
    const e = this.entries.get(address);
    if (!e) return;
    const slots = this.slots(e.tried);
    const pos = this.position(e);
    if (slots[pos] === address) slots[pos] = undefined;
    this.entries.delete(address);
    this.changed = true;
  }

  /**
   * Up to `n` addresses to connect to, no two of one group and none of `exclude` (the groups of
   * the peers we have): tried and new tables half the time each (tried is a quarter the size, so
   * this favours it), within one at random, less likely the more it failed (0.66 per failure, as
   * Core) and when tried in the last 10 minutes.
   */
  pickOutbound(n: number, exclude: ReadonlySet<string>, usable: (e: TableEntry) => boolean = () => true): TableEntry[] {
    const groups = new Set(exclude);
    let tried: TableEntry[] = [];
    let fresh: TableEntry[] = [];
    for (const e of this.entries.values()) if (!groups.has(e.group) && usable(e)) (e.tried ? tried : fresh).push(e);
    const now = this.now();
    const chance = (e: TableEntry) => (now - e.lastTry < 600 ? 0.01 : 1) * 0.66 ** Math.min(e.attempts, 8);
    const out: TableEntry[] = [];
    while (out.length < n && tried.length + fresh.length > 0) {
      const list = tried.length > 0 && (fresh.length === 0 || this.random() < 0.5) ? tried : fresh;
      let chosen: TableEntry | undefined;
      // Core's loop: each refusal raises the odds by 1.2, so one is taken within a few hundred draws.
      for (let factor = 1; !chosen; factor *= 1.2) {
        const e = list[Math.floor(this.random() * list.length)]!;
        if (this.random() < factor * chance(e)) chosen = e;
      }
      out.push(chosen);
      groups.add(chosen.group);
      tried = tried.filter((e) => e.group !== chosen.group);
      fresh = fresh.filter((e) => e.group !== chosen.group);
    }
    return out;
  }

  write(w: ByteWriter): void {
    w.bytes(this.key).varint(this.entries.size);
    for (const e of this.entries.values()) {
      const bytes = e.network === 'torv3' ? onionPubkey(e.host)! : e.network === 'ipv4' ? parseIp(e.host)!.subarray(12) : parseIp(e.host)!;
      w.u8(e.tried ? 1 : 0).u8(NET_IDS[e.network]).bytes(bytes).u16be(e.port).u64leBig(e.services);
      w.u32le(e.time).u32le(e.lastTry).u32le(e.lastSuccess).u8(e.attempts);
      w.varBytes(new TextEncoder().encode(e.source));
    }
  }

  /** Read what `write` wrote, placing tried entries first; an entry whose place is taken is dropped. Throws DecodeError. */
  static read(r: ByteReader, opts: Omit<AddrManOptions, 'key'> = {}): AddrMan {
    const table = new AddrMan({ ...opts, key: r.bytes(32).slice() });
    const n = r.count(30, MAX_ENTRIES);
    const entries: TableEntry[] = [];
    for (let i = 0; i < n; i++) {
      const flags = r.u8();
      const id = r.u8();
      const network = (Object.keys(NET_IDS) as TableNetwork[]).find((k) => NET_IDS[k] === id);
      if (!network || flags > 1) throw new DecodeError(`an entry with flags ${flags} and network ${id}`);
      const raw = r.bytes(network === 'ipv4' ? 4 : network === 'ipv6' ? 16 : 32);
      const host = network === 'ipv4' ? raw.join('.') : network === 'ipv6' ? formatIp(raw) : onionFromPubkey(raw);
      const port = r.u16be();
      const services = r.u64leBig();
      const [time, lastTry, lastSuccess, attempts] = [r.u32le(), r.u32le(), r.u32le(), r.u8()];
      const source = readText(r);
      const t = tableHost(host);
      if (t?.network !== network || port === 0) throw new DecodeError(`an entry ${host}:${port} that is not a ${network} address`);
      const address = addressOf(t.host, port);
      entries.push({ host: t.host, port, services, time, network, address, group: groupOf(t.host), source, lastTry, lastSuccess, attempts, tried: flags === 1 });
    }
    for (const e of [...entries.filter((x) => x.tried), ...entries.filter((x) => !x.tried)]) {
      if (!table.entries.has(e.address)) table.place(e);
    }
    table.changed = false;
    return table;
  }
}

const FILE_MAGIC = new TextEncoder().encode('CFPT');
const FILE_VERSION = 1;

/**
 * The peer file: "CFPT", a version byte, the network's magic, the table, the bans, and the first 4
 * bytes of SHA-256 over all of that, so a damaged file is told from a valid one.
 */
export function encodePeerFile(table: AddrMan, bans: BanList, magic: number, now: number): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  w.bytes(FILE_MAGIC).u8(FILE_VERSION).u32le(magic);
  table.write(w);
  bans.write(w, now);
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  out.set(sha256(body).subarray(0, 4), body.length);
  return out;
}

/** Read a peer file; `file-unreadable` (reason names what is wrong) when it is damaged, of another version or network. */
export function decodePeerFile(bytes: Uint8Array, magic: number, opts: Omit<AddrManOptions, 'key'> = {}): { table: AddrMan; bans: BanList } {
  const bad = (reason: string) => new CofferError('file-unreadable', `The saved peer addresses cannot be used (${reason}).`, { kind: 'peers', reason });
  if (bytes.length < FILE_MAGIC.length + 9) throw bad('too short');
  const body = bytes.subarray(0, bytes.length - 4);
  const sum = sha256(body);
  if (!bytes.subarray(body.length).every((b, i) => b === sum[i])) throw bad('checksum mismatch');
  const r = new ByteReader(body);
  if (!r.bytes(4).every((b, i) => b === FILE_MAGIC[i])) throw bad('not a peer file');
  const version = r.u8();
  if (version !== FILE_VERSION) throw bad(`version ${version}`);
  if (r.u32le() !== magic) throw bad('another network');
  try {
    const table = AddrMan.read(r, opts);
    const bans = BanList.read(r, (opts.now ?? (() => Math.floor(Date.now() / 1000)))());
    r.end('peer file');
    return { table, bans };
  } catch (e) {
    if (e instanceof DecodeError) throw bad(e.message);
    throw e;
  }
}
