// The wallet's remote watchtowers (`coffer watchtower serve` elsewhere): each pinned by its id,
// the newest keyless package signed for each (an outbox in the wallet's meta), pushed over Noise
// until the tower acks, then again hourly so a tower that went quiet shows as stale.

import net from 'node:net';
import { hex } from '@scure/base';
import { CofferError } from '../api/errors.js';
import type { TowerInfo } from '../api/towers.js';
import { parseReply, signPush, type Push, type Reply } from '../net/tower-protocol.js';
import { announceKey } from '../vaults/vault-keys.js';
import { ANNOUNCE_KEY_META, towerPackage } from './vault-tracker.js';
import { towerHandshake } from './tower-wire.js';
import { isOnion, socks5Connect, type Socks5Proxy } from '../p2p/socks5.js';
import type { WalletService } from './wallet-service.js';

export const REMOTE_TOWERS_META = 'remote_towers';
/** The newest signed package's text and version, apart: the retries read the small list every tick. */
const OUTBOX_META = 'remote_towers_outbox';
export const MAX_TOWERS = 16;
/** How long a flow (vault create, withdraw) waits for its towers before it goes on without them. */
export const INLINE_PUSH_MS = 3_000;
/** A pushed version not acked within this is stale; so is a tower with no ack for a day. */
const PENDING_STALE_S = 10 * 60;
const CONFIRMED_STALE_S = 24 * 3600;
/** An acked version is pushed again after this, to refresh the tower's confirmation. */
const REFRESH_S = 3600;

interface TowerRecord {
  address: string;
  id: string;
  addedAt: number;
  /** The newest push signed for this tower (its package text is the outbox's). */
  push?: { version: number; signature: string };
  confirmedVersion?: number;
  lastConfirmedAt?: number;
  lastError?: string;
}

interface RemoteTowers {
  towers: TowerRecord[];
}

interface Outbox {
  version: number;
  package: string;
}

const now = () => Math.floor(Date.now() / 1000);

function read(wallet: WalletService): RemoteTowers {
  const raw = wallet.meta(REMOTE_TOWERS_META);
  return raw ? (JSON.parse(raw) as RemoteTowers) : { towers: [] };
}

function write(wallet: WalletService, rt: RemoteTowers): void {
  wallet.setMeta(REMOTE_TOWERS_META, JSON.stringify(rt));
}

function outbox(wallet: WalletService): Outbox | undefined {
  const raw = wallet.meta(OUTBOX_META);
  return raw ? (JSON.parse(raw) as Outbox) : undefined;
}

/** `host:port` with a port from 1 to 65535, `[v6]:port` too. */
function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(address);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65_535) throw new CofferError('usage', `A tower's address is HOST:PORT, not ${JSON.stringify(address)}.`);
  return { host: (m[1] ?? m[2])!, port };
}

function info(t: TowerRecord, at: number): TowerInfo {
  const pending = t.push && t.push.version !== t.confirmedVersion ? t.push.version : undefined;
  // Versions are the signing time in ms: a pending one is as old as its version.
  const stale =
    (pending !== undefined && at - Math.floor(pending / 1000) > PENDING_STALE_S) ||
    (t.lastConfirmedAt === undefined ? t.push !== undefined && at - t.addedAt > PENDING_STALE_S : at - t.lastConfirmedAt > CONFIRMED_STALE_S);
  return {
    address: t.address,
    id: t.id,
    ...(t.lastConfirmedAt !== undefined ? { lastConfirmedAt: t.lastConfirmedAt } : {}),
    ...(t.confirmedVersion !== undefined ? { confirmedVersion: t.confirmedVersion } : {}),
    ...(pending !== undefined ? { pendingVersion: pending } : {}),
    stale,
    ...(t.lastError !== undefined ? { lastError: t.lastError } : {}),
  };
}

export function listTowers(wallet: WalletService, at = now()): TowerInfo[] {
  return read(wallet).towers.map((t) => info(t, at));
}

