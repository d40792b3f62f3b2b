// `coffer vault create|preview|list|withdraw|complete|cancel|recover|sweep|backup|restore` and `coffer watchtower export`.

import path from 'node:path';
import { CofferError } from '../api/errors.js';
import { chooseFeeRate } from '../service/spend-flows.js';
import { addressToScript } from '../keys/address.js';
import { checkVaultRequest, exportPackage } from '../service/vault-service.js';
import { recoverVault, sweepStray } from '../service/vault-recovery.js';
import { stringOption, stringsOption, type Command, type Context, type OptionSpec } from './command.js';
import { feeRateOption, spendFeeRate, withSync } from './spend-commands.js';
import { readTextFile } from '../service/files.js';
import { contractCall } from './contract-client.js';
import type { WalletService } from '../service/wallet-service.js';
import type { WalletSync } from '../service/wallet-sync.js';

function single(ctx: Context, name: string, what: string): string {
  const v = stringsOption(ctx, name);
  if (v.length !== 1) throw new CofferError('usage', `give --${name} ${what} once`);
  return v[0]!;
}

function wholeNumber(text: string, name: string): number {
  if (!/^\d{1,16}$/.test(text)) throw new CofferError('usage', `--${name} must be a whole number, got "${text}"`);
  return Number(text);
}

const FEERATE: OptionSpec = { type: 'string', value: 'N', help: 'fee rate in sat/vB (default: the node estimate or the preset)' };

/** A vault's id; one the contract could not carry (empty, over 64 characters) is no vault of this wallet. */
function id(ctx: Context): string {
  const v = ctx.positionals[0] ?? '';
  if (v.length < 1 || v.length > 64) throw new CofferError('unknown-vault', `This wallet has no vault ${v}.`, { id: v });
  return v;
}

/** A vault spend reaches the chain with this command's backend flags, on a wallet brought up to date first. */
const SPEND = { wallet: true, chain: true, sync: true } as const;

const CREATE_OPTIONS: Record<string, OptionSpec> = {
  amount: { type: 'string', multiple: true, value: 'SATS', help: 'amount to vault, in satoshis' },
  delay: { type: 'string', value: 'BLOCKS', help: 'blocks a withdrawal must wait (1-65535; 144 is about a day)' },
  recovery: { type: 'string', value: 'DESCRIPTOR|ADDRESS', help: 'where cancels send the coins: a wallet that never touches this machine' },
  feerate: { ...FEERATE, help: 'fee rate of the deposit and the unvault, sat/vB' },
};

/** `vault create|preview`'s arguments, checked (before any password) as the vault will check them. */
function vaultRequest(ctx: Context, verb: string): { amount: number; delay: number; recovery: string; feeRate: number | undefined } {
  const amount = wholeNumber(single(ctx, 'amount', 'SATS'), 'amount');
  const delayText = stringOption(ctx, 'delay');
  if (delayText === undefined) throw new CofferError('usage', `vault ${verb} needs --delay BLOCKS`);
  const delay = wholeNumber(delayText, 'delay');
  const recovery = stringOption(ctx, 'recovery');
  if (recovery === undefined) throw new CofferError('usage', `vault ${verb} needs --recovery DESCRIPTOR|ADDRESS`);
  const feeRate = feeRateOption(ctx);
  checkVaultRequest({ amount, delay, recovery, feeRate }, ctx.network);
  return { amount, delay, recovery, feeRate };
}

/** A spend signed by the recovery key from --key-file, to --to, on a wallet synced first (`vault recover|sweep`). */
function withRecoveryKey<T>(ctx: Context, verb: string, fn: (wallet: WalletService, sync: WalletSync, a: { to: string; keyText: string; feeRate: number }) => Promise<T>): Promise<T> {
  const to = single(ctx, 'to', 'ADDR');
  const keyFile = stringOption(ctx, 'key-file');
  if (keyFile === undefined) throw new CofferError('usage', `vault ${verb} needs --key-file FILE`);
  addressToScript(to, ctx.network);
  const keyText = readTextFile(keyFile, 'key');
  const given = feeRateOption(ctx);
  return withSync(ctx, async (wallet, sync) => fn(wallet, sync, { to, keyText, feeRate: (await chooseFeeRate(wallet, sync, given)).feeRate }), { sync: true });
}

