// `coffer daemon`, `coffer ln info|invoice|pay|keysend|decode|payments|invoices|import-gossip` and `coffer channel open|list|close`.
//
// Lightning needs a process that stays connected, so these commands go to the running daemon of
// the wallet (found by its cookie file). Without one they run standalone: the command starts the
// wallet's Lightning node in its own process, waits a few seconds for the channels' peers to
// reconnect, does its work and stops (`ln info`, `decode`, `payments` and `invoices` need no node at all).

import path from 'node:path';
import { CofferError, unwrap, type Result } from '../api/errors.js';
import { checkOpen, type ChannelNodeOptions, type InboundPolicy } from '../channels/options.js';
import { acquireLock } from '../service/lock-file.js';
import { METHODS, parseCall, type Results } from '../api/contract.js';
import { ldkSeed } from '../channels/channel-keys.js';
import { Core } from '../service/core.js';
import { callDaemon, findDaemon, startControl, type ControlServer } from '../service/daemon.js';
import { networkPaths } from '../service/datadir.js';
import { fileLogger } from '../service/log.js';
import { BACKEND_OPTIONS, proxyOption, sourceFor } from './backend.js';
import { stringOption, stringsOption, type Command, type Context } from './command.js';
import { untilStopped } from './until-stopped.js';
import { readFileLimited } from '../service/files.js';
import { contractCall } from './contract-client.js';

const BACKEND_FLAGS = Object.keys(BACKEND_OPTIONS);

/** How long a standalone command waits for its channels' peers to come back before it acts. */
const RECONNECT_WAIT_MS = 10_000;

/** The wallet's core opened and unlocked in this process, with the backend flags applied. */
async function openCore(ctx: Context, lightning: ChannelNodeOptions = {}): Promise<{ core: Core; call: <T>(method: string, params: unknown) => Promise<T> }> {
  const password = await ctx.password();
  const core = new Core(ctx.datadir);
  // Unlocking starts Lightning by itself when the wallet has channels: with these options.
  core.lightningOptions = lightning;
  const call = async <T>(method: string, params: unknown): Promise<T> => unwrap((await core.call(method, params)) as Result<T>, 'lightning-unavailable');
  if (BACKEND_FLAGS.some((f) => ctx.options[f] !== undefined)) core.overrideSource(sourceFor(ctx, fileLogger(networkPaths(ctx.datadir, ctx.network).logs)), proxyOption(ctx));
  try {
    await call('app.open', { network: ctx.network });
    await call('wallet.unlock', { password });
  } catch (e) {
    await core.stop();
    throw e;
  }
  return { core, call };
}

/**
 * A Lightning call: to the daemon when one runs, else through a node started for this command.
 * The parameters are checked first: a typo must not cost the 15 s of starting LDK to be told.
 */
async function lightningCall<T>(ctx: Context, method: string, params: unknown): Promise<T> {
  if (!parseCall(method, params)) throw new CofferError('usage', `Malformed parameters for ${method}; see coffer help.`);
  const d = findDaemon(ctx.datadir, ctx.network);
  if (d) {
    try {
      return await callDaemon<T>(d, method, params);
    } catch (e) {
      // A daemon that died leaves its files behind: go on without it.
      if (!(e instanceof CofferError && e.code === 'daemon-unavailable')) throw e;
    }
  }
  const { core, call } = await openCore(ctx);
  try {
    core.keepUnlocked();
    const node = await core.startLightning();
    const deadline = Date.now() + RECONNECT_WAIT_MS;
    while (Date.now() < deadline && node.list().some((c) => c.state === 'ready' && !c.usable)) await new Promise((r) => setTimeout(r, 100));
    return await call<T>(method, params);
  } finally {
    await core.stop();
  }
}

function wholeNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw new CofferError('usage', `--${name} must be a whole number, got "${text}"`);
  return Number(text);
}

/**
 * `--ln-listen [HOST:]PORT`: the Lightning port, on 127.0.0.1 unless a host is named (another
 * machine reaches it only when the user says so, e.g. `0.0.0.0:9735`). IPv6 hosts in brackets.
 */