/** Pin a tower. A wallet with vaults signs a new version of its package for its towers at once (the seed is needed). */
export function addTower(wallet: WalletService, address: string, id: string): TowerInfo {
  splitAddress(address);
  const rt = read(wallet);
  if (rt.towers.some((t) => t.id === id)) throw new CofferError('invalid-setting', `Tower ${id} is already in the list; remove it first to change its address.`, { key: 'tower' });
  if (rt.towers.length >= MAX_TOWERS) throw new CofferError('invalid-setting', `A wallet pushes to at most ${MAX_TOWERS} towers.`, { key: 'tower', max: MAX_TOWERS });
  // With vaults, the new tower gets a signed package now: that needs the seed.
  if (wallet.meta(ANNOUNCE_KEY_META) && wallet.locked) throw new CofferError('wallet-locked', 'Unlock the wallet (or give its password) to sign your vaults\' package for this tower.');
  rt.towers.push({ address, id, addedAt: now() });
  write(wallet, rt);
  signTowerPushes(wallet);
  return info(read(wallet).towers.find((t) => t.id === id)!, now());
}

export function removeTower(wallet: WalletService, id: string): { removed: true } {
  const rt = read(wallet);
  if (!rt.towers.some((t) => t.id === id)) throw new CofferError('invalid-setting', `No tower ${id} in this wallet's list.`, { key: 'tower' });
  rt.towers = rt.towers.filter((t) => t.id !== id);
  write(wallet, rt);
  if (rt.towers.length === 0) wallet.setMeta(OUTBOX_META, '');
  return { removed: true };
}

/**
 * After every vault change (the flows that call serveTowers, with the wallet unlocked): a new
 * version of the keyless package, signed by the announcement key for each tower. Nothing secret
 * leaves: the package has no key, the signature binds it to one tower and one version.
 */
export function signTowerPushes(wallet: WalletService): void {
  const rt = read(wallet);
  if (rt.towers.length === 0 || !wallet.meta(ANNOUNCE_KEY_META)) return;
  const text = JSON.stringify(towerPackage(wallet));
  const version = Math.max(Date.now(), (outbox(wallet)?.version ?? 0) + 1);
  const pushes = wallet.withSeed((seed) => {
    const a = announceKey(seed, wallet.network);
    try {
      return rt.towers.map((t) => signPush(hex.decode(t.id), version, text, a.secret).signature);
    } finally {
      a.secret.fill(0);
    }
  });
  wallet.setMeta(OUTBOX_META, JSON.stringify({ version, package: text } satisfies Outbox));
  rt.towers.forEach((t, i) => (t.push = { version, signature: pushes[i]! }));
  write(wallet, rt);
}

/** A direct TCP connection, open once `connect` fires (a failure is the tower unreachable). */
function direct(address: string, host: string, port: number): Promise<net.Socket> {
  // A lookup would name the onion service to the resolver.
  if (isOnion(host)) return Promise.reject(new CofferError('peer-unreachable', `The tower at ${address} is a Tor onion service: it can be reached only through a Tor proxy (--proxy, or the light client's proxy setting).`));
  const socket = net.connect({ host, port });
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new CofferError('peer-unreachable', `The tower at ${address} cannot be reached (${e.code ?? 'error'}).`));
    });
  });
}

/**
 * One push to one tower: connect (through the wallet's SOCKS5 proxy when it has one: the tower
 * named to it, on a circuit of its own), prove its id, send, wait for its answer.
 */
