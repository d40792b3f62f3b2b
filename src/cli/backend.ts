// The chain source a command uses: --backend filters (BIP157/158 compact filters; the default but on
// regtest), spv (BIP37), node (the embedded bcoin node), rpc (the user's Bitcoin Core) or electrum
// (the user's Electrum servers, --server), with their flags.

import path from 'node:path';
import { CofferError } from '../api/errors.js';
import { chainParams } from '../chain/params.js';
import { embeddedRpc, supportsEmbeddedNode } from '../node/embedded-node.js';
import { parseServerUrl, serverName, type ElectrumServer } from '../node/electrum/client.js';
import { readCookie, RpcClient, type RpcAuth } from '../node/rpc-client.js';
import { BLOOM_WARNING, defaultBackendKind, sourceFactory, type SourceFactory } from '../node/source-factory.js';
import { parseHostPort } from '../p2p/pool.js';
import { isOnion, parseProxyUrl, proxyUrl, type Socks5Proxy } from '../p2p/socks5.js';
import { electrumPlan, type PlannedBackend } from '../service/backend-setting.js';
import { ensureDir, networkPaths } from '../service/datadir.js';
import { filePins } from '../service/electrum-pins.js';
import type { Logger } from '../service/log.js';
import { stringOption, stringsOption, type Context, type OptionSpec } from './command.js';
import { readSecretFile } from './secrets.js';

export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'spv|filters|node|rpc|electrum', help: 'chain source: BIP37 peers (default on regtest), compact-filter peers (default elsewhere), the embedded node, Bitcoin Core RPC, your Electrum server' },
  server: { type: 'string', multiple: true, value: 'tcp://HOST:PORT|ssl://HOST:PORT', help: 'Electrum server (with --backend electrum; repeatable): it learns your addresses, so use your own or Tor' },
  connect: { type: 'string', multiple: true, value: 'HOST:PORT', help: 'peer to use (repeatable; NAME.onion:PORT with --proxy); otherwise DNS seeds' },
  proxy: { type: 'string', value: 'socks5://HOST:PORT', help: 'every peer connection through this SOCKS5 proxy (Tor), one circuit per peer; no DNS query from here' },
  v2: { type: 'boolean', help: 'BIP324 encrypted transport first with every peer, --connect ones included (v1 when a peer does not speak it); without it only with peers that advertise it' },
  'no-tx-relay': { type: 'boolean', help: 'with --backend filters: fetch no relayed transactions (incoming payments show at their first confirmation)' },
  'rpc-url': { type: 'string', value: 'URL', help: 'Bitcoin Core JSON-RPC URL (with --backend rpc)' },
  'rpc-cookie': { type: 'string', value: 'FILE', help: 'Bitcoin Core cookie file' },
  'rpc-user': { type: 'string', value: 'USER', help: 'RPC user (with --rpc-password-file)' },
  'rpc-password-file': { type: 'string', value: 'FILE', help: 'file holding the RPC password' },
};

export function connectList(ctx: Context): string[] {
  const list = stringsOption(ctx, 'connect');
  const port = chainParams(ctx.network).port;
  for (const c of list) {
    const peer = parseHostPort(c, port);
    if (!peer) throw new CofferError('usage', `--connect needs HOST:PORT, got "${c}"`);
    if (isOnion(peer.host) && stringOption(ctx, 'proxy') === undefined) {
      throw new CofferError('usage', `${c} is a Tor onion service: reach it through Tor with --proxy socks5://127.0.0.1:9050`, { field: 'connect' });
    }
  }
  return list;
}

/** --server, each checked; an onion server needs --proxy. */
export function serverList(ctx: Context): ElectrumServer[] {
  return stringsOption(ctx, 'server').map((text) => {
    const server = parseServerUrl(text);
    if (isOnion(server.host) && stringOption(ctx, 'proxy') === undefined) {
      throw new CofferError('usage', `${text} is a Tor onion service: reach it through Tor with --proxy socks5://127.0.0.1:9050`, { field: 'server' });
    }
    return server;
  });
}

