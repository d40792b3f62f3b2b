// `coffer wallet send|psbt|utxos|freeze|unfreeze|abandon|fees|labels`: spending from the CLI.

import { CofferError, isCofferError } from '../api/errors.js';
import { base64 } from '@scure/base';
import type { PsbtSummary } from '../api/contract.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { networkPaths } from '../service/datadir.js';
import { readFileLimited, writeRegularFile } from '../service/files.js';
import { fileLogger } from '../service/log.js';
import { psbtBytes } from '../service/psbt-flows.js';
import { SKIP_REASONS } from '../wallet/psbt-review.js';
import { checkFeeRate, checkOutpoints, checkRecipients, parseOutpoint, type Outpoint, type Recipient } from '../service/spend-service.js';
import { WalletSync } from '../service/wallet-sync.js';
import type { WalletService } from '../service/wallet-service.js';
import { sourceFor } from './backend.js';
import { contractCall, withContract } from './contract-client.js';
import { stringOption, stringsOption, type Command, type Context, type OptionSpec } from './command.js';

const SEND_OPTIONS: Record<string, OptionSpec> = {
  to: { type: 'string', multiple: true, value: 'ADDR', help: 'recipient (repeatable, paired with --amount)' },
  amount: { type: 'string', multiple: true, value: 'SATS|max', help: 'amount in satoshis, or max (repeatable)' },
  feerate: { type: 'string', value: 'N', help: 'fee rate in sat/vB (default: the node estimate or the preset)' },
  input: { type: 'string', multiple: true, value: 'TXID:VOUT', help: 'coin control: spend exactly these coins (repeatable)' },
  'accept-high-fee': { type: 'boolean', help: 'confirm a fee above 5% of the amount sent' },
};

/** The recipients, each address and amount checked (network, dust) as the plan will check them. */
function recipients(ctx: Context): Recipient[] {
  const to = stringsOption(ctx, 'to');
  const amounts = stringsOption(ctx, 'amount');
  if (to.length === 0) throw new CofferError('usage', 'give at least one --to ADDR --amount SATS|max');
  if (to.length !== amounts.length) throw new CofferError('usage', 'every --to needs its own --amount');
  const rs = to.map((address, i) => {
    const a = amounts[i] ?? '';
    if (a === 'max') return { address, amount: 'max' as const };
    if (!/^\d{1,16}$/.test(a)) throw new CofferError('usage', `--amount must be a whole number of satoshis or max, got "${a}"`);
    return { address, amount: Number(a) };
  });
  checkRecipients(rs, ctx.network);
  return rs;
}

export function feeRateOption(ctx: Context): number | undefined {
  const f = stringOption(ctx, 'feerate');
  if (f === undefined) return undefined;
  if (!/^\d{1,7}(\.\d{1,3})?$/.test(f) || Number(f) <= 0) throw new CofferError('usage', '--feerate must be a positive number of sat/vB');
  return Number(f);
}

/** --feerate of a transaction the wallet builds: also within the policy's limits (1 to 10,000 sat/vB). */
export function spendFeeRate(ctx: Context): number | undefined {
  const rate = feeRateOption(ctx);
  if (rate !== undefined) checkFeeRate(rate);
  return rate;
}

function inputs(ctx: Context): Outpoint[] {
  const coins = stringsOption(ctx, 'input').map(parseOutpoint);
  checkOutpoints(coins);
  return coins;
}

/** Tell CLI users how to confirm a high fee. */
async function hintHighFee<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isCofferError(e, 'fee-too-high') && e.details.requiresConfirmation) {
      throw new CofferError(e.code, `${e.message} Add --accept-high-fee to send anyway.`, e.details);
    }
    throw e;
  }
}

