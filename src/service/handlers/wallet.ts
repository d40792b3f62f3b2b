// The contract's reads and small edits of the open wallet: balance, addresses, history, coins,
// labels, descriptors and payment URIs. The views are views.ts and coins.ts.

import { addressToScript } from '../../keys/address.js';
import { putLabel } from '../../db/spend-store.js';
import { withDbErrors } from '../../db/database.js';
import { buildBip21, parsePaymentUri } from '../../wallet/bip21.js';
import { checkLabel } from '../../wallet/labels.js';
import { exportLabels, importLabels, listUtxos, setFrozen } from '../coins.js';
import { parseOutpoint } from '../spend-service.js';
import { history, summary, transaction } from '../views.js';
import type { CoreHost, HandlerMap } from './handler.js';

export type WalletMethods =
  | 'wallet.summary'
  | 'wallet.address'
  | 'wallet.history'
  | 'wallet.transaction'
  | 'wallet.utxos'
  | 'wallet.freeze'
  | 'wallet.setLabel'
  | 'wallet.descriptors'
  | 'wallet.info'
  | 'labels.export'
  | 'labels.import'
  | 'uri.build'
  | 'uri.parse';

export function walletHandlers(host: CoreHost): HandlerMap<WalletMethods> {
  return {
    'wallet.summary': () => summary(host.wallet()),
    'wallet.address': ({ fresh }) => (fresh ? host.wallet().nextAddress() : host.wallet().currentAddress()),
    'wallet.history': ({ limit }) => {
      const list = history(host.wallet());
      return limit === undefined ? list : list.slice(0, limit);
    },
    'wallet.transaction': ({ txid }) => transaction(host.wallet(), txid, host.backendKind()),
    'wallet.utxos': () => listUtxos(host.wallet()),
    'wallet.freeze': ({ outpoint, frozen }) => setFrozen(host.wallet(), parseOutpoint(outpoint), frozen),
    'wallet.setLabel': ({ type, ref, label }) => {
      const checked = checkLabel(type, ref, label);
      withDbErrors(() => putLabel(host.wallet().database, { type, ...checked }));
      return { ok: true as const };
    },
    'wallet.descriptors': () => host.wallet().descriptors(),
    'wallet.info': () => ({ ...host.wallet().info(), settings: host.wallet().settings() }),
    'labels.export': () => ({ text: exportLabels(host.wallet()) }),
    'labels.import': ({ text }) => {
      const r = importLabels(host.wallet(), text);
      return { imported: r.imported, skipped: r.skipped.length, skippedLines: r.skipped, truncated: r.truncated };
    },
    'uri.build': (p) => {
      addressToScript(p.address, host.wallet().network);
      return { uri: buildBip21({ address: p.address, ...(p.amountSat !== undefined ? { amountSat: p.amountSat } : {}), ...(p.label ? { label: p.label } : {}), ...(p.message ? { message: p.message } : {}) }) };
    },
    'uri.parse': ({ text }) => {
      const network = host.wallet().network;
      const t = text.trim();
      if (!/^bitcoin:/i.test(t)) {
        addressToScript(t, network);
        return { address: t };
      }
      const r = parsePaymentUri(t, network);
      return { address: r.address, ...(r.amountSat !== undefined ? { amountSat: r.amountSat } : {}), ...(r.label ? { label: r.label } : {}), ...(r.message ? { message: r.message } : {}) };
    },
  };
}
