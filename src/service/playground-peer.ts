// The playground peer: a second Lightning node the regtest playground runs beside the wallet's, so
// a newcomer can open a channel, pay, be paid and close without naming a node, or take a channel the
// peer funds and be paid first. It is a core of its own in this process on <datadir>/playground-peer,
// synced from the app's embedded node, listening on 127.0.0.1 and accepting channels; it lives and
// dies with the app's core.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Results } from '../api/contract.js';
import { CofferError, isCofferError, unwrap, type Result } from '../api/errors.js';
import { OFFER_SAT, type PlaygroundPeerInfo } from '../api/playground.js';
// Type only: LDK loads when Lightning starts.
import type { ChannelNode } from '../channels/channel-node.js';
import type { ChannelNodeOptions, InboundPolicy } from '../channels/options.js';
import type { NodeControl } from '../node/embedded-node.js';
import { RpcClient } from '../node/rpc-client.js';
import { sourceFactory, type SourceFactory } from '../node/source-factory.js';
import { readTextFile } from './files.js';
import type { Logger } from './log.js';

/** The peer's folder inside the app's data directory. */
export const PEER_FOLDER = 'playground-peer';

/** Channels the peer and the wallet's node accept from each other: the CLI's `--ln-accept-inbound` defaults. */
export const PLAYGROUND_INBOUND: InboundPolicy = { minSat: OFFER_SAT.min, maxSat: OFFER_SAT.max, maxPendingPerPeer: 1 };

const OPTIONS: ChannelNodeOptions = { listen: { host: '127.0.0.1', port: 0 }, inbound: PLAYGROUND_INBOUND };

/** How long the peer waits, at most, for its side of a payment just received to settle before it pays. */
const SETTLE_TRIES = 10;
const SETTLE_PAUSE_MS = 300;

const portFile = (dir: string) => path.join(dir, 'port');

/** The port the peer listened on last time (0, any, the first time). */
function lastPort(dir: string): number {
  const last = fs.existsSync(portFile(dir)) ? Number(readTextFile(portFile(dir), 'state').trim()) : 0;
  return Number.isInteger(last) && last > 0 && last < 65536 ? last : 0;
}

/** What the peer needs of a core (service/core.ts's Core; passed in, as core.ts imports this file). */
export interface PeerCore {
  lightningOptions: ChannelNodeOptions | undefined;
  start(): Promise<void>;
  call(method: unknown, params: unknown): Promise<Result<unknown>>;
  overrideSource(source: SourceFactory): void;
  keepUnlocked(): void;
  startLightning(opts: ChannelNodeOptions): Promise<ChannelNode>;
  stop(): Promise<void>;
}

export class PlaygroundPeer {
  private lightning: Promise<ChannelNode> | undefined;

  private constructor(
    private readonly core: PeerCore,
    private readonly dir: string,
  ) {}