export async function sendPush(address: string, id: string, push: Push, timeoutMs: number, proxy?: Socks5Proxy): Promise<Reply> {
  const { host, port } = splitAddress(address);
  let socket: net.Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CofferError('peer-unreachable', `The tower at ${address} did not answer within ${timeoutMs / 1000} s.`)), timeoutMs);
  });
  try {
    return await Promise.race([
      (async () => {
        socket = proxy ? await socks5Connect({ proxy, host, port, timeoutMs }) : await direct(address, host, port);
        socket.on('error', () => {});
        const ch = await towerHandshake(socket, hex.decode(id), timeoutMs);
        ch.send(push);
        return parseReply(await ch.next());
      })(),
      late,
    ]);
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

/** Which towers a push is due to: an unacked version (unless `backoff` says wait), or an hourly refresh. */
function due(t: TowerRecord, at: number, backoff?: (id: string) => boolean): boolean {
  if (!t.push) return false;
  if (t.push.version !== t.confirmedVersion) return !backoff || backoff(t.id);
  return t.lastConfirmedAt === undefined || at - t.lastConfirmedAt >= REFRESH_S;
}

/**
 * Push the newest signed version to each tower it is due to, all at once; records acks and
 * errors. Returns the ids still unconfirmed. A tower that already holds a newer version of this
 * wallet (another copy of it pushed) counts as confirmed: that is not an alarm.
 */
export async function pushTowers(wallet: WalletService, timeoutMs: number, opts: { backoff?: (id: string, ok?: boolean) => boolean; proxy?: Socks5Proxy | undefined } = {}): Promise<string[]> {
  const { backoff, proxy } = opts;
  const rt = read(wallet);
  const at = now();
  const targets = rt.towers.filter((t) => due(t, at, backoff));
  const out = targets.length > 0 ? outbox(wallet) : undefined;
  if (!out) return rt.towers.filter((t) => t.push && t.push.version !== t.confirmedVersion).map((t) => t.id);
  const results = await Promise.all(
    // Every tower is signed for the outbox's version at once; anything else waits for the next signing.
    targets.filter((t) => t.push!.version === out.version).map(async (t) => {
      const push: Push = { type: 'push', announceKey: wallet.meta(ANNOUNCE_KEY_META)!, version: t.push!.version, package: out.package, signature: t.push!.signature };
      try {
        return { t, reply: await sendPush(t.address, t.id, push, timeoutMs, proxy) };
      } catch (e) {
        return { t, error: e instanceof Error ? e.message : 'error' };
      }
    }),
  );
  // Read again: a flow may have signed a newer version meanwhile; only what was sent is recorded.
  const fresh = read(wallet);
  for (const r of results) {
    const t = fresh.towers.find((x) => x.id === r.t.id);
    if (!t) continue;
    const version = r.t.push!.version;
    const acked = r.reply && (r.reply.type === 'ack' || (r.reply.reason === 'stale' && (r.reply.version ?? 0) >= version));
    backoff?.(t.id, !!acked);
    if (acked) {
      t.confirmedVersion = Math.max(t.confirmedVersion ?? 0, version);
      t.lastConfirmedAt = now();
      delete t.lastError;
    } else {
      t.lastError = r.error ?? (r.reply?.type === 'refused' ? `refused (${r.reply.reason}): ${r.reply.message}` : 'no answer');
    }
  }
  write(wallet, fresh);
  return fresh.towers.filter((t) => t.push && t.push.version !== t.confirmedVersion).map((t) => t.id);
}

/** The core's retries: every few seconds, each unconfirmed tower after a backoff that doubles to 5 minutes. */
export class TowerPusher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly waits = new Map<string, { next: number; delay: number }>();

  constructor(
    private readonly wallet: () => WalletService | undefined,
    private readonly onError: (e: unknown) => void,
    /** The SOCKS5 proxy the wallet's peers use, if any: the pushes take it too. */
    private readonly proxy: () => Socks5Proxy | undefined = () => undefined,
  ) {}

  start(tickMs = 2_000): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  private readonly backoff = (id: string, ok?: boolean): boolean => {
    const w = this.waits.get(id);
    if (ok === undefined) return !w || Date.now() >= w.next;
    if (ok) this.waits.delete(id);
    else {
      const delay = Math.min((w?.delay ?? 1_000) * 2, 300_000);
      this.waits.set(id, { next: Date.now() + delay, delay });
    }
    return ok;
  };

  async tick(): Promise<void> {
    const w = this.wallet();
    if (this.running || !w || !w.hasWallet()) return;
    this.running = true;
    try {
      await pushTowers(w, 10_000, { backoff: this.backoff, proxy: this.proxy() });
    } catch (e) {
      this.onError(e);
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
