// A wallet's chain backend setting: what the UI may set and what only the `coffer` command may (a
// cookie file path), how it is stored (an RPC password only encrypted under the wallet seed), and
// the RPC credentials it gives. The core never sends a file's content or a saved password to a
// node address other than the one it was saved with.

import net from 'node:net';
import type { BackendConfig, BackendView } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { openWithSeed, sealWithSeed } from '../keys/seed-box.js';
import { parseServerUrl, serverName } from '../node/electrum/client.js';
import { readCookie, type RpcAuth } from '../node/rpc-client.js';
import { defaultBackendKind } from '../node/source-factory.js';
import { parseHostPort } from '../p2p/pool.js';
import { isOnion, parseProxyUrl, proxyUrl } from '../p2p/socks5.js';
import type { WalletService } from './wallet-service.js';

/** The setting as `wallet_meta.backend` holds it (JSON). */
export type StoredBackend =
  | { kind: 'spv'; connect: string[]; proxy?: string }
  | { kind: 'filters'; connect: string[]; relay?: boolean; proxy?: string }
  | { kind: 'node'; connect: string[]; prune: boolean }
  | { kind: 'rpc'; url: string; user?: string; cookieFile?: string; passwordBox?: string }
  | { kind: 'electrum'; servers: string[]; proxy?: string };

/** A setting to store: a new RPC password (`newPassword`) is sealed by storeBackend. */
export type PlannedBackend = StoredBackend & { newPassword?: string };

const META = 'backend';
/** Set by migration 0070, which removed a password older versions stored in plain text. */
export const PASSWORD_REMOVED_META = 'rpc_password_removed';

const CLI_HINT = 'coffer --network NETWORK --backend rpc --rpc-url URL --rpc-cookie FILE config backend';

/** The saved setting; none saved means the network's default (compact filters, BIP37 on regtest). */
export function readBackend(w: WalletService): StoredBackend {
  const raw = w.meta(META);
  if (raw === undefined) return { kind: defaultBackendKind(w.network), connect: [] };
  let b: unknown;
  try {
    b = JSON.parse(raw);
  } catch {
    throw new CofferError('database-corrupt', 'The saved connection setting is damaged; choose the connection again in Settings.', { setting: META });
  }
  const kind = (b as { kind?: unknown } | null)?.kind;
  if (kind !== 'spv' && kind !== 'filters' && kind !== 'node' && kind !== 'rpc' && kind !== 'electrum') {
    throw new CofferError('database-corrupt', 'The saved connection setting is damaged; choose the connection again in Settings.', { setting: META });
  }
  return b as StoredBackend;
}

/** What the UI is shown: the cookie file's path, never a password (only whether one is saved); an Electrum server's pinned certificates. */
export function backendView(w: WalletService, b: StoredBackend, pinned: () => Record<string, string> = () => ({})): BackendView {
  if (b.kind === 'electrum') return { ...b, pinned: pinned() };
  if (b.kind !== 'rpc') return b;
  const status = b.passwordBox ? 'saved' : w.meta(PASSWORD_REMOVED_META) === '1' ? 'removed' : 'none';
  return { kind: 'rpc', url: b.url, ...(b.user ? { user: b.user } : {}), ...(b.cookieFile ? { cookieFile: b.cookieFile } : {}), passwordStatus: status };
}

function ipv4Private(a: number[]): boolean {
  const [x = -1, y = -1] = a;
  return x === 127 || x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 169 && y === 254);
}

