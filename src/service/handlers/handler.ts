// What a handler of the core is: one function per contract method, given the params as the
// contract's schema parsed them (defaults filled in), returning that method's result.

import type { ChannelNode } from '../../channels/channel-node.js';
import type { CertPins } from '../../node/electrum/client.js';
import type { z } from 'zod';
import type { AppStatus, METHODS, Method, Results } from '../../api/contract.js';
import type { PeerInfo } from '../../api/peers.js';
import type { Network } from '../../keys/networks.js';
import type { NodeControl } from '../../node/embedded-node.js';
import type { StoredBackend } from '../backend-setting.js';
import type { Logger } from '../log.js';
import type { PlaygroundPeer } from '../playground-peer.js';
import type { WalletService } from '../wallet-service.js';
import type { WalletSync } from '../wallet-sync.js';

/** A method's params after parsing: defaults applied, so handlers never repeat them. */
export type Parsed<M extends Method> = z.output<(typeof METHODS)[M]>;

export type Handler<M extends Method> = (params: Parsed<M>) => Promise<Results[M]> | Results[M];

export type HandlerMap<K extends Method> = { [M in K]: Handler<M> };

/** What the handlers of spends and vaults need of the core. */
export interface CoreHost {
  /** The open wallet, else `no-wallet`. */
  wallet(): WalletService;
  /** The open wallet's chain session, once the running sync round is done with it. */
  syncSession(): Promise<WalletSync>;
  /** The user's rate, else the estimate for the preset (normal by default), with where it came from. */
  feeRate(given: number | undefined, preset: 'fast' | 'normal' | 'slow' | undefined): Promise<{ feeRate: number; source: string }>;
  /** The chain source the open wallet's setting names. */
  backendKind(): 'spv' | 'filters' | 'node' | 'rpc' | 'electrum';
  /** The open wallet's pinned Electrum certificates (its network folder's electrum-pins.json). */
  pins(): CertPins & { all(): Record<string, string> };
  /** The wallet changed: start a sync round (not waited for). */
  changed(): void;
}

/** What the handlers that open, make, lock and configure the wallet need of the core besides. */
export interface SessionHost extends CoreHost {
  readonly datadir: string;
  readonly log: Logger;
  /** A `coffer` command's own core: its process can read the database anyway (CoreOptions.command). */
  readonly command: boolean;
  /** The open wallet, if any (`wallet()` throws `no-wallet` instead). */
  current(): WalletService | undefined;
  /** The networks with a wallet in this data directory. */
  wallets(): Network[];
  /** A new handle on a network's wallet whose locking tells the UI while it is the open one. */
  walletService(network: Network): WalletService;
  /** Open a network's wallet (or adopt one just made) and start its sync loop. */
  open(network: Network, made?: WalletService): Promise<void>;
  status(): AppStatus;
  /** The open wallet's saved chain source (SPV when none is open). */
  backend(): StoredBackend;
  /** A sync round, waited for: the one under way, else a new one. */
  sync(): Promise<void>;
  /** Wait for the sync round under way, if any. */
  idle(): Promise<void>;
  /** The light client's connected peers (none for a node or RPC source). */
  peers(): PeerInfo[];
  /** The saved chain source changed: the old one is closed and a round runs on the new one. */
  backendChanged(kind: StoredBackend['kind']): Promise<void>;
  /** The embedded node's RPC, if this core or another process runs it. */
  nodeControl(): NodeControl | undefined;
  /** The wallet was unlocked: start what runs only while it is (Lightning, for a wallet with channels). */
  unlocked(w: WalletService): void;
  /** The regtest playground's peer, opened on first use (`backend-unavailable` anywhere else). */
  playgroundPeer(): Promise<PlaygroundPeer>;
  /** The open wallet's Lightning node, started on first use. */
  lightning(): Promise<ChannelNode>;
}
