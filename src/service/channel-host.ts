// The service's side of the Lightning node: the wallet's funding, signing, change addresses, fees
// and broadcast handed to channels/ as a ChannelHost, so the node never reaches into service/.

import type { ChannelHost } from '../channels/host.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { signedTx } from '../wallet/change-set.js';
import { checkUnsigned, finish, signAll } from './spend-flows.js';
import { SpendService } from './spend-service.js';
import { loadWalletState } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

/** What the core supplies besides the wallet (its log, chain source, fee estimate, tip and events). */
export type ChannelHostParts = Omit<ChannelHost, 'wallet' | 'fundChannel' | 'changeScript'>;

export function channelHost(wallet: WalletService, parts: ChannelHostParts): ChannelHost {
  return {
    ...parts,
    wallet,
    changeScript: () => wallet.nextChange().script,
    fundChannel(output, alsoStore) {
      return withDbErrors(() =>
        wallet.database.transaction(() => {
          const tip = Number(wallet.meta('tip_height') ?? '0');
          const svc = new SpendService(wallet, loadWalletState(wallet), tip);
          const plan = svc.plan(
            {
              recipients: [{ script: output.script, amount: output.amountSat }],
              feeRate: parts.feeRates().normal,
              // LDK needs a funding transaction whose id cannot change: segwit inputs only.
              exclude: (u) => u.kind === 'pkh',
            },
          );
          checkUnsigned(plan.psbt, { signedWeight: plan.signedWeight, amountSent: plan.amountSent, acceptHighFee: false });
          signAll(wallet, plan.psbt, plan.inputs.length);
          const f = finish(plan.psbt, plan.amountSent, false);
          persistChangeSet(wallet.database, signedTx(f.txid, f.raw));
          alsoStore(f.txid);
          return { txid: f.txid, raw: f.raw };
        }).immediate(),
      );
    },
  };
}
