// `coffer sync`, `coffer wallet balance` and `coffer wallet history`.

import { CofferError } from '../api/errors.js';
import { chainParams } from '../chain/params.js';
import { parseHostPort } from '../p2p/pool.js';
import { fileLogger } from '../service/log.js';
import { networkPaths } from '../service/datadir.js';
import { loadWalletState, WalletSync } from '../service/wallet-sync.js';
import { stringOption, stringsOption, type Command, type Context } from './command.js';

const CONNECT = { type: 'string', multiple: true, value: 'HOST:PORT', help: 'peer to use (repeatable); otherwise DNS seeds' } as const;

function connectList(ctx: Context): string[] {
  const list = stringsOption(ctx, 'connect');
  const port = chainParams(ctx.network).port;
  for (const c of list) {
    if (!parseHostPort(c, port)) throw new CofferError('usage', `--connect needs HOST:PORT, got "${c}"`);
  }
  return list;
}

export const syncCommands: Command[] = [
  {
    words: ['sync'],
    summary: 'connect to peers, sync headers and the wallet, print the tip and balance',
    options: {
      connect: CONNECT,
      'mempool-wait': { type: 'string', value: 'SECONDS', help: 'how long to wait for unconfirmed transactions (default 6; 0 skips)' },
    },
    async run(ctx) {
      const wallet = ctx.wallet();
      wallet.info();
      const connect = connectList(ctx);
      const wait = stringOption(ctx, 'mempool-wait') ?? '6';
      if (!/^\d{1,3}(\.\d+)?$/.test(wait)) throw new CofferError('usage', '--mempool-wait must be a number of seconds');
      const sync = new WalletSync(wallet, {
        datadir: ctx.datadir,
        connect,
        mempoolWaitMs: Number(wait) * 1000,
        log: fileLogger(networkPaths(ctx.datadir, ctx.network).logs),
      });
      return sync.run();
    },
  },
  {
    words: ['wallet', 'balance'],
    summary: 'confirmed and unconfirmed balance in satoshis (as of the last sync)',
    run(ctx) {
      const wallet = ctx.wallet();
      wallet.info();
      return loadWalletState(wallet).balance();
    },
  },
  {
    words: ['wallet', 'history'],
    summary: 'transactions, oldest first (as of the last sync)',
    run(ctx) {
      const wallet = ctx.wallet();
      wallet.info();
      const tip = Number(wallet.meta('tip_height') ?? '0');
      return loadWalletState(wallet).history(tip);
    },
  },
];