/** --proxy, for the light client's peers; a typed `usage` error for a bad URL or another backend. */
export function proxyOption(ctx: Context): Socks5Proxy | undefined {
  const text = stringOption(ctx, 'proxy');
  if (text === undefined) return undefined;
  const backend = backendName(ctx);
  if (backend !== 'spv' && backend !== 'filters' && backend !== 'electrum') throw new CofferError('usage', '--proxy is for the light client\'s peers and Electrum servers (--backend filters, spv or electrum); the embedded node and Bitcoin Core RPC do not use it.', { field: 'proxy' });
  return parseProxyUrl(text);
}

function rpcAuth(ctx: Context): RpcAuth {
  const cookie = stringOption(ctx, 'rpc-cookie');
  const user = stringOption(ctx, 'rpc-user');
  const pwFile = stringOption(ctx, 'rpc-password-file');
  if (cookie !== undefined && (user !== undefined || pwFile !== undefined)) {
    throw new CofferError('usage', 'give either --rpc-cookie or --rpc-user with --rpc-password-file, not both');
  }
  if (cookie !== undefined) return readCookie(cookie);
  if (user !== undefined && pwFile !== undefined) return { user, password: readSecretFile(pwFile, 'RPC password') };
  throw new CofferError('usage', '--backend rpc needs --rpc-cookie FILE, or --rpc-user USER and --rpc-password-file FILE');
}

export function backendName(ctx: Context): 'spv' | 'filters' | 'node' | 'rpc' | 'electrum' {
  const b = stringOption(ctx, 'backend') ?? defaultBackendKind(ctx.network);
  if (b !== 'spv' && b !== 'filters' && b !== 'node' && b !== 'rpc' && b !== 'electrum') throw new CofferError('usage', '--backend must be spv, filters, node, rpc or electrum');
  if ((b === 'electrum') !== (stringsOption(ctx, 'server').length > 0)) throw new CofferError('usage', b === 'electrum' ? '--backend electrum needs --server tcp://HOST:PORT or ssl://HOST:PORT' : '--server needs --backend electrum', { field: 'server' });
  if (b === 'electrum' && stringsOption(ctx, 'connect').length > 0) throw new CofferError('usage', '--connect is for peers; an Electrum server is named with --server', { field: 'connect' });
  if (b !== 'rpc' && (stringOption(ctx, 'rpc-url') ?? stringOption(ctx, 'rpc-cookie') ?? stringOption(ctx, 'rpc-user')) !== undefined) {
    throw new CofferError('usage', 'the --rpc-* options need --backend rpc');
  }
  if (b !== 'filters' && ctx.options['no-tx-relay'] !== undefined) throw new CofferError('usage', '--no-tx-relay needs --backend filters');
  if ((b === 'node' || b === 'rpc' || b === 'electrum') && ctx.options['v2'] !== undefined) throw new CofferError('usage', '--v2 is for the light client\'s peers (--backend spv or filters)', { field: 'v2' });
  return b;
}

/** The commands that were warned about BIP37 already: one line each. */
const warned = new WeakSet<Context>();

/** BIP37 off regtest (where the test nodes serve no compact filters): one line on stderr. */
function warnBloom(ctx: Context, backend: string): void {
  if (backend !== 'spv' || ctx.network === 'regtest' || warned.has(ctx)) return;
  warned.add(ctx);
  ctx.io.say(`${BLOOM_WARNING}\n`);
}

