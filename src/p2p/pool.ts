// A set of outbound peers: pinned addresses (--connect), or DNS seeds and the addresses peers
// send; bans; reconnection with backoff for as long as the pool runs.

import dns from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { ChainParams } from '../chain/params.js';
import { NODE_BLOOM, type Message } from './messages.js';
import { Peer, PeerError, type PeerTimeouts } from './peer.js';

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
  /** Seconds; injectable for tests. */
  now?: () => number;
  /** Where to find peers when none is pinned (default: the network's DNS seeds); injectable for tests. */
  discover?: () => Promise<{ host: string; port: number }[]>;
  log?: (event: string, fields: Record<string, string | number | boolean>) => void;
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
/** Addresses learned from peers (`addr`) are kept up to this many; pinned peers are never dropped. */
const MAX_CANDIDATES = 1_000;
/** An address that is not pinned is forgotten after this many failures in a row (the seeds bring it back). */
const MAX_FAILURES = 4;
/** While short of peers with no address left to try, the DNS seeds are asked again at most this often. */
const RESEED_MS = 60_000;
const TICK_MS = 1_000;

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

function addressOf(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
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
  private readonly bans = new Map<string, number>();
  /** Where to connect, in order: the pinned peers only, or seeds and addresses peers told us of. */
  private readonly candidates = new Map<string, Candidate>();
  private pinned = false;
  private nextSeeding = 0;
  private discovering = false;
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

  /** The connected peer claiming the most blocks. */
  best(): Peer | undefined {
    let best: Peer | undefined;
    for (const p of this.live) if (!best || p.startHeight > best.startHeight) best = p;
    return best;
  }

  isBanned(address: string): boolean {
    const until = this.bans.get(address);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.bans.delete(address);
      return false;
    }
    return true;
  }

  /** Disconnect and refuse this address for BAN_SECONDS. */
  ban(peer: Peer, reason: string): void {
    this.bans.set(peer.address, this.now() + BAN_SECONDS);
    this.opts.log?.('p2p.ban', { peer: peer.address, reason });
    peer.close(reason, true);
  }

  /**
   * Connect, and keep connecting for as long as the pool runs: a peer that drops or cannot be
   * reached is tried again after a growing wait (RETRY_MIN_MS to RETRY_MAX_MS); without pinned
   * peers the pool also uses the addresses its peers send and asks the DNS seeds again.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const pinned = (this.opts.connect ?? []).map((s) => parseHostPort(s, this.opts.params.port)).filter((x) => x !== undefined);
    this.pinned = pinned.length > 0;
    this.add(this.pinned ? pinned : await this.discover());
    this.nextSeeding = Date.now() + RESEED_MS;
    this.fill();
    this.timer = setInterval(() => this.fill(), TICK_MS);
    this.timer.unref();
  }

  private add(list: { host: string; port: number }[]): void {
    for (const { host, port } of list) {
      const address = addressOf(host, port);
      if (this.candidates.has(address) || (!this.pinned && this.candidates.size >= MAX_CANDIDATES)) continue;
      this.candidates.set(address, { host, port, address, failures: 0, retryAt: 0, lastFailure: 0 });
    }
  }

  private async discover(): Promise<{ host: string; port: number }[]> {
    if (this.opts.discover) return this.opts.discover().catch(() => []);
    const found: { host: string; port: number }[] = [];
    await Promise.all(
      this.opts.params.dnsSeeds.map(async (seed) => {
        try {
          for (const host of await dns.resolve4(seed)) found.push({ host, port: this.opts.params.port });
        } catch {
          // an unreachable seed is not fatal; others may answer
        }
      }),
    );
    return found.sort(() => Math.random() - 0.5);
  }

  /** A failed attempt or a dropped connection: wait longer before the next try, or forget an address that is not pinned. */
  private failed(c: Candidate): void {
    c.failures++;
    c.retryAt = Date.now() + retryDelay(c.failures);
    c.lastFailure = ++this.attempts;
    if (!this.pinned && c.failures >= MAX_FAILURES) this.candidates.delete(c.address);
    this.emit('failed', c.address);
  }

  /**
   * Open connections until maxPeers (or every pinned peer) is connected or being connected.
   * Addresses wait out their retry delay, unless `retryNow` (someone is waiting for a peer).
   */
  private fill(retryNow = false): void {
    if (this.stopped) return;
    const max = this.pinned ? this.candidates.size : (this.opts.maxPeers ?? 8);
    const now = Date.now();
    const due = [...this.candidates.values()].filter(
      (c) => (retryNow || c.retryAt <= now) && !this.connecting.has(c.address) && !this.isBanned(c.address) && ![...this.live].some((p) => p.address === c.address),
    );
    if (!this.pinned && due.length === 0 && this.live.size + this.connecting.size < max && now >= this.nextSeeding) {
      this.nextSeeding = now + RESEED_MS;
      this.discovering = true;
      void this.discover().then((list) => {
        this.discovering = false;
        if (this.stopped) return;
        this.add(list);
        this.fill();
        // Nothing found: a wait for a peer learns it now.
        if (list.length === 0) this.emit('failed', 'seeds');
      });
    }
    for (const c of due) {
      if (this.live.size + this.connecting.size >= max) break;
      this.connect(c);
    }
  }

  private connect(c: Candidate): void {
    const { address } = c;
    this.connecting.add(address);
    const { requiredServices, relay, services, timeouts } = this.opts;
    Peer.connect({ params: this.opts.params, host: c.host, port: c.port, ourHeight: this.opts.ourHeight(), ...(requiredServices ? { requiredServices } : {}), ...(relay ? { relay } : {}), ...(services ? { services } : {}), ...(timeouts ? { timeouts } : {}) })
      .then((peer) => {
        this.connecting.delete(address);
        if (this.stopped) {
          peer.close('pool stopped');
          return;
        }
        const since = Date.now();
        this.live.add(peer);
        peer.once('close', (info) => {
          this.live.delete(peer);
          if (Date.now() - since >= STABLE_MS) c.failures = 0;
          this.failed(c);
          if (info.misbehaving && !this.isBanned(peer.address)) {
            this.bans.set(peer.address, this.now() + BAN_SECONDS);
            this.opts.log?.('p2p.ban', { peer: peer.address, reason: info.reason });
          }
          this.opts.log?.('p2p.disconnect', { peer: peer.address, reason: info.reason });
          this.emit('closed', peer);
          // Another address may be ready now; the lost one waits its turn.
          this.fill();
        });
        if (!this.pinned) this.learn(peer);
        this.opts.log?.('p2p.connect', { peer: peer.address, height: peer.startHeight });
        this.emit('peer', peer);
      })
      .catch((e: unknown) => {
        this.connecting.delete(address);
        this.failed(c);
        if (e instanceof PeerError && e.misbehaving) this.bans.set(address, this.now() + BAN_SECONDS);
        this.opts.log?.('p2p.connect-failed', { peer: address, reason: e instanceof Error ? e.message : 'error', retryInMs: Math.max(0, c.retryAt - Date.now()) });
      });
  }

  /** Other nodes to fall back on: the addresses a peer knows that offer the services we need (public ones, but on regtest). */
  private learn(peer: Peer): void {
    const required = this.opts.requiredServices ?? NODE_BLOOM;
    peer.on('message', (m: Message) => {
      if (m.type !== 'addr') return;
      const local = this.opts.params.network === 'regtest';
      this.add(m.addrs.filter((a) => (a.services & required) === required && a.port > 0 && (local || routable(a.host))).map((a) => ({ host: a.host, port: a.port })));
    });
    peer.send({ type: 'getaddr' });
  }

  /**
   * Resolves with a connected peer, waiting up to `timeoutMs`. Every address is tried again now;
   * once each has failed since the wait began (or is banned), none is connecting and no seed is
   * being asked, no peer can be reached: it resolves with undefined at once, not at the timeout
   * (an offline wallet answers `no-peers` without a 10 s wait before every call).
   */
  async waitForPeer(timeoutMs: number): Promise<Peer | undefined> {
    const ready = this.best();
    if (ready) return ready;
    const since = this.attempts;
    this.fill(true);
    const unreachable = () =>
      this.live.size === 0 &&
      this.connecting.size === 0 &&
      !this.discovering &&
      [...this.candidates.values()].every((c) => this.isBanned(c.address) || c.lastFailure > since);
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
  }
}