/** Open the wallet, connect the backend, and bring the wallet up to date before acting. */
export async function withSync<T>(ctx: Context, fn: (wallet: WalletService, sync: WalletSync) => Promise<T>, opts: { sync: boolean }): Promise<T> {
  const wallet = ctx.wallet();
  wallet.info();
  const log = fileLogger(networkPaths(ctx.datadir, ctx.network).logs);
  const sync = new WalletSync(wallet, { datadir: ctx.datadir, source: sourceFor(ctx, log), log, mempoolWaitMs: 0 });
  try {
    if (opts.sync) await sync.sync();
    return await fn(wallet, sync);
  } finally {
    sync.close();
  }
}

function readFileArg(ctx: Context, kind: 'psbt' | 'labels'): Uint8Array {
  return new Uint8Array(readFileLimited(ctx.positionals[0] ?? '', kind));
}

/** A PSBT file (binary, base64, or a JSON string of base64) as the contract takes it: base64. */
function psbtFile(file: string): string {
  return base64.encode(psbtBytes(new Uint8Array(readFileLimited(file, 'psbt'))));
}

/** A txid argument in the contract's form (lower-case hex). */
function txidArg(ctx: Context, command: string): string {
  const txid = hexToHash(ctx.positionals[0] ?? '');
  if (!txid) throw new CofferError('usage', `${command} takes a txid (64 hex digits)`);
  return hashToHex(txid);
}

const outpointText = (o: Outpoint) => `${hashToHex(o.txid)}:${o.vout}`;

/** `wallet freeze|unfreeze`: the outpoint is checked here first, so a bad one keeps its own error. */
function freeze(ctx: Context, frozen: boolean) {
  const outpoint = outpointText(parseOutpoint(ctx.positionals[0] ?? ''));
  return contractCall(ctx, { wallet: true }, 'wallet.freeze', { outpoint, frozen });
}

/** What `psbt sign` is about to sign, for a person to read (stderr). */
export function formatSummary(s: PsbtSummary): string {
  const sats = (n: number | undefined) => (n === undefined ? 'unknown amount' : `${n.toLocaleString('en-US')} sats`);
  const lines = [`This PSBT spends ${s.inputs.length} input${s.inputs.length === 1 ? '' : 's'} and pays ${s.outputs.length} output${s.outputs.length === 1 ? '' : 's'}:`];
  s.inputs.forEach((i, n) => {
    const from = i.valueFrom === 'psbt' ? ' (amount as the PSBT says)' : '';
    const what = i.sign ? `SIGN with ${i.path}` : `not signed: ${SKIP_REASONS[i.skip!]}`;
    lines.push(`  input ${n}: ${i.txid}:${i.vout} ${sats(i.value)}${from}${i.address ? ` from ${i.address}` : ''}  ${what}`);
  });
  s.outputs.forEach((o, n) => {
    const mine = o.mine === 'change' ? '  change back to this wallet' : o.mine === 'receive' ? '  to this wallet' : '';
    lines.push(`  output ${n}: ${sats(o.value)} to ${o.address ?? `script ${o.script}`}${mine}`);
  });
  lines.push(`  sent to others: ${sats(s.sent)}`);
  lines.push(`  fee: ${s.fee === undefined ? 'unknown (the amounts of some inputs are not known)' : sats(s.fee)}`);
  lines.push(`  signing ${s.toSign} of ${s.inputs.length} inputs`);
  return `${lines.join('\n')}\n`;
}

