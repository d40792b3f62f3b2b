// What a CLI command is: its words, its options, and a handler that returns JSON to print.

import type { Network } from '../keys/networks.js';
import type { WalletService } from '../service/wallet-service.js';
import type { PromptIO } from './secrets.js';

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; value?: string; help: string };

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Context {
  datadir: string;
  network: Network;
  options: OptionValues;
  positionals: string[];
  env: NodeJS.ProcessEnv;
  io: PromptIO;
  /** The wallet of this datadir and network, opened on first use and closed after the command. */
  wallet(): WalletService;
  password(confirm?: boolean): Promise<string>;
}

export interface Command {
  words: string[];
  summary: string;
  /** Positional arguments after the command words, as shown in help. */
  args?: { names: string; min: number; max: number };
  options?: Record<string, OptionSpec>;
  run(ctx: Context): Promise<unknown> | unknown;
}

export function stringOption(ctx: Context, name: string): string | undefined {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringsOption(ctx: Context, name: string): string[] {
  const v = ctx.options[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}
