// A set of outbound peers: pinned addresses (--connect), or peers picked from the address table
// (addrman.ts: DNS seeds, addr/addrv2, successful connections), one per network group; bans, kept
// with the table through an injected store; reconnection with backoff for as long as the pool runs.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { ChainParams } from '../chain/params.js';
import { addressOf, AddrMan, decodePeerFile, encodePeerFile, groupOf, tableHost, type TableEntry } from './addrman.js';
import { BanList } from './ban-list.js';
import { MAX_ADDR, NODE_BLOOM, NODE_P2P_V2, type Message } from './messages.js';
import { Peer, PeerError, type PeerTimeouts, type Transport } from './peer.js';
import type { Socks5Proxy } from './socks5.js';
import { fixedSeeds, querySeeds, type SeedResolver } from './seeds.js';

export const BAN_SECONDS = 24 * 60 * 60;

export interface PoolOptions {
  params: ChainParams;
  /** Pinned peers, host:port. When given, only these are used (like Bitcoin Core's -connect). */
  connect?: string[];
  maxPeers?: number;
  /** Services every peer must offer (default NODE_BLOOM); others are dropped at the handshake. */
  requiredServices?: bigint;
  /** Ask peers to relay transactions from the handshake on (version relay=true). */
  relay?: boolean;
  /** Services we offer in our version message. */
  services?: bigint;
  ourHeight: () => number;
  timeouts?: Partial<PeerTimeouts>;
  /**
   * 'v2': BIP324 first with every peer, pinned ones included (`--v2`). Otherwise BIP324 first
   * only with table addresses said to offer NODE_P2P_V2, v1 with the rest: a v1 node that gets a
   * v2 key may ban us (bcoin 1.0.2 does, for a day). Either way a peer that does not speak v2 is
   * connected again over v1.
   */
  transport?: Transport;
  /**
   * Every connection through this SOCKS5 proxy, each with its own credentials (Tor: its own
   * circuit). No DNS query from here then: the seeds' names go to the proxy as peers to connect to.
   */
  proxy?: Socks5Proxy;
  /** Seconds; injectable for tests. */
  now?: () => number;
  /** Where to find peers when the table is empty (default: the network's DNS seeds); injectable for tests. */
  discover?: () => Promise<{ host: string; port: number; source?: string }[]>;
  /** DNS for the seeds (default node:dns); injectable for tests. */
  resolver?: SeedResolver;
  /** Where the address table and the bans live between runs; unused with pinned peers. */
  store?: PeerStore;
  log?: (event: string, fields: Record<string, string | number | boolean>) => void;
}

/** The peer file's bytes, wherever the caller keeps them; `load` gives undefined when there is none yet. */
export interface PeerStore {
  load(): Uint8Array | undefined;
  save(data: Uint8Array): void;
}

type Events = {
  peer: [Peer];
  closed: [Peer];
  /** An address could not be reached, or its connection dropped. */
  failed: [string];
};

export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m || !m[1]) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1], port };
}

/** Waits before trying an address again: 1 s after the first failure, doubling up to RETRY_MAX_MS. */
export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 30_000;
/** A connection that lasted this long was a good one: the address's next retry waits RETRY_MIN_MS again. */
const STABLE_MS = 60_000;
/** While short of peers with no address left to try, the DNS seeds are asked again at most this often. */
const RESEED_MS = 60_000;
const TICK_MS = 1_000;
/** The table is saved at most this often while it changes (and when the pool stops, and on a ban). */
const SAVE_MS = 60_000;
/** Core's penalty on the time of relayed addresses: they were heard of at least 2 hours ago. */
const RELAY_PENALTY = 2 * 60 * 60;
/** After the answer to our getaddr, a peer's addresses are taken at this rate (Core's 0.1 a second). */
const ADDR_EVERY_MS = 10_000;
/** A wait for a peer gives up once this many table addresses failed since it began (offline, fail fast). */
const WAIT_TRIES = 16;

interface Candidate {
  host: string;
  port: number;
  address: string;
  /** Attempts since the last stable connection. */
  failures: number;
  /** Not tried again before this time (ms). */
  retryAt: number;
  /** The pool's attempt count at its last failure (0: none), so a wait can tell failures since it began. */
  lastFailure: number;
}

const NOT_ROUTABLE = new net.BlockList();
for (const [net4, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3]] as const) {
  NOT_ROUTABLE.addSubnet(net4, prefix, 'ipv4');
}
for (const [net6, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32]] as const) {
  NOT_ROUTABLE.addSubnet(net6, prefix, 'ipv6');
}

/**
 * Whether an address a peer sent may be dialled: on the public networks only public unicast
 * addresses, so that no peer can point us at this machine's or the LAN's services.
 */