export const spendCommands: Command[] = [
  {
    words: ['wallet', 'send'],
    summary: 'send to one or more addresses (syncs first; signs; broadcasts)',
    options: { ...SEND_OPTIONS, 'dry-run': { type: 'boolean', help: 'build and sign, but do not record or broadcast' } },
    async run(ctx) {
      // Every argument is checked before the password is read; the password becomes a key only
      // once the send has passed every check that needs none (spend-flows.ts).
      const rs = recipients(ctx);
      const coins = inputs(ctx);
      const given = spendFeeRate(ctx);
      const password = await ctx.password();
      const params = {
        recipients: rs.map((r) => ({ address: r.address ?? '', amount: r.amount })),
        ...(given !== undefined ? { feeRate: given } : {}),
        ...(coins.length > 0 ? { inputs: coins.map(outpointText) } : {}),
        dryRun: ctx.options['dry-run'] === true,
        acceptHighFee: ctx.options['accept-high-fee'] === true,
        password,
      };
      return hintHighFee(() => contractCall(ctx, { wallet: true, chain: true, sync: true }, 'send.confirm', params));
    },
  },
  {
    words: ['wallet', 'bump'],
    summary: 'replace an unconfirmed send of ours with a higher fee (RBF, BIP125)',
    args: { names: 'TXID', min: 1, max: 1 },
    options: { feerate: { type: 'string', value: 'N', help: 'new fee rate in sat/vB (required)' }, 'dry-run': { type: 'boolean', help: 'build and sign only' } },
    async run(ctx) {
      const txid = txidArg(ctx, 'bump');
      const rate = spendFeeRate(ctx);
      if (rate === undefined) throw new CofferError('usage', 'bump needs --feerate N');
      const password = await ctx.password();
      // The password becomes a key only once the bump has passed every check that needs none.
      return contractCall(ctx, { wallet: true, chain: true, sync: true }, 'send.bump', { txid, feeRate: rate, dryRun: ctx.options['dry-run'] === true, password });
    },
  },
  {
    words: ['wallet', 'cpfp'],
    summary: 'speed up an unconfirmed transaction by spending one of its outputs to ourselves (CPFP)',
    args: { names: 'TXID:VOUT', min: 1, max: 1 },
    options: { feerate: { type: 'string', value: 'N', help: 'fee rate for parent and child together, sat/vB (required)' }, 'dry-run': { type: 'boolean', help: 'build and sign only' } },
    async run(ctx) {
      const outpoint = outpointText(parseOutpoint(ctx.positionals[0] ?? ''));
      const rate = spendFeeRate(ctx);
      if (rate === undefined) throw new CofferError('usage', 'cpfp needs --feerate N');
      const password = await ctx.password();
      return contractCall(ctx, { wallet: true, chain: true, sync: true }, 'send.cpfp', { outpoint, feeRate: rate, dryRun: ctx.options['dry-run'] === true, password });
    },
  },
  {
    words: ['wallet', 'fees'],
    summary: 'fee rates in sat/vB: the backend estimates, or the presets in SPV mode',
    async run(ctx) {
      const r = await contractCall(ctx, { wallet: true, chain: true }, 'fees.get', {});
      return { fast: r.fast, normal: r.normal, slow: r.slow, floor: r.floor, source: r.source === 'presets' ? `presets (${r.estimatesFrom} floor)` : r.source };
    },
  },
  {
    words: ['wallet', 'psbt', 'create'],
    summary: 'build an unsigned PSBT (same options as send), printed as base64',
    options: SEND_OPTIONS,
    // No password: nothing is signed.
    async run(ctx) {
      const rs = recipients(ctx);
      const coins = inputs(ctx);
      const given = spendFeeRate(ctx);
      const params = { recipients: rs.map((r) => ({ address: r.address ?? '', amount: r.amount })), ...(given !== undefined ? { feeRate: given } : {}), ...(coins.length > 0 ? { inputs: coins.map(outpointText) } : {}) };
      return (await contractCall(ctx, { wallet: true, chain: true, sync: true }, 'psbt.create', params)).psbt;
    },
  },
  {
    words: ['wallet', 'psbt', 'sign'],
    summary: "show what a PSBT spends and pays, then sign this wallet's own inputs; prints the PSBT as base64",
    args: { names: 'FILE', min: 1, max: 1 },
    options: { yes: { type: 'boolean', help: 'sign without asking (scripts); the summary is still printed on stderr' } },
    async run(ctx) {
      const yes = ctx.options['yes'] === true;
      if (!yes && !ctx.io.isTTY) throw new CofferError('usage', 'psbt sign asks before signing; without a terminal, pass --yes to sign what the summary on stderr shows.');
      const psbt = psbtFile(ctx.positionals[0] ?? '');
      return withContract(ctx, { wallet: true }, async (call) => {
        const { summary } = await call('psbt.review', { psbt });
        ctx.io.say(formatSummary(summary));
        const n = summary.toSign;
        if (n > 0 && !yes) {
          if (!(await ctx.io.confirm(`Sign ${n} input${n === 1 ? '' : 's'}? [y/N] `))) throw new CofferError('usage', 'Not signed.');
        }
        // Nothing of ours to sign is refused without the password.
        const password = n > 0 ? await ctx.password() : undefined;
        return (await call('psbt.sign', { psbt, ...(password !== undefined ? { password } : {}) })).psbt;
      });
    },
  },
  {
    words: ['wallet', 'psbt', 'finalize'],
    summary: 'finalize a fully signed PSBT; prints it as base64',
    args: { names: 'FILE', min: 1, max: 1 },
    run: async (ctx) => (await contractCall(ctx, { wallet: false }, 'psbt.finalize', { psbt: psbtFile(ctx.positionals[0] ?? '') })).psbt,
  },
  {
    words: ['wallet', 'psbt', 'combine'],
    summary: 'merge the signatures of several PSBTs of the same transaction',
    args: { names: 'FILE...', min: 1, max: 16 },
    run: async (ctx) => (await contractCall(ctx, { wallet: false }, 'psbt.combine', { psbts: ctx.positionals.map(psbtFile) })).psbt,
  },
  {
    words: ['wallet', 'psbt', 'broadcast'],
    summary: 'finalize (if needed) and broadcast a signed PSBT',
    args: { names: 'FILE', min: 1, max: 1 },
    options: { 'accept-high-fee': SEND_OPTIONS['accept-high-fee']! },
    async run(ctx) {
      const psbt = psbtFile(ctx.positionals[0] ?? '');
      return hintHighFee(() => contractCall(ctx, { wallet: true, chain: true }, 'psbt.broadcast', { psbt, acceptHighFee: ctx.options['accept-high-fee'] === true }));
    },
  },
  {
    words: ['wallet', 'abandon'],
    summary: 'forget one of our unconfirmed transactions (frees its coins)',
    args: { names: 'TXID', min: 1, max: 1 },
    run: (ctx) => contractCall(ctx, { wallet: true }, 'tx.abandon', { txid: txidArg(ctx, 'abandon') }),
  },
  {
    words: ['wallet', 'utxos'],
    summary: 'unspent coins (as of the last sync)',
    run: (ctx) => contractCall(ctx, { wallet: true }, 'wallet.utxos', {}),
  },
  {
    words: ['wallet', 'freeze'],
    summary: 'never spend this coin unless it is unfrozen',
    args: { names: 'TXID:VOUT', min: 1, max: 1 },
    run: (ctx) => freeze(ctx, true),
  },
  {
    words: ['wallet', 'unfreeze'],
    summary: 'allow spending a frozen coin again',
    args: { names: 'TXID:VOUT', min: 1, max: 1 },
    run: (ctx) => freeze(ctx, false),
  },
  {
    words: ['wallet', 'labels', 'export'],
    summary: 'write labels (and frozen coins) as BIP329 JSON Lines',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const file = ctx.positionals[0] ?? '';
      const { text } = await contractCall(ctx, { wallet: true }, 'labels.export', {});
      writeRegularFile(file, text, 'labels');
      return { records: text === '' ? 0 : text.trimEnd().split('\n').length, file };
    },
  },
  {
    words: ['wallet', 'labels', 'import'],
    summary: 'merge BIP329 labels (and spendable flags) from a file',
    args: { names: 'FILE', min: 1, max: 1 },
    async run(ctx) {
      const text = new TextDecoder().decode(readFileArg(ctx, 'labels'));
      const r = await contractCall(ctx, { wallet: true }, 'labels.import', { text });
      return { imported: r.imported, skipped: r.skippedLines, truncated: r.truncated };
    },
  },
];
