// `coffer sync`, `coffer wallet balance`, `coffer wallet history` and `coffer wallet transaction`.

import { CofferError } from '../api/errors.js';
import { fileLogger } from '../service/log.js';
import { networkPaths } from '../service/datadir.js';
import { WalletSync } from '../service/wallet-sync.js';
import { sourceFor } from './backend.js';
import { stringOption, type Command } from './command.js';
import { contractCall } from './contract-client.js';


export const syncCommands: Command[] = [
  {
    words: ['sync'],
    summary: 'connect to peers, sync headers and the wallet, print the tip and balance',
    options: {
      'mempool-wait': { type: 'string', value: 'SECONDS', help: 'how long to wait for unconfirmed transactions (default 6; 0 skips)' },
    },
    async run(ctx) {
      const wallet = ctx.wallet();
      wallet.info();
      const wait = stringOption(ctx, 'mempool-wait') ?? '6';
      if (!/^\d{1,3}(\.\d+)?$/.test(wait)) throw new CofferError('usage', '--mempool-wait must be a number of seconds');
      const log = fileLogger(networkPaths(ctx.datadir, ctx.network).logs);
      const sync = new WalletSync(wallet, {
        datadir: ctx.datadir,
        source: sourceFor(ctx, log),
        mempoolWaitMs: Number(wait) * 1000,
        log,
      });
      return sync.run();
    },
  },
  {
    words: ['wallet', 'balance'],
    summary: 'confirmed and unconfirmed balance in satoshis (as of the last sync)',
    async run(ctx) {
      const { confirmed, unconfirmed, immature, anchorReserve } = await contractCall(ctx, { wallet: true }, 'wallet.summary', {});
      // Shown only while anchor channels are open: kept for fee bumps of your channels.
      return { confirmed, unconfirmed, ...(immature > 0 ? { immature } : {}), ...(anchorReserve > 0 ? { anchorReserve } : {}) };
    },
  },
  {
    words: ['wallet', 'history'],
    summary: 'transactions, oldest first (as of the last sync)',
    async run(ctx) {
      const list = await contractCall(ctx, { wallet: true }, 'wallet.history', {});
      // The contract's list is newest first with a time, status and label; the command has always
      // printed these five fields, oldest first, the fee (when known) last.
      return list.reverse().map(({ txid, amount, confirmations, blockHeight, fee }) => ({
        txid,
        amount,
        confirmations,
        blockHeight,
        ...(fee !== undefined ? { fee } : {}),
      }));
    },
  },
  {
    words: ['wallet', 'transaction'],
    summary: 'one transaction: amount, fee, confirmations, its proof, every input and output (as of the last sync)',
    args: { names: 'TXID', min: 1, max: 1 },
    run(ctx) {
      const txid = ctx.positionals[0]!.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(txid)) throw new CofferError('usage', 'wallet transaction takes a txid (64 hex digits)');
      return contractCall(ctx, { wallet: true }, 'wallet.transaction', { txid });
    },
  },
];
