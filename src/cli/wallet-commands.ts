// `coffer wallet ...` and `coffer config ...`: keys, descriptors, addresses, settings.

import { CofferError } from '../api/errors.js';
import { checkNewPassword } from '../keys/keystore.js';
import { backendView, storeBackend } from '../service/backend-setting.js';
import { backendSettingFor } from './backend.js';
import { stringOption, type Command, type Context } from './command.js';
import { contractCall, withContract, type Call } from './contract-client.js';
import { readSecretFile } from './secrets.js';

function usage(message: string): CofferError {
  return new CofferError('usage', message);
}

function scriptOption(ctx: Context): 'wpkh' | 'tr' {
  const s = stringOption(ctx, 'script') ?? 'wpkh';
  if (s !== 'wpkh' && s !== 'tr') throw usage('--script must be wpkh or tr');
  return s;
}

function passphrase(ctx: Context): string {
  const file = stringOption(ctx, 'passphrase-file');
  return file === undefined ? '' : readSecretFile(file, 'passphrase');
}

/**
 * Make this network's wallet on a core of the command's own, never a running daemon's (that one
 * would open the new wallet in place of its own): one here already is refused before any secret
 * is read or asked for, as a daemon's wallet is. No chain source is saved; no other wallet's
 * password is asked for.
 */
function newWallet<T>(ctx: Context, make: (call: Call) => Promise<T>): Promise<T> {
  return withContract(ctx, { wallet: false }, async (call) => {
    const { wallets } = await call('app.status', {});
    if (wallets.includes(ctx.network)) throw new CofferError('wallet-exists', 'This data directory already holds a wallet; it was left untouched.');
    return make(call);
  });
}

const SCRIPT = { type: 'string', value: 'wpkh|tr', help: 'address type: native segwit (default) or taproot' } as const;
const PASSPHRASE = { type: 'string', value: 'FILE', help: 'optional BIP39 passphrase (the "25th word")' } as const;

export const walletCommands: Command[] = [
  {
    words: ['wallet', 'create'],
    summary: 'create a new wallet and print its recovery phrase (the only time it is shown unasked)',
    options: {
      words: { type: 'string', value: '12|24', help: 'number of words (default 12)' },
      'passphrase-file': PASSPHRASE,
      script: SCRIPT,
    },
    async run(ctx) {
      const w = stringOption(ctx, 'words') ?? '12';
      if (w !== '12' && w !== '24') throw usage('--words must be 12 or 24');
      return newWallet(ctx, async (call) => {
        const req = { network: ctx.network, words: Number(w) as 12 | 24, passphrase: passphrase(ctx), script: scriptOption(ctx) };
        const password = await ctx.password(true);
        const { fingerprint } = await call('wallet.create', { ...req, password });
        // The words are printed once, here, read back with the password just given; never logged.
        const { mnemonic } = await call('wallet.reveal', { password });
        return { mnemonic, fingerprint, descriptors: await call('wallet.descriptors', {}) };
      });
    },
  },
  {
    words: ['wallet', 'restore'],
    summary: 'restore a wallet from its recovery phrase',
    options: {
      'mnemonic-file': { type: 'string', value: 'FILE', help: 'file holding the recovery phrase (required)' },
      'passphrase-file': PASSPHRASE,
      script: SCRIPT,
      birthday: { type: 'string', value: 'HEIGHT', help: 'block height before the wallet was first used' },
    },
    async run(ctx) {
      const file = stringOption(ctx, 'mnemonic-file');
      if (file === undefined) throw usage('wallet restore needs --mnemonic-file FILE');
      const b = stringOption(ctx, 'birthday');
      if (b !== undefined && !/^\d{1,9}$/.test(b)) throw usage('--birthday must be a block height');
      return newWallet(ctx, async (call) => {
        const mnemonic = readSecretFile(file, 'recovery phrase');
        const req = { network: ctx.network, mnemonic, passphrase: passphrase(ctx), script: scriptOption(ctx), ...(b === undefined ? {} : { birthday: Number(b) }) };
        const password = await ctx.password(true);
        const { fingerprint } = await call('wallet.restore', { ...req, password });
        return { fingerprint, descriptors: await call('wallet.descriptors', {}) };
      });
    },
  },
  {
    words: ['wallet', 'descriptors'],
    summary: 'print the output descriptors (public keys only)',
    run: (ctx) => contractCall(ctx, { wallet: true }, 'wallet.descriptors', {}),
  },
  {
    words: ['wallet', 'address'],
    summary: 'print the next unused receive address',
    run: (ctx) => contractCall(ctx, { wallet: true }, 'wallet.address', { fresh: true }),
  },
  {
    words: ['wallet', 'info'],
    summary: 'print the network, fingerprint, address type and settings',
    async run(ctx) {
      // Settings after the facts, by key: what the command has always printed. `locked` is the
      // answering process's: a command's own core never holds the key; a daemon keeps it.
      const { settings, ...facts } = await contractCall(ctx, { wallet: true }, 'wallet.info', {});
      return { ...facts, ...settings };
    },
  },
  {
    words: ['wallet', 'reveal'],
    summary: 'print the recovery phrase (needs the password)',
    // The wallet is found before the password is asked for.
    run: (ctx) => withContract(ctx, { wallet: true }, async (call) => call('wallet.reveal', { password: await ctx.password() })),
  },
  {
    words: ['wallet', 'change-password'],
    summary: 'encrypt the keys under a new password',
    options: { 'new-password-file': { type: 'string', value: 'FILE', help: 'file holding the new password (required)' } },
    async run(ctx) {
      const file = stringOption(ctx, 'new-password-file');
      if (file === undefined) throw usage('wallet change-password needs --new-password-file FILE');
      const newPassword = readSecretFile(file, 'new password');
      return withContract(ctx, { wallet: true }, async (call) => {
        const oldPassword = await ctx.password();
        // An empty or short new password keeps its own error, not the schema's.
        checkNewPassword(newPassword);
        return call('wallet.changePassword', { oldPassword, newPassword });
      });
    },
  },
  {
    words: ['config', 'get'],
    summary: 'print the settings (auto-lock-minutes, gap-limit)',
    args: { names: '[KEY]', min: 0, max: 1 },
    run(ctx) {
      const all = ctx.wallet().settings();
      const key = ctx.positionals[0];
      if (key === undefined) return all;
      if (!Object.hasOwn(all, key)) throw new CofferError('invalid-setting', `Unknown setting "${key}".`, { key });
      return { [key]: all[key as keyof typeof all] };
    },
  },
  {
    words: ['config', 'set'],
    summary: 'change a setting',
    args: { names: 'KEY VALUE', min: 2, max: 2 },
    run: (ctx) => ctx.wallet().setSetting(ctx.positionals[0] ?? '', ctx.positionals[1] ?? ''),
  },
  {
    words: ['config', 'backend'],
    summary: "save the app's chain source from --backend, --connect and --rpc-* (the only way to give it an RPC cookie file)",
    async run(ctx) {
      const plan = backendSettingFor(ctx);
      const wallet = ctx.wallet();
      wallet.info();
      // A password is stored encrypted under the seed: unlock for that.
      if (plan.newPassword !== undefined) wallet.unlock(await ctx.password());
      return { backend: backendView(wallet, storeBackend(wallet, plan)) };
    },
  },
];
