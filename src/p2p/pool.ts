// A set of outbound peers: pinned addresses (--connect) or DNS seeds, bans, reconnection.

import dns from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { ChainParams } from '../chain/params.js';
import { Peer, PeerError, type PeerTimeouts } from './peer.js';

export const BAN_SECONDS = 24 * 60 * 60;

export interface PoolOptions {
  params: ChainParams;
  /** Pinned peers, host:port. When given, only these are used (like Bitcoin Core's -connect). */
  connect?: string[];
  maxPeers?: number;
  ourHeight: () => number;
  timeouts?: Partial<PeerTimeouts>;
  /** Seconds; injectable for tests. */
  now?: () => number;
  log?: (event: string, fields: Record<string, string | number | boolean>) => void;
}

type Events = {
  peer: [Peer];
  closed: [Peer];
  /** A connection attempt failed (refused, unreachable, bad handshake). */
  failed: [string];
};

/** A candidate that just failed is not tried again by the periodic fill before this (ms). */
const RETRY_MS = 2_000;

export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m || !m[1]) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1], port };
}

export class Pool extends EventEmitter<Events> {
  private readonly opts: PoolOptions;
  private readonly live = new Set<Peer>();
  private readonly connecting = new Set<string>();
  private readonly bans = new Map<string, number>();
  private candidates: { host: string; port: number }[] = [];
  /** Address -> [attempt number, time in ms] of its last failed connection attempt. */
  private readonly failures = new Map<string, [number, number]>();
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

  async start(): Promise<void> {
    this.stopped = false;
    const pinned = (this.opts.connect ?? []).map((s) => parseHostPort(s, this.opts.params.port)).filter((x) => x !== undefined);
    this.candidates = pinned.length > 0 ? pinned : await this.fromSeeds();
    this.fill();
    this.timer = setInterval(() => this.fill(), 2_000);
    this.timer.unref();
  }

  private async fromSeeds(): Promise<{ host: string; port: number }[]> {
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

  private static address(c: { host: string; port: number }): string {
    return net.isIPv6(c.host) ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`;
  }

  /**
   * Open connections until maxPeers (or every pinned peer) is connected or being connected.
   * Candidates that failed in the last RETRY_MS wait for a later round, unless `retryNow`.
   */
  private fill(retryNow = false): void {
    if (this.stopped) return;
    const max = this.opts.connect?.length ? this.candidates.length : (this.opts.maxPeers ?? 8);
    const recent = Date.now() - RETRY_MS;
    for (const c of this.candidates) {
      if (this.live.size + this.connecting.size >= max) break;
      const address = Pool.address(c);
      if (this.connecting.has(address) || this.isBanned(address) || [...this.live].some((p) => p.address === address)) continue;
      if (!retryNow && (this.failures.get(address)?.[1] ?? 0) > recent) continue;
      this.connecting.add(address);
      this.attempts++;
      Peer.connect({ params: this.opts.params, host: c.host, port: c.port, ourHeight: this.opts.ourHeight(), ...(this.opts.timeouts ? { timeouts: this.opts.timeouts } : {}) })
        .then((peer) => {
          this.connecting.delete(address);
          if (this.stopped) {
            peer.close('pool stopped');
            return;
          }
          this.live.add(peer);
          peer.once('close', (info) => {
            this.live.delete(peer);
            if (info.misbehaving && !this.isBanned(peer.address)) {
              this.bans.set(peer.address, this.now() + BAN_SECONDS);
              this.opts.log?.('p2p.ban', { peer: peer.address, reason: info.reason });
            }
            this.opts.log?.('p2p.disconnect', { peer: peer.address, reason: info.reason });
            this.emit('closed', peer);
          });
          this.opts.log?.('p2p.connect', { peer: peer.address, height: peer.startHeight });
          this.emit('peer', peer);
        })
        .catch((e: unknown) => {
          this.connecting.delete(address);
          this.failures.set(address, [++this.attempts, Date.now()]);
          if (e instanceof PeerError && e.misbehaving) this.bans.set(address, this.now() + BAN_SECONDS);
          this.opts.log?.('p2p.connect-failed', { peer: address, reason: e instanceof Error ? e.message : 'error' });
          // The next candidate gets its turn now rather than at the next round.
          this.fill();
          this.emit('failed', address);
        });
    }
  }

  /**
   * Resolves with a connected peer, waiting up to `timeoutMs`. Every candidate is tried again now;
   * once each of them has failed since the wait began (or is banned) and none is connecting, no
   * peer can be reached: it resolves with undefined at once rather than at the timeout.
   */
  async waitForPeer(timeoutMs: number): Promise<Peer | undefined> {
    const ready = this.best();
    if (ready) return ready;
    const since = this.attempts;
    this.fill(true);
    const unreachable = () =>
      this.live.size === 0 &&
      this.connecting.size === 0 &&
      this.candidates.every((c) => {
        const a = Pool.address(c);
        return this.isBanned(a) || (this.failures.get(a)?.[0] ?? -1) > since;
      });
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