export function listenOption(text: string | undefined): { host: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : -1;
  if (!m || port > 65535) throw new CofferError('usage', '--ln-listen takes PORT or HOST:PORT');
  return { host: m[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
}

/** Channels a peer opens to the default inbound policy: from 20,000 sats up to the non-wumbo maximum. */
const INBOUND_DEFAULTS: InboundPolicy = { minSat: 20_000, maxSat: 16_777_215, maxPendingPerPeer: 1 };

/**
 * `--ln-accept-inbound` with its limits (`--ln-min-channel`, `--ln-max-channel`, `--ln-max-pending`):
 * which channels peers may open to this node. Without it every such request is refused.
 */
export function inboundOption(options: { accept: boolean; min?: string | undefined; max?: string | undefined; pending?: string | undefined }): InboundPolicy | undefined {
  const { accept, min, max, pending } = options;
  if (!accept) {
    if (min !== undefined || max !== undefined || pending !== undefined) throw new CofferError('usage', '--ln-min-channel, --ln-max-channel and --ln-max-pending need --ln-accept-inbound');
    return undefined;
  }
  const policy = {
    minSat: wholeNumber(min, 'ln-min-channel') ?? INBOUND_DEFAULTS.minSat,
    maxSat: wholeNumber(max, 'ln-max-channel') ?? INBOUND_DEFAULTS.maxSat,
    maxPendingPerPeer: wholeNumber(pending, 'ln-max-pending') ?? INBOUND_DEFAULTS.maxPendingPerPeer,
  };
  if (policy.minSat < 1_000) throw new CofferError('usage', '--ln-min-channel is at least 1000 sats');
  if (policy.maxSat < policy.minSat) throw new CofferError('usage', '--ln-max-channel must not be below --ln-min-channel');
  if (policy.maxSat > 21_000_000 * 100_000_000) throw new CofferError('usage', '--ln-max-channel is more bitcoin than exists');
  if (policy.maxPendingPerPeer < 1 || policy.maxPendingPerPeer > 10) throw new CofferError('usage', '--ln-max-pending is from 1 to 10');
  return policy;
}

/** The node id from the seed, without starting LDK's channel manager. */
async function nodeIdFromSeed(ctx: Context): Promise<string> {
  // LDK loads only for the commands that use it (a second of start-up for every other command).
  const [{ hex, loadLdk }, ldk] = await Promise.all([import('../channels/ldk.js'), import('lightningdevkit')]);
  await loadLdk();
  const wallet = ctx.wallet();
  wallet.unlock(await ctx.password());
  const seed = wallet.withSeed((s) => ldkSeed(s, wallet.network));
  const keys = ldk.KeysManager.constructor_new(seed, 0n, 0);
  seed.fill(0);
  const id = keys.as_NodeSigner().get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK)) throw new CofferError('lightning-unavailable', 'LDK could not derive the node key.');
  return hex(id.res);
}

export const daemonCommand: Command = {
  words: ['daemon'],
  summary: 'run the core (sync, watchtower, Lightning) in the background; other commands talk to it',
  options: {
    'ln-listen': { type: 'string', value: '[HOST:]PORT', help: 'accept Lightning peers on this port (on 127.0.0.1 unless HOST is given)' },
    'ln-accept-inbound': { type: 'boolean', help: 'accept channels that peers open to this node (refused otherwise; see docs/ldk-advisories.md)' },
    'ln-min-channel': { type: 'string', value: 'SATS', help: 'with --ln-accept-inbound: the smallest channel accepted (default 20000)' },
    'ln-max-channel': { type: 'string', value: 'SATS', help: 'with --ln-accept-inbound: the largest channel accepted (default 16777215)' },
    'ln-max-pending': { type: 'string', value: 'N', help: 'with --ln-accept-inbound: channels one peer may have opened that are not ready yet (default 1)' },
    'ln-forward': { type: 'boolean', help: 'forward other nodes\' payments through this node\'s channels (off otherwise; see docs/ldk-advisories.md)' },
    'ln-announce': { type: 'boolean', help: 'announce the channels this node opens (and accept announced ones) so others route through them (off otherwise; see docs/ldk-advisories.md)' },
  },
  async run(ctx) {
    const listen = listenOption(stringOption(ctx, 'ln-listen'));
    const inbound = inboundOption({
      accept: ctx.options['ln-accept-inbound'] === true,
      min: stringOption(ctx, 'ln-min-channel'),
      max: stringOption(ctx, 'ln-max-channel'),
      pending: stringOption(ctx, 'ln-max-pending'),
    });
    const lightning: ChannelNodeOptions = { ...(listen ? { listen } : {}), ...(inbound ? { inbound } : {}), ...(ctx.options['ln-forward'] === true ? { forward: true } : {}), ...(ctx.options['ln-announce'] === true ? { announce: true } : {}) };
    if (findDaemon(ctx.datadir, ctx.network)) {
      // A stale file from a daemon that died is harmless; one that answers is a second daemon.
      try {
        await callDaemon(findDaemon(ctx.datadir, ctx.network)!, 'app.status', {});
        throw new CofferError('lightning-unavailable', 'A Coffer daemon is already running for this wallet.');
      } catch (e) {
        if (!(e instanceof CofferError && e.code === 'daemon-unavailable')) throw e;
      }
    }
    // From here on the daemon ends only on SIGINT or SIGTERM, or on an error nothing caught; every
    // way out removes the cookie and daemon.json and stops the core (which releases the lock).
    const { stopped, done } = untilStopped();
    let started: { core: Core; control?: ControlServer } | undefined;
    const startup = (async () => {
      const { core } = await openCore(ctx, lightning);
      started = { core };
      // The daemon has no screen to unlock from again: it keeps the wallet unlocked while it runs.
      core.keepUnlocked();
      const node = await core.startLightning(core.lightningOptions);
      const control = await startControl(core, ctx.datadir, ctx.network);
      started.control = control;
      const info = node.info();
      process.stdout.write(
        `${JSON.stringify({ nodeId: info.nodeId, ...(info.listen !== undefined ? { listen: info.listen, listenHost: info.listenHost } : {}), forwards: info.forwards, ...(info.acceptsChannels ? { acceptsChannels: info.acceptsChannels } : {}), control: control.port })}\n`,
      );
    })();
    try {
      await Promise.race([startup, stopped]);
      await stopped;
    } finally {
      done();
      // A signal during startup: let it finish, then undo it all.
      await startup.catch(() => undefined);
      await started?.control?.close().catch(() => undefined);
      await started?.core.stop().catch(() => undefined);
    }
    return undefined;
  },
};