  /**
   * Open the peer's core on its folder, its wallet made on first use (random words and a random
   * password kept in the folder: play money nobody needs to know), chained to the embedded node.
   */
  static async open(datadir: string, node: NodeControl, log: Logger, makeCore: (dir: string) => PeerCore): Promise<PlaygroundPeer> {
    const dir = path.join(path.resolve(datadir), PEER_FOLDER);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const core = makeCore(dir);
    core.overrideSource(sourceFactory({ kind: 'node', rpc: new RpcClient(`http://127.0.0.1:${node.rpcPort}/`, { user: 'coffer', password: node.apiKey }) }, log));
    // Set before the wallet unlocks: a peer with channels starts Lightning then, with these.
    core.lightningOptions = { ...OPTIONS, listen: { host: '127.0.0.1', port: lastPort(dir) } };
    const peer = new PlaygroundPeer(core, dir);
    try {
      await core.start();
      const status = await peer.ask('app.status', {});
      const passwordFile = path.join(dir, 'password');
      if (!status.wallets.includes('regtest')) {
        const password = randomBytes(24).toString('hex');
        fs.writeFileSync(passwordFile, password, { mode: 0o600 });
        await peer.ask('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password });
      } else {
        if (!status.open) await peer.ask('app.open', { network: 'regtest' });
        await peer.ask('wallet.unlock', { password: readTextFile(passwordFile, 'password').trim() });
      }
      // Like the daemon's: nobody is there to unlock it again.
      core.keepUnlocked();
      return peer;
    } catch (e) {
      await core.stop();
      throw e;
    }
  }

  private async ask<M extends keyof Results>(method: M, params: unknown): Promise<Results[M]> {
    return unwrap(await this.core.call(method, params), 'lightning-unavailable') as Results[M];
  }

  /** An address of the peer's wallet, to mine to. */
  async address(): Promise<string> {
    return (await this.ask('wallet.address', {})).address;
  }

  /**
   * Its Lightning node, started once (listening, accepting channels), on the port it had before
   * when that is free: the wallet's node finds it again where its channel's peer was.
   */
  private node(): Promise<ChannelNode> {
    this.lightning ??= (async () => {
      const node = await this.core.startLightning(this.core.lightningOptions ?? OPTIONS).catch(() => this.core.startLightning(OPTIONS));
      const port = node.info().listen;
      if (port !== undefined) fs.writeFileSync(portFile(this.dir), String(port), { mode: 0o600 });
      return node;
    })().catch((e: unknown) => {
      this.lightning = undefined;
      throw e;
    });
    return this.lightning;
  }

  async info(): Promise<PlaygroundPeerInfo> {
    const info = (await this.node()).info();
    const summary = await this.ask('wallet.summary', {});
    return { nodeId: info.nodeId, uri: `${info.nodeId}@${info.listenHost ?? '127.0.0.1'}:${info.listen ?? 0}`, onChainSat: summary.confirmed, channels: info.channels };
  }

  async invoice(amountMsat: number, description: string): Promise<Results['ln.invoice']> {
    await this.node();
    return this.ask('ln.invoice', { amountMsat, description });
  }

  /**
   * The peer pays. Right after the wallet paid it, its side of that payment may still be settling
   * (a last exchange of signatures): LDK then refuses before sending anything, so asking again is safe.
   */
  async pay(bolt11: string): Promise<Results['ln.pay']> {
    await this.node();
    for (let attempt = 1; ; attempt++) {
      const r = await this.core.call('ln.pay', { bolt11 });
      if (r.ok || r.error.code !== 'insufficient-funds' || attempt === SETTLE_TRIES) return unwrap(r, 'lightning-unavailable') as Results['ln.pay'];
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
    }
  }

  /**
   * The peer opens a channel of `amountSat` it funds to the wallet's node (`wallet`). That node does
   * not listen: it dials the peer, keeping its address to reconnect as after its own openings, and
   * the peer opens over that connection.
   */
  async offer(wallet: ChannelNode, amountSat: number): Promise<{ channelId: string; fundingTxid: string }> {
    const node = await this.node();
    const { confirmed } = await this.ask('wallet.summary', {});
    const short = () =>
      new CofferError(
        'insufficient-funds',
        `The playground peer has ${confirmed.toLocaleString('en-US')} sats on chain, too few to fund a channel of ${amountSat.toLocaleString('en-US')} sats: ask for a smaller one.`,
        { neededSat: amountSat, availableSat: confirmed },
      );
    if (confirmed < amountSat) throw short();
    const info = node.info();
    if (info.listen === undefined) throw new CofferError('lightning-unavailable', 'The playground peer is not listening.');
    await wallet.connect(Uint8Array.from(Buffer.from(info.nodeId, 'hex')), info.listenHost ?? '127.0.0.1', info.listen);
    try {
      return await node.openToConnected(wallet.nodeId, amountSat);
    } catch (e) {
      // Its fees and its reserve for anchor channels come on top of the amount.
      if (isCofferError(e, 'insufficient-funds')) throw short();
      // Its words would call the wallet's node "the peer"; the wallet's node logged its reason (ln.inbound-refused).
      if (isCofferError(e, 'channel-open-failed')) {
        throw new CofferError(
          'channel-open-failed',
          'Your Lightning node did not take the playground peer’s channel: it takes a new one only once the earlier ones are ready, and with 10,000 sats a channel of confirmed on-chain coins to keep for fee bumps.',
        );
      }
      throw e;
    }
  }

  /** A sync round of the peer's own, waited for: it sees blocks just mined without waiting for its next round. */
  async sync(): Promise<void> {
    await this.ask('sync.now', {});
  }

  async stop(): Promise<void> {
    await this.lightning?.catch(() => undefined);
    await this.core.stop();
  }
}
