// What a handler of the core is: one function per contract method, given the params as the
// contract's schema parsed them (defaults filled in), returning that method's result.

import type { z } from 'zod';
import type { METHODS, Method, Results } from '../../api/contract.js';
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
  backendKind(): 'spv' | 'node' | 'rpc';
  /** The wallet changed: start a sync round (not waited for). */
  changed(): void;
}
