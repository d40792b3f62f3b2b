// A `coffer` command as a client of the contract (src/api/contract.ts): its calls go to the
// wallet's running daemon, else to a core made in this process for the one command. Either way
// the params are checked by the contract's schema before anything starts.

import { parseCall, type Method, type Params, type Results } from '../api/contract.js';
import { CofferError, fromWire, type WireError } from '../api/errors.js';
import { Core } from '../service/core.js';
import { callDaemon, findDaemon } from '../service/daemon.js';
import { networkPaths } from '../service/datadir.js';
import { fileLogger } from '../service/log.js';
import { proxyOption, sourceFor } from './backend.js';
import type { Context } from './command.js';

export type Call = <M extends Method>(method: M, params: Params<M>) => Promise<Results[M]>;

export interface ClientOptions {
  /**
   * The call needs this network's wallet (opened first). Without it the calls stay in this
   * process: nothing of the wallet is needed (a PSBT to finalize), and a large PSBT need not
   * cross to the daemon.
   */
  wallet: boolean;
  /** The call reaches the chain: the core uses the source of this command's backend flags. */
  chain?: boolean;
  /** Bring the wallet up to date first; a sync that fails fails the command, as it always has. */
  sync?: boolean;
}

function checked<M extends Method>(method: M, params: Params<M>): void {
  if (parseCall(method, params)) return;
  // An empty password file is a missing password, not malformed parameters.
  const empty = Object.entries(params as Record<string, unknown>).some(([k, v]) => /password/i.test(k) && v === '');
  if (empty) throw new CofferError('password-required', 'A password is required: the password file is empty.');
  throw new CofferError('usage', `Malformed parameters for ${method}; see coffer help.`);
}

/** The daemon of this wallet when one answers; a daemon that died leaves its files behind. */
async function liveDaemon(ctx: Context): Promise<Call | undefined> {
  const d = findDaemon(ctx.datadir, ctx.network);
  if (!d) return undefined;
  try {
    await callDaemon(d, 'app.status', {});
  } catch (e) {
    if (e instanceof CofferError && e.code === 'daemon-unavailable') return undefined;
    throw e;
  }
  return <M extends Method>(method: M, params: Params<M>) => {
    checked(method, params);
    return callDaemon<Results[M]>(d, method, params);
  };
}

/**
 * A core's error raised again here. An internal one stays internal (the core logged what it was):
 * the command prints the same one line it always printed for an unexpected error.
 */
function raise(error: WireError): never {
  if (error.code === 'internal') throw new Error('An unexpected internal error occurred in the core.');
  throw fromWire(error.code, error.message, error.details);
}

async function syncFirst(call: Call): Promise<void> {
  await call('sync.now', {});
  const { sync } = await call('app.status', {});
  if (sync.phase === 'error' && sync.error) raise(sync.error);
}

/** Run `fn` with calls of the contract, on the daemon or an in-process core stopped afterwards. */
export async function withContract<T>(ctx: Context, opts: ClientOptions, fn: (call: Call) => Promise<T>): Promise<T> {
  const daemon = opts.wallet ? await liveDaemon(ctx) : undefined;
  if (daemon) {
    if (opts.sync) await syncFirst(daemon);
    return fn(daemon);
  }
  const core = new Core(ctx.datadir, { command: true });
  const call: Call = async <M extends Method>(method: M, params: Params<M>) => {
    checked(method, params);
    const r = await core.call(method, params);
    if (!r.ok) raise(r.error);
    return r.value as Results[M];
  };
  try {
    if (opts.chain) core.overrideSource(sourceFor(ctx, fileLogger(networkPaths(ctx.datadir, ctx.network).logs)), proxyOption(ctx));
    if (opts.wallet) await call('app.open', { network: ctx.network });
    if (opts.sync) await syncFirst(call);
    return await fn(call);
  } finally {
    await core.stop();
  }
}

/** One call of the contract (see withContract). */
export function contractCall<M extends Method>(ctx: Context, opts: ClientOptions, method: M, params: Params<M>): Promise<Results[M]> {
  return withContract(ctx, opts, (call) => call(method, params));
}