export const vaultCommands: Command[] = [
  {
    words: ['vault', 'create'],
    summary: 'lock coins in a vault: withdrawals wait DELAY blocks and can be cancelled to the recovery destination',
    options: CREATE_OPTIONS,
    async run(ctx) {
      // The arguments before the password; the deposit's coins and policy before the key.
      const { amount, delay, recovery, feeRate: given } = vaultRequest(ctx, 'create');
      const password = await ctx.password();
      return contractCall(ctx, SPEND, 'vault.create', { amount, delay, recovery, ...(given !== undefined ? { feeRate: given } : {}), password });
    },
  },
  {
    words: ['vault', 'preview'],
    summary: 'what a vault would cost (same options as vault create): the unvault fee and each cancel rung; needs no password',
    options: CREATE_OPTIONS,
    async run(ctx) {
      const { amount, delay, recovery, feeRate } = vaultRequest(ctx, 'preview');
      return contractCall(ctx, SPEND, 'vault.preview', { amount, delay, recovery, ...(feeRate !== undefined ? { feeRate } : {}) });
    },
  },
  {
    words: ['vault', 'list'],
    summary: 'the vaults and stray deposits, with their states (as of the last sync)',
    run: async (ctx) => (await contractCall(ctx, { wallet: true }, 'vault.list', {})).vaults,
  },
  {
    words: ['vault', 'withdraw'],
    summary: 'start a withdrawal: announce it to the watchtowers, broadcast the unvault',
    args: { names: 'ID', min: 1, max: 1 },
    async run(ctx) {
      const vault = id(ctx);
      const password = await ctx.password();
      return contractCall(ctx, SPEND, 'vault.withdraw', { id: vault, password });
    },
  },
  {
    words: ['vault', 'complete'],
    summary: 'after the delay, send the withdrawn coins to ADDR with the hot key',
    args: { names: 'ID', min: 1, max: 1 },
    options: { to: { type: 'string', multiple: true, value: 'ADDR', help: 'destination address' }, feerate: FEERATE },
    async run(ctx) {
      const vault = id(ctx);
      const to = single(ctx, 'to', 'ADDR');
      addressToScript(to, ctx.network);
      const given = spendFeeRate(ctx);
      const password = await ctx.password();
      const r = await contractCall(ctx, SPEND, 'vault.complete', { id: vault, address: to, ...(given !== undefined ? { feeRate: given } : {}), password });
      return { txid: r.txid };
    },
  },
  {
    words: ['vault', 'cancel'],
    summary: 'send the vault to its recovery destination (presigned; no password needed)',
    args: { names: 'ID', min: 1, max: 1 },
    options: { feerate: { ...FEERATE, help: 'least fee rate the cancel must pay (default: the fast estimate)' } },
    async run(ctx) {
      const given = feeRateOption(ctx);
      // No key is needed; a password given (file or COFFER_PASSWORD) also lets a CPFP child lift a
      // cancel above the top rung.
      const password = ctx.options['password-file'] !== undefined || ctx.env['COFFER_PASSWORD'] ? await ctx.password() : undefined;
      return contractCall(ctx, SPEND, 'vault.cancel', { id: id(ctx), ...(given !== undefined ? { feeRate: given } : {}), ...(password !== undefined ? { password } : {}) });
    },
  },
  {
    words: ['vault', 'recover'],
    summary: 'send a vault to ADDR with the recovery key alone, before its withdrawal (also a vault found after `wallet restore`)',
    args: { names: 'ID', min: 1, max: 1 },
    options: {
      to: { type: 'string', multiple: true, value: 'ADDR', help: 'destination address (e.g. one of the recovery wallet)' },
      'key-file': { type: 'string', value: 'FILE', help: 'file holding the recovery private key (WIF, or the xprv/tprv of the recovery descriptor\'s account)' },
      feerate: FEERATE,
    },
    run: (ctx) =>
      withRecoveryKey(ctx, 'recover', (wallet, sync, a) =>
        // The password only when the hot key must rebuild a found vault's unvault script.
        recoverVault(wallet, sync, { id: id(ctx), to: a.to, keyText: a.keyText, feeRate: a.feeRate }, async () => wallet.unlock(await ctx.password())),
      ),
  },
  {
    words: ['vault', 'sweep'],
    summary: 'sweep a stray deposit to a vault address with the recovery key',
    args: { names: 'STRAY_ID', min: 1, max: 1 },
    options: {
      to: { type: 'string', multiple: true, value: 'ADDR', help: 'destination address' },
      'key-file': { type: 'string', value: 'FILE', help: 'file holding the recovery private key (WIF or xprv)' },
      feerate: FEERATE,
    },
    run: (ctx) => withRecoveryKey(ctx, 'sweep', (wallet, sync, a) => sweepStray(wallet, sync, id(ctx), a.to, a.keyText, a.feeRate)),
  },
  {
    words: ['vault', 'backup'],
    summary: 'keep an encrypted vault backup at FILE, rewritten after every vault change (words + file bring back withdraw and cancel)',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const password = await ctx.password();
      return contractCall(ctx, { wallet: true }, 'vault.backup', { file: path.resolve(ctx.positionals[0]!), password });
    },
  },
  {
    words: ['vault', 'restore'],
    summary: 'after `wallet restore`: bring back the vaults of a vault backup FILE that this wallet lacks',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const password = await ctx.password();
      return contractCall(ctx, { wallet: true }, 'vault.restore', { file: path.resolve(ctx.positionals[0]!), password });
    },
  },
  {
    words: ['watchtower', 'export'],
    summary: 'write the keyless watchtower package to FILE, kept up to date from now on',
    args: { names: 'FILE', min: 1, max: 1 },
    options: { once: { type: 'boolean', help: 'write it once; do not keep FILE up to date' } },
    run(ctx) {
      const wallet = ctx.wallet();
      wallet.info();
      return exportPackage(wallet, ctx.positionals[0] ?? '', ctx.options['once'] === true);
    },
  },
];
