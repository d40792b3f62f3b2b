// The service's side of the Lightning node: the wallet's funding, fee bump coins and signing, change
// addresses, fees and broadcast handed to channels/ as a ChannelHost (channels/ never imports service/).

import { CofferError } from '../api/errors.js';
import { parseTx, serializeTx } from '../chain/tx.js';
import type { ChannelHost } from '../channels/host.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { signedTx } from '../wallet/change-set.js';
import { inputWeight } from '../wallet/policy.js';
import type { SignTarget } from '../wallet/psbt-review.js';
import { checkUnsigned, finish, signAll } from './spend-flows.js';
import { keyOrigins, outpointKey, signWithSeed, SpendService } from './spend-service.js';
import { loadWalletState } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

/** What the core supplies besides the wallet (its log, chain source, fee estimate, tip and events). */
export type ChannelHostParts = Omit<ChannelHost, 'wallet' | 'fundChannel' | 'changeScript' | 'bumpCoins' | 'signInputs'>;

/** An input's outpoint, sequence and empty scriptSig length, weight units: LDK's satisfaction weight is the rest. */
const INPUT_BASE_WEIGHT = (32 + 4 + 4) * 4;

export function channelHost(wallet: WalletService, parts: ChannelHostParts): ChannelHost {
  return {
    ...parts,
    wallet,
    changeScript: () => wallet.nextChange().script,
    bumpCoins() {
      const svc = new SpendService(wallet, loadWalletState(wallet), Number(wallet.meta('tip_height') ?? '0'));
      // Confirmed segwit coins only: a bump's txid must not change once LDK has signed its own inputs.
      return svc
        .spendable()
        .filter((u) => u.height !== undefined && (u.kind === 'wpkh' || u.kind === 'tr'))
        .map((u) => ({ key: outpointKey(u.txid, u.vout), txid: u.txid, vout: u.vout, value: u.value, script: u.script, satisfactionWeight: inputWeight(u.kind) - INPUT_BASE_WEIGHT }));
    },
    signInputs(unsigned, prevouts, ours) {
      const state = loadWalletState(wallet);
      const origins = keyOrigins(wallet);
      const tx = parseTx(unsigned);
      const targets: SignTarget[] = ours.map((index) => {
        const prevout = prevouts[index];
        const owner = prevout && state.ownerOf(prevout.script);
        if (!prevout || !owner) throw new CofferError('invalid-psbt', `Input ${index} of the fee bump does not spend a coin of this wallet.`, { input: index });
        return { index, origin: origins.path(owner), prevout, namedKeys: [] };
      });
      const signatures = wallet.withSeed((seed) => signWithSeed({ tx, prevouts, targets }, seed, wallet.network));
      if (signatures.length !== ours.length) throw new CofferError('invalid-psbt', `Only ${signatures.length} of the fee bump's ${ours.length} wallet coins could be signed.`, { reason: 'unsigned' });
      for (const sig of signatures) tx.inputs[sig.index]!.witness = sig.kind === 'tr' ? [sig.signature] : [sig.signature, sig.pubkey];
      return serializeTx(tx, true);
    },
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