/** The 8 groups of an IPv6 address (with any embedded IPv4 tail), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head = '', rest] = s.split('::');
  const part = (p: string) => (p === '' ? [] : p.split(':').map((g) => parseInt(g, 16)));
  const h = part(head);
  const r = rest === undefined ? [] : part(rest);
  const groups = rest === undefined ? h : [...h, ...Array<number>(8 - h.length - r.length).fill(0), ...r];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups;
}

/**
 * True for a host on this computer or its private network, named by address (loopback, RFC 1918,
 * link-local, IPv6 unique-local) or as localhost. A DNS name may point anywhere, so it is not.
 */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return ipv4Private(h.split('.').map(Number));
  if (!net.isIPv6(h)) return false;
  const g = ipv6Groups(h);
  if (!g) return false;
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = g;
  if (g.slice(0, 7).every((x) => x === 0) && g7 === 1) return true; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) return ipv4Private([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
  return (g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80;
}

function normalUrl(url: string): string {
  try {
    return new URL(url).toString();
  } catch {
    throw new CofferError('usage', 'The RPC address must be a URL like http://127.0.0.1:8332/.');
  }
}

/**
 * Check a backend the UI (or any API caller) asks for against the saved one. A cookie file is
 * never set this way: it is kept only as saved, for the same URL. A new RPC address outside this
 * computer and its private network needs `publicHostConfirmed` (the UI asks first). A saved
 * password is kept only for the same URL and user.
 */
export function planFromCall(next: BackendConfig, saved: StoredBackend | undefined): PlannedBackend {
  if (next.kind === 'spv') return peersPlan('spv', next.connect ?? [], next.proxy);
  if (next.kind === 'filters') return { ...peersPlan('filters', next.connect ?? [], next.proxy), ...(next.relay === false ? { relay: false } : {}) };
  if (next.kind === 'electrum') return electrumPlan(next.servers, next.proxy);
  if (next.kind !== 'rpc') return { kind: 'node', connect: next.connect ?? [], prune: next.prune ?? false };
  const url = normalUrl(next.url);
  const prev = saved?.kind === 'rpc' ? { ...saved, url: normalUrl(saved.url) } : undefined;
  const host = new URL(url).hostname;
  if (prev?.url !== url && !isPrivateHost(host) && next.publicHostConfirmed !== true) {
    throw new CofferError(
      'rpc-host-public',
      `${host} is not on this computer or its private network: confirm that Coffer may send your RPC credentials and ask about your addresses there.`,
      { host },
    );
  }
  const user = next.user ? next.user : undefined;
  if (next.cookieFile !== undefined) {
    if (prev?.cookieFile === undefined || prev.cookieFile !== next.cookieFile || prev.url !== url) {
      throw new CofferError('cookie-file-cli-only', `A cookie file can be chosen only with the coffer command, together with its node's address: ${CLI_HINT}.`, {
        reason: prev?.cookieFile === next.cookieFile ? 'url-changed' : 'path',
      });
    }
    if (user !== undefined || next.password) throw new CofferError('usage', 'Use either the cookie file or a user name and password, not both.');
    return { kind: 'rpc', url, cookieFile: prev.cookieFile };
  }
  if (next.password) return { kind: 'rpc', url, ...(user ? { user } : {}), newPassword: next.password };
  const keep = prev?.passwordBox !== undefined && prev.url === url && prev.user === user;
  return { kind: 'rpc', url, ...(user ? { user } : {}), ...(keep ? { passwordBox: prev.passwordBox } : {}) };
}

/** Electrum servers and a proxy, checked: each tcp:// or ssl://HOST:PORT, an onion server only through the proxy. */
export function electrumPlan(servers: string[], proxy: string | undefined): Extract<StoredBackend, { kind: 'electrum' }> {
  const p = proxy ? parseProxyUrl(proxy) : undefined;
  const parsed = servers.map(parseServerUrl);
  const onion = parsed.find((s) => isOnion(s.host));
  if (onion && !p) throw new CofferError('usage', `${serverName(onion)} is a Tor onion service: it can be reached only through a Tor proxy (socks5://127.0.0.1:9050).`, { field: 'proxy' });
  return { kind: 'electrum', servers: parsed.map(serverName), ...(p ? { proxy: proxyUrl(p) } : {}) };
}

/** A light client's peers and proxy, checked: an onion peer needs the proxy. */
function peersPlan<K extends 'spv' | 'filters'>(kind: K, connect: string[], proxy: string | undefined): { kind: K; connect: string[]; proxy?: string } {
  const p = proxy ? parseProxyUrl(proxy) : undefined;
  const onion = connect.find((c) => isOnion(parseHostPort(c, 1)?.host ?? ''));
  if (onion && !p) throw new CofferError('usage', `${onion} is a Tor onion service: it can be reached only through a Tor proxy (socks5://127.0.0.1:9050).`, { field: 'proxy' });
  return { kind, connect, ...(p ? { proxy: proxyUrl(p) } : {}) };
}

function purpose(url: string, user: string | undefined): string {
  return `rpc-password\n${normalUrl(url)}\n${user ?? ''}`;
}

/** Store a setting; a new RPC password is sealed under the seed (the wallet must be unlocked). */
export function storeBackend(w: WalletService, plan: PlannedBackend): StoredBackend {
  const { newPassword, ...rest } = plan;
  let stored: StoredBackend = rest;
  if (newPassword !== undefined && rest.kind === 'rpc') {
    const box = w.withSeed((seed) => sealWithSeed(seed, purpose(rest.url, rest.user), newPassword));
    stored = { ...rest, passwordBox: box };
  }
  w.setMeta(META, JSON.stringify(stored));
  if (stored.kind === 'rpc' && stored.passwordBox) w.setMeta(PASSWORD_REMOVED_META, '0');
  return stored;
}

/** True when the backend can reach its node only while the wallet is unlocked. */
export function needsUnlock(b: StoredBackend): boolean {
  return b.kind === 'rpc' && b.passwordBox !== undefined;
}

/** The RPC credentials of a saved rpc backend: from its cookie file, or its password (unlocked only). */
export function rpcAuthOf(w: WalletService, b: Extract<StoredBackend, { kind: 'rpc' }>): RpcAuth {
  if (b.cookieFile !== undefined) return readCookie(b.cookieFile);
  if (b.passwordBox === undefined) return { user: b.user ?? '', password: '' };
  if (w.locked) {
    throw new CofferError(
      'wallet-locked',
      'Coffer reaches your Bitcoin Core node only while the wallet is unlocked: its RPC password is stored encrypted with your wallet key. Unlock to sync, or use a cookie file.',
      { reason: 'rpc-password' },
    );
  }
  const box = b.passwordBox;
  return { user: b.user ?? '', password: w.withSeed((seed) => openWithSeed(seed, purpose(b.url, b.user), box), { activity: false }) };
}
