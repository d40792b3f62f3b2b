// The running node's shared parts as the files of channels/ see them: the host, LDK's objects,
// the waiting opens and payments, and the node's loop (schedule, stopped).

import type * as ldk from 'lightningdevkit';
import type { Db } from '../db/database.js';
import type { Network } from '../keys/networks.js';
import type { ChannelHost } from './host.js';
import type { ChannelNodeOptions } from './options.js';
import type { Routing } from './routing.js';

export type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
export type Opened = { channelId: string; fundingTxid: string };
export type Paid = { paymentHash: string; preimage: string; feeMsat: number };

/** LDK's objects, made once by node-assembly.ts. */
export interface LdkParts {
  keys: ldk.KeysManager;
  signer: ldk.SignerProvider;
  chainMonitor: ldk.ChainMonitor;
  manager: ldk.ChannelManager;
  peers: ldk.PeerManager;
  /** The network graph (gossip), the scorer and their persistence. */
  routing: Routing;
  logger: ldk.Logger;
}

export class NodeContext {
  /** Set once LDK's objects are assembled (before anything but the assembly's own callbacks runs). */
  ldk!: LdkParts;
  stopped = false;
  /** Channel openings waiting for ChannelPending, by temporary channel id. */
  readonly opens = new Map<string, Waiter<Opened>>();
  /** Payments waiting for PaymentSent or PaymentFailed, by payment hash. */
  readonly payments = new Map<string, Waiter<Paid>>();

  constructor(
    readonly host: ChannelHost,
    readonly network: Network,
    readonly nodeId: string,
    readonly opts: ChannelNodeOptions,
    /** Run the node's loop soon (events, persistence, peer messages). */
    readonly schedule: () => void,
  ) {}

  get db(): Db {
    return this.host.wallet.database;
  }
}