export function routable(host: string): boolean {
  const family = net.isIPv4(host) ? 'ipv4' : net.isIPv6(host) ? 'ipv6' : undefined;
  return family !== undefined && !NOT_ROUTABLE.check(host, family);
}

function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(Math.max(0, failures - 1), 16));
}

export class Pool extends EventEmitter<Events> {
  private readonly opts: PoolOptions;
  private readonly live = new Set<Peer>();
  private readonly connecting = new Set<string>();
  private bans = new BanList();
  /** Pinned peers, or the table's addresses dialled this run: each with its retry wait. */
  private readonly candidates = new Map<string, Candidate>();
  /** Where peers come from when none is pinned. */
  private table: AddrMan | undefined;
  private pinned = false;
  private nextSeeding = 0;
  private discovering = false;
  private lastSave = 0;
  /** Failures so far, numbering each candidate's last one. */
  private attempts = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(opts: PoolOptions) {
    super();
    this.opts = opts;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get peers(): Peer[] {
    return [...this.live];
  }

  /** The address table (undefined with pinned peers, or before start). */
  get addresses(): AddrMan | undefined {
    return this.table;
  }

  /** The connected peer claiming the most blocks. */
  best(): Peer | undefined {
    let best: Peer | undefined;
    for (const p of this.live) if (!best || p.startHeight > best.startHeight) best = p;
    return best;
  }

  isBanned(address: string): boolean {
    return this.bans.isBanned(address, this.now());
  }

  /** Disconnect and refuse this address for BAN_SECONDS (saved with the table, so a restart keeps it). */
  ban(peer: Peer, reason: string): void {
    this.banAddress(peer.address, reason);
    peer.close(reason, true);
  }

  private banAddress(address: string, reason: string, log = true): void {
    this.bans.ban(address, this.now() + BAN_SECONDS);
    if (log) this.opts.log?.('p2p.ban', { peer: address, reason });
    this.save();
  }

  private required(): bigint {
    return this.opts.requiredServices ?? NODE_BLOOM;
  }

  /**
   * Connect, and keep connecting for as long as the pool runs: a peer that drops or cannot be
   * reached is tried again after a growing wait (RETRY_MIN_MS to RETRY_MAX_MS); without pinned
   * peers the pool picks from its address table, fills it from the seeds when it is empty, and
   * learns the addresses its peers send.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const pinned = (this.opts.connect ?? []).map((s) => parseHostPort(s, this.opts.params.port)).filter((x) => x !== undefined);
    this.pinned = pinned.length > 0;
    if (this.pinned) this.add(pinned);
    else {
      this.load();
      if (!this.table!.all().some((e) => this.dialable(e))) this.seed(await this.discover(), this.opts.maxPeers ?? 8);
    }
    this.nextSeeding = Date.now() + RESEED_MS;
    this.fill();
    this.timer = setInterval(() => this.fill(), TICK_MS);
    this.timer.unref();
  }

  /** The saved table and bans, or empty ones when there are none or they cannot be read (logged, never fatal). */
  private load(): void {
    const opts = { now: this.now };
    this.table = new AddrMan(opts);
    if (!this.opts.store) return;
    try {
      const bytes = this.opts.store.load();
      if (!bytes) return;
      ({ table: this.table, bans: this.bans } = decodePeerFile(bytes, this.opts.params.magic, opts));
    } catch (e) {
      const details = e instanceof Error && 'details' in e ? (e.details as Record<string, unknown>) : {};
      this.opts.log?.('p2p.peers-unreadable', { reason: String(details['reason'] ?? (e instanceof Error ? e.message : 'error')) });
    }
  }

  /** Write the table and bans to the store now (a failure is logged: the next save tries again). */
  private save(): void {
    if (!this.table || !this.opts.store) return;
    try {
      this.opts.store.save(encodePeerFile(this.table, this.bans, this.opts.params.magic, this.now()));
      this.table.changed = false;
      this.lastSave = Date.now();
    } catch (e) {
      this.opts.log?.('p2p.peers-save-failed', { reason: e instanceof Error ? e.message : 'error' });
    }
  }

  private add(list: { host: string; port: number }[]): void {
    for (const { host, port } of list) {
      const address = addressOf(host, port);
      if (!this.candidates.has(address)) this.candidates.set(address, { host, port, address, failures: 0, retryAt: 0, lastFailure: 0 });
    }
  }

  /**
   * What the seeds gave: addresses into the table; names (through a proxy, which resolves them)
   * dialled as they are, up to `free` of them, as the table keeps addresses only.
   */
  private seed(list: { host: string; port: number; source?: string }[], free: number): void {
    this.learnSeeds(list);
    for (const a of list.filter((x) => !net.isIP(x.host)).slice(0, free)) {
      this.add([a]);
      const c = this.candidates.get(addressOf(a.host, a.port))!;
      if (!this.connecting.has(c.address)) this.connect(c);
    }
  }

  /** Seed addresses into the table, by source (public ones, but on regtest). */
  private learnSeeds(list: { host: string; port: number; source?: string }[]): void {
    const local = this.opts.params.network === 'regtest';
    for (const a of list) {
      if (local || routable(a.host)) this.table?.add([{ host: a.host, port: a.port, services: this.required(), time: this.now() }], a.source ?? 'dns');
    }
  }

  private async discover(): Promise<{ host: string; port: number; source?: string }[]> {
    if (this.opts.discover) return this.opts.discover().catch(() => []);
    // Through a proxy no name is looked up from this machine: the proxy resolves each DNS seed's
    // name as it connects (a node the seed names), beside the fixed seeds (addresses).
    if (this.opts.proxy) return [...this.opts.params.dnsSeeds.map((host) => ({ host, port: this.opts.params.port, source: `dns:${host}` })), ...fixedSeeds(this.opts.params)];
    return querySeeds(this.opts.params, this.required(), this.opts.resolver);
  }

  /** A failed attempt or a dropped connection: wait longer before the next try. */
  private failed(c: Candidate): void {
    c.failures++;
    c.retryAt = Date.now() + retryDelay(c.failures);
    c.lastFailure = ++this.attempts;
    this.emit('failed', c.address);
  }

  /** What this process can dial: IP addresses (a .onion needs the proxy), public ones but on regtest. */
  private dialable(e: TableEntry): boolean {
    return (e.network !== 'torv3' || this.opts.proxy !== undefined) && (this.opts.params.network === 'regtest' || routable(e.host));
  }

  /** Up to `n` table addresses to dial now: no two of one group, none of a group we are connected or connecting to. */
  private dueFromTable(n: number, retryNow: boolean): Candidate[] {
    if (n <= 0 || !this.table) return [];
    const busy = new Set([...[...this.live].map((p) => p.address), ...this.connecting]);
    const groups = new Set([...[...this.live].map((p) => groupOf(p.host)), ...[...this.connecting].map((a) => groupOf(this.candidates.get(a)?.host ?? a))]);
    const now = Date.now();
    const picked = this.table.pickOutbound(n, groups, (e) => {
      const c = this.candidates.get(e.address);
      return !busy.has(e.address) && this.dialable(e) && !this.isBanned(e.address) && (retryNow || !c || c.retryAt <= now);
    });
    return picked.map((e) => {
      this.add([e]);
      return this.candidates.get(e.address)!;
    });
  }

  /**
   * Open connections until maxPeers (or every pinned peer) is connected or being connected.
   * Addresses wait out their retry delay, unless `retryNow` (someone is waiting for a peer).
   */
  private fill(retryNow = false): void {
    if (this.stopped) return;
    const max = this.pinned ? this.candidates.size : (this.opts.maxPeers ?? 8);
    const now = Date.now();
    const free = max - this.live.size - this.connecting.size;
    const due = this.pinned
      ? [...this.candidates.values()].filter(
          (c) => (retryNow || c.retryAt <= now) && !this.connecting.has(c.address) && !this.isBanned(c.address) && ![...this.live].some((p) => p.address === c.address),
        )
      : this.dueFromTable(free, retryNow);
    if (!this.pinned && due.length === 0 && free > 0 && now >= this.nextSeeding) {
      this.nextSeeding = now + RESEED_MS;
      this.discovering = true;
      void this.discover().then((list) => {
        this.discovering = false;
        if (this.stopped) return;
        this.seed(list, free);
        this.fill();
        // Nothing found: a wait for a peer learns it now.
        if (list.length === 0) this.emit('failed', 'seeds');
      });
    }
    for (const c of due) {
      if (this.live.size + this.connecting.size >= max) break;
      this.connect(c);
    }
    if (this.table?.changed && now - this.lastSave >= SAVE_MS) this.save();
  }

  private connect(c: Candidate): void {
    const { address } = c;
    this.connecting.add(address);
    const { timeouts, proxy, relay, services } = this.opts;
    const requiredServices = this.required();
    const transport = this.transportFor(address);
    Peer.connect({ params: this.opts.params, host: c.host, port: c.port, ourHeight: this.opts.ourHeight(), requiredServices, ...(relay ? { relay } : {}), ...(services ? { services } : {}), ...(timeouts ? { timeouts } : {}), transport, ...(proxy ? { proxy } : {}) })
      .then((peer) => {
        this.connecting.delete(address);
        if (this.stopped) {
          peer.close('pool stopped');
          return;
        }
        const since = Date.now();
        this.live.add(peer);
        this.table?.connected(address, peer.version!.services);
        peer.once('close', (info) => {
          this.live.delete(peer);
          if (Date.now() - since >= STABLE_MS) c.failures = 0;
          this.failed(c);
          if (info.misbehaving && !this.isBanned(peer.address)) this.banAddress(peer.address, info.reason);
          this.opts.log?.('p2p.disconnect', { peer: peer.address, reason: info.reason });
          this.emit('closed', peer);
          // Another address may be ready now; the lost one waits its turn.
          this.fill();
        });
        if (!this.pinned) this.learn(peer);
        this.opts.log?.('p2p.connect', { peer: peer.address, height: peer.startHeight, transport: peer.transport });
        this.emit('peer', peer);
      })
      .catch((e: unknown) => {
        this.connecting.delete(address);
        this.table?.failed(address);
        // Forgotten by the table (never reached, tried too often): no retry wait to keep.
        if (this.table && !this.table.get(address)) this.candidates.delete(address);
        this.failed(c);
        if (e instanceof PeerError && e.misbehaving) this.banAddress(address, e.message, false);
        this.opts.log?.('p2p.connect-failed', { peer: address, reason: e instanceof Error ? e.message : 'error', retryInMs: Math.max(0, c.retryAt - Date.now()) });
      });
  }

  /** v2 first when asked for every peer, or when the table says the address offers it. */
  private transportFor(address: string): Transport {
    if (this.opts.transport === 'v2') return 'v2';
    return ((this.table?.get(address)?.services ?? 0n) & NODE_P2P_V2) !== 0n ? 'v2' : 'v1';
  }

  /**
   * Addresses a peer knows go to the table, bucketed by the peer's group: those offering the
   * services we need, public ones (but on regtest) and Tor v3 names; I2P and CJDNS are dropped.
   * As Core, a peer may send 1,000 (the answer to our getaddr), then one per 10 s; the rest are
   * ignored.
   */
  private learn(peer: Peer): void {
    const required = this.required();
    const local = this.opts.params.network === 'regtest';
    const source = groupOf(peer.host);
    let tokens = MAX_ADDR;
    let refilled = Date.now();
    peer.on('message', (m: Message) => {
      if (m.type !== 'addr' && m.type !== 'addrv2') return;
      const now = Date.now();
      tokens = Math.min(MAX_ADDR, tokens + (now - refilled) / ADDR_EVERY_MS);
      refilled = now;
      const taken = m.addrs.slice(0, Math.floor(tokens));
      tokens -= taken.length;
      const usable = taken.filter(
        (a) =>
          (a.services & required) === required &&
          a.port > 0 &&
          (!('network' in a) || a.network === 'ipv4' || a.network === 'ipv6' || a.network === 'torv3') &&
          (local || routable(a.host) || tableHost(a.host)?.network === 'torv3'),
      );
      this.table?.add(usable, source, RELAY_PENALTY);
    });
    peer.send({ type: 'getaddr' });
  }

  /**
   * Resolves with a connected peer, waiting up to `timeoutMs`. Every address is tried again now;
   * once each has failed since the wait began (or is banned; from the table: WAIT_TRIES of them),
   * none is connecting and no seed is being asked, no peer can be reached: it resolves with
   * undefined at once, not at the timeout (an offline wallet answers `no-peers` without a 10 s
   * wait before every call).
   */
  async waitForPeer(timeoutMs: number): Promise<Peer | undefined> {
    const ready = this.best();
    if (ready) return ready;
    const since = this.attempts;
    this.fill(true);
    const failedSince = (address: string) => (this.candidates.get(address)?.lastFailure ?? 0) > since;
    const exhausted = () =>
      this.pinned
        ? [...this.candidates.values()].every((c) => this.isBanned(c.address) || c.lastFailure > since)
        : this.attempts - since >= WAIT_TRIES || !this.table?.all().some((e) => this.dialable(e) && !this.isBanned(e.address) && !failedSince(e.address));
    const unreachable = () => this.live.size === 0 && this.connecting.size === 0 && !this.discovering && exhausted();
    if (unreachable()) return undefined;
    return new Promise((resolve) => {
      const finish = (p: Peer | undefined) => {
        clearTimeout(t);
        this.off('peer', onPeer);
        this.off('failed', onFailed);
        resolve(p);
      };
      const t = setTimeout(() => finish(undefined), timeoutMs);
      const onPeer = (p: Peer) => finish(p);
      const onFailed = () => {
        if (unreachable()) finish(undefined);
      };
      this.on('peer', onPeer);
      this.on('failed', onFailed);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.live) p.close('shutting down');
    this.live.clear();
    this.save();
  }
}