/** Commands that work on Lightning's stored state refuse while a daemon runs it; `ctx` back. */
function offline(ctx: Context, why: string): Context {
  if (findDaemon(ctx.datadir, ctx.network)) throw new CofferError('lightning-unavailable', `Stop the daemon first: ${why}.`);
  return ctx;
}

/** Run `f` holding the network's Lightning lock (no daemon or other command starts Lightning meanwhile). */
async function withLightningLock<T>(ctx: Context, f: () => Promise<T>): Promise<T> {
  const lock = acquireLock(path.join(networkPaths(ctx.datadir, ctx.network).dir, 'lightning.lock'), 'Lightning');
  try {
    return await f();
  } finally {
    lock.release();
  }
}

export const lightningCommands: Command[] = [
  daemonCommand,
  {
    words: ['ln', 'info'],
    summary: 'this wallet\'s Lightning node id (and listening port when the daemon runs)',
    async run(ctx) {
      const d = findDaemon(ctx.datadir, ctx.network);
      if (d) {
        try {
          return await callDaemon<Results['ln.info']>(d, 'ln.info', {});
        } catch (e) {
          if (!(e instanceof CofferError && e.code === 'daemon-unavailable')) throw e;
        }
      }
      return { nodeId: await nodeIdFromSeed(ctx) };
    },
  },
  {
    words: ['ln', 'invoice'],
    summary: 'create a BOLT 11 invoice to be paid over Lightning',
    options: {
      'amount-msat': { type: 'string', value: 'N', help: 'amount in millisatoshis (omit for any amount)' },
      description: { type: 'string', value: 'TEXT', help: 'what the payment is for (shown to the payer)' },
      expiry: { type: 'string', value: 'SECONDS', help: 'how long the invoice can be paid (default 3600)' },
    },
    async run(ctx) {
      const amountMsat = wholeNumber(stringOption(ctx, 'amount-msat'), 'amount-msat');
      const expirySecs = wholeNumber(stringOption(ctx, 'expiry'), 'expiry');
      const r = await lightningCall<Results['ln.invoice']>(ctx, 'ln.invoice', {
        ...(amountMsat !== undefined ? { amountMsat } : {}),
        description: stringOption(ctx, 'description') ?? '',
        ...(expirySecs !== undefined ? { expirySecs } : {}),
      });
      return { bolt11: r.bolt11, paymentHash: r.paymentHash };
    },
  },
  {
    words: ['ln', 'pay'],
    summary: 'pay a BOLT 11 invoice over the wallet\'s channels',
    args: { names: 'BOLT11', min: 1, max: 1 },
    options: { 'amount-msat': { type: 'string', value: 'N', help: 'amount in millisatoshis (omit for any amount)' } },
    async run(ctx) {
      const amountMsat = wholeNumber(stringOption(ctx, 'amount-msat'), 'amount-msat');
      return lightningCall<Results['ln.pay']>(ctx, 'ln.pay', { bolt11: ctx.positionals[0], ...(amountMsat !== undefined ? { amountMsat } : {}) });
    },
  },
  {
    words: ['ln', 'keysend'],
    summary: 'send a spontaneous payment (keysend) to NODE_ID over the wallet\'s channels',
    args: { names: 'NODE_ID', min: 1, max: 1 },
    options: { 'amount-msat': { type: 'string', value: 'N', help: 'amount in millisatoshis' } },
    async run(ctx) {
      const nodeId = ctx.positionals[0]!;
      if (!METHODS['ln.keysend'].shape.nodeId.safeParse(nodeId).success) throw new CofferError('usage', 'NODE_ID is a 33-byte public key in hex, starting with 02 or 03');
      const amountMsat = wholeNumber(stringOption(ctx, 'amount-msat'), 'amount-msat');
      if (amountMsat === undefined || amountMsat < 1) throw new CofferError('usage', 'ln keysend needs --amount-msat N (at least 1)');
      return lightningCall<Results['ln.keysend']>(ctx, 'ln.keysend', { nodeId, amountMsat });
    },
  },
  {
    words: ['ln', 'decode'],
    summary: 'what a BOLT 11 invoice asks: amount, description, payee, network, expiry, route hints (checked, not paid)',
    args: { names: 'BOLT11', min: 1, max: 1 },
    run: (ctx) => contractCall(ctx, { wallet: true }, 'ln.decode', { bolt11: ctx.positionals[0]! }),
  },
  {
    words: ['ln', 'payments'],
    summary: 'Lightning payments this wallet sent and received, newest first',
    run: (ctx) => contractCall(ctx, { wallet: true }, 'ln.payments', {}),
  },
  {
    words: ['ln', 'invoices'],
    summary: 'invoices this wallet made, newest first: open, paid or expired',
    run: (ctx) => contractCall(ctx, { wallet: true }, 'ln.invoices', {}),
  },
  {
    words: ['channel', 'open'],
    summary: 'open a payment channel funded from this wallet',
    options: {
      peer: { type: 'string', value: 'PUBKEY@HOST:PORT', help: 'the node to open the channel with' },
      amount: { type: 'string', multiple: true, value: 'SATS', help: 'channel size in satoshis' },
      push: { type: 'string', value: 'SATS', help: 'give the peer this much of the channel at once' },
    },
    async run(ctx) {
      const peer = stringOption(ctx, 'peer');
      if (!peer) throw new CofferError('usage', 'channel open needs --peer PUBKEY@HOST:PORT');
      const amounts = stringsOption(ctx, 'amount');
      if (amounts.length !== 1) throw new CofferError('usage', 'channel open needs --amount SATS once');
      const amountSat = wholeNumber(amounts[0], 'amount')!;
      const pushSat = wholeNumber(stringOption(ctx, 'push'), 'push') ?? 0;
      checkOpen(peer, amountSat, pushSat);
      return lightningCall<Results['channel.open']>(ctx, 'channel.open', { peer, amountSat, pushSat });
    },
  },
  {
    words: ['channel', 'backup'],
    summary: 'keep an encrypted channel backup at FILE, rewritten after every channel change (words + file recover channel funds)',
    args: { names: 'FILE', min: 1, max: 1 },
    run: (ctx) => lightningCall<Results['channel.backup']>(ctx, 'channel.backup', { file: path.resolve(ctx.positionals[0]!) }),
  },
  {
    words: ['channel', 'restore'],
    summary: 'after `wallet restore`: close every channel of a backup FILE and bring its funds back (run before the daemon)',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const bytes = readFileLimited(offline(ctx, 'a backup is restored before Lightning starts').positionals[0]!, 'backup');
      const wallet = ctx.wallet();
      wallet.unlock(await ctx.password());
      return withLightningLock(ctx, async () => {
        const { restoreChannels } = await import('../channels/channel-restore.js');
        return restoreChannels(wallet, bytes);
      });
    },
  },
  {
    words: ['ln', 'import-gossip'],
    summary: 'add the channels of a Rapid Gossip Sync snapshot FILE to the graph payments are routed over (run before the daemon)',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const bytes = readFileLimited(offline(ctx, 'the graph it holds would be written over the import').positionals[0]!, 'gossip');
      const wallet = ctx.wallet();
      return withLightningLock(ctx, async () => {
        const [{ importSnapshot }, { loadLdk }] = await Promise.all([import('../channels/routing.js'), import('../channels/ldk.js')]);
        await loadLdk();
        return importSnapshot(wallet.database, wallet.network, bytes, fileLogger(networkPaths(ctx.datadir, ctx.network).logs));
      });
    },
  },
  {
    words: ['channel', 'list'],
    summary: 'the wallet\'s channels: state, capacity, balances, confirmations, peer',
    run: (ctx) => lightningCall<Results['channel.list']>(ctx, 'channel.list', {}),
  },
  {
    words: ['channel', 'close'],
    summary: 'close a channel with the peer\'s agreement, or alone with --force (funds wait the channel\'s delay)',
    args: { names: 'CHANNEL_ID', min: 1, max: 1 },
    options: { force: { type: 'boolean', help: 'close without the peer: broadcast our latest commitment' } },
    run(ctx) {
      const id = ctx.positionals[0]!;
      if (!METHODS['channel.close'].shape.id.safeParse(id).success) throw new CofferError('usage', "CHANNEL_ID is the channel's id, 64 hex digits (see coffer channel list)");
      return lightningCall<Results['channel.close']>(ctx, 'channel.close', { id, force: ctx.options['force'] === true });
    },
  },
];
