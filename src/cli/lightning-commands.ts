// `coffer daemon`, `coffer ln info|invoice|pay` and `coffer channel open|list|close`.
//
// Lightning needs a process that stays connected, so these commands go to the running daemon of
// the wallet (found by its cookie file). Without one they run standalone: the command starts the
// wallet's Lightning node in its own process, waits a few seconds for the channels' peers to
// reconnect, does its work and stops (`ln info` needs no node at all).

import path from 'node:path';
import { CofferError, unwrap, type Result } from '../api/errors.js';
import { restoreChannels, type ChannelNodeOptions } from '../channels/channel-node.js';
import { acquireLock } from '../service/lock-file.js';
import type { Results } from '../api/contract.js';
import { hex, loadLdk } from '../channels/ldk.js';
import { ldkSeed } from '../channels/channel-keys.js';
import { Core } from '../service/core.js';
import { callDaemon, findDaemon, startControl } from '../service/daemon.js';
import * as ldk from 'lightningdevkit';
import { networkPaths } from '../service/datadir.js';
import { fileLogger } from '../service/log.js';
import { BACKEND_OPTIONS, sourceFor } from './backend.js';
import { stringOption, stringsOption, type Command, type Context } from './command.js';
import { readFileLimited } from '../service/files.js';

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
  if (BACKEND_FLAGS.some((f) => ctx.options[f] !== undefined)) core.overrideSource(sourceFor(ctx, fileLogger(networkPaths(ctx.datadir, ctx.network).logs)));
  try {
    await call('app.open', { network: ctx.network });
    await call('wallet.unlock', { password });
  } catch (e) {
    await core.stop();
    throw e;
  }
  return { core, call };
}

/** A Lightning call: to the daemon when one runs, else through a node started for this command. */
async function lightningCall<T>(ctx: Context, method: string, params: unknown): Promise<T> {
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

function listenOption(text: string | undefined): { host: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : -1;
  if (!m || port > 65535) throw new CofferError('usage', '--ln-listen takes PORT or HOST:PORT');
  return { host: m[1] ?? '0.0.0.0', port };
}

/** The node id from the seed, without starting LDK's channel manager. */
async function nodeIdFromSeed(ctx: Context): Promise<string> {
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
  options: { 'ln-listen': { type: 'string', value: '[HOST:]PORT', help: 'accept Lightning peers on this port' } },
  async run(ctx) {
    const listen = listenOption(stringOption(ctx, 'ln-listen'));
    if (findDaemon(ctx.datadir, ctx.network)) {
      // A stale file from a daemon that died is harmless; one that answers is a second daemon.
      try {
        await callDaemon(findDaemon(ctx.datadir, ctx.network)!, 'app.status', {});
        throw new CofferError('lightning-unavailable', 'A Coffer daemon is already running for this wallet.');
      } catch (e) {
        if (!(e instanceof CofferError && e.code === 'daemon-unavailable')) throw e;
      }
    }
    let control;
    const { core } = await openCore(ctx, listen ? { listen } : {});
    try {
      // The daemon has no screen to unlock from again: it keeps the wallet unlocked while it runs.
      core.keepUnlocked();
      const node = await core.startLightning(core.lightningOptions);
      control = await startControl(core, ctx.datadir, ctx.network);
      const info = node.info();
      process.stdout.write(`${JSON.stringify({ nodeId: info.nodeId, ...(info.listen !== undefined ? { listen: info.listen } : {}), control: control.port })}\n`);
    } catch (e) {
      await core.stop();
      throw e;
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await control.close();
    await core.stop();
    return undefined;
  },
};

export const lightningCommands: Command[] = [
  daemonCommand,
  {
    words: ['ln', 'info'],
    summary: 'this wallet\'s Lightning node id (and listening port when the daemon runs)',
    async run(ctx) {
      const d = findDaemon(ctx.datadir, ctx.network);
      if (d) {
        try {
          const i = await callDaemon<Results['ln.info']>(d, 'ln.info', {});
          return { nodeId: i.nodeId, ...(i.listen !== undefined ? { listen: i.listen } : {}), peers: i.peers, channels: i.channels };
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
      if (findDaemon(ctx.datadir, ctx.network)) throw new CofferError('lightning-unavailable', 'Stop the daemon first: a backup is restored before Lightning starts.');
      const bytes = readFileLimited(ctx.positionals[0]!, 'backup');
      const wallet = ctx.wallet();
      wallet.unlock(await ctx.password());
      const lock = acquireLock(path.join(networkPaths(ctx.datadir, ctx.network).dir, 'lightning.lock'), 'Lightning');
      try {
        return await restoreChannels(wallet, bytes);
      } finally {
        lock.release();
      }
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
    run: (ctx) => lightningCall<Results['channel.close']>(ctx, 'channel.close', { id: ctx.positionals[0], force: ctx.options['force'] === true }),
  },
];