/** The source factory for this command's flags. */
export function sourceFor(ctx: Context, log: Logger): SourceFactory {
  const backend = backendName(ctx);
  const proxy = proxyOption(ctx);
  warnBloom(ctx, backend);
  const v2 = ctx.options['v2'] === true ? { transport: 'v2' as const } : {};
  if (backend === 'spv') return sourceFactory({ kind: 'spv', connect: connectList(ctx), ...(proxy ? { proxy } : {}), ...v2 }, log);
  if (backend === 'filters') return sourceFactory({ kind: 'filters', connect: connectList(ctx), relay: ctx.options['no-tx-relay'] !== true, ...(proxy ? { proxy } : {}), ...v2 }, log);
  if (backend === 'node') return sourceFactory({ kind: 'node', rpc: embeddedRpc(ctx.datadir, ctx.network) }, log);
  if (backend === 'electrum') {
    const dir = networkPaths(ctx.datadir, ctx.network).dir;
    ensureDir(dir);
    return sourceFactory({ kind: 'electrum', servers: serverList(ctx), pins: filePins(dir), ...(proxy ? { proxy } : {}) }, log);
  }
  const url = stringOption(ctx, 'rpc-url');
  if (url === undefined) throw new CofferError('usage', '--backend rpc needs --rpc-url URL');
  return sourceFactory({ kind: 'rpc', rpc: new RpcClient(url, rpcAuth(ctx)) }, log);
}

/**
 * The chain source the app will use, from this command's flags (`coffer config backend`). The one
 * way to give the app a cookie file: the path and the node's URL come together from the user.
 */
export function backendSettingFor(ctx: Context): PlannedBackend {
  if (stringOption(ctx, 'backend') === undefined) throw new CofferError('usage', 'config backend needs --backend spv, filters, node, rpc or electrum');
  const backend = backendName(ctx);
  const proxy = proxyOption(ctx);
  warnBloom(ctx, backend);
  if (ctx.options['v2'] !== undefined) throw new CofferError('usage', 'the app\'s setting does not keep --v2: give it to each command (peers that advertise BIP324 get it anyway)', { field: 'v2' });
  if (backend === 'electrum') return electrumPlan(serverList(ctx).map(serverName), proxy ? proxyUrl(proxy) : undefined);
  if (backend === 'spv') return { kind: 'spv', connect: connectList(ctx), ...(proxy ? { proxy: proxyUrl(proxy) } : {}) };
  if (backend === 'filters') return { kind: 'filters', connect: connectList(ctx), ...(ctx.options['no-tx-relay'] === true ? { relay: false } : {}), ...(proxy ? { proxy: proxyUrl(proxy) } : {}) };
  if (backend === 'node') {
    if (!supportsEmbeddedNode(ctx.network)) throw new CofferError('backend-unavailable', `The embedded node (bcoin 1.0.2) does not support ${ctx.network}; use the light client or Bitcoin Core.`);
    return { kind: 'node', connect: connectList(ctx), prune: false };
  }
  const url = stringOption(ctx, 'rpc-url');
  if (url === undefined) throw new CofferError('usage', '--backend rpc needs --rpc-url URL');
  // The same checks as a connection makes (http or https, no credentials in the URL).
  new RpcClient(url, { user: '', password: '' });
  const normal = new URL(url).toString();
  const cookie = stringOption(ctx, 'rpc-cookie');
  const user = stringOption(ctx, 'rpc-user');
  const pwFile = stringOption(ctx, 'rpc-password-file');
  if (cookie !== undefined && (user !== undefined || pwFile !== undefined)) {
    throw new CofferError('usage', 'give either --rpc-cookie or --rpc-user with --rpc-password-file, not both');
  }
  if (cookie !== undefined) {
    const file = path.resolve(cookie);
    readCookie(file); // refuse a file that is not a cookie now, not at the app's next sync
    return { kind: 'rpc', url: normal, cookieFile: file };
  }
  if (user !== undefined && pwFile !== undefined) return { kind: 'rpc', url: normal, user, newPassword: readSecretFile(pwFile, 'RPC password') };
  throw new CofferError('usage', '--backend rpc needs --rpc-cookie FILE, or --rpc-user USER and --rpc-password-file FILE');
}
