// Coins and labels: the UTXO list, freezing, and BIP329 label export/import.

import { hashToHex } from '../chain/bytes.js';
import { scriptToAddress } from '../keys/address.js';
import { withDbErrors } from '../db/database.js';
import { listFrozen, listLabels, putLabel, setFrozen as storeFrozen } from '../db/spend-store.js';
import { isMature } from '../wallet/wallet-state.js';
import { mergeLabels, parseLabels, serializeLabels, type LabelRecord } from '../wallet/labels.js';
import { outpointKey, type Outpoint } from './spend-service.js';
import { loadWalletState } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

export interface UtxoInfo {
  txid: string;
  vout: number;
  value: number;
  address: string;
  confirmations: number;
  frozen: boolean;
  label?: string;
  /** A coinbase output before its 101st confirmation: not spendable yet. */
  maturing?: true;
}

export function listUtxos(wallet: WalletService): UtxoInfo[] {
  wallet.info();
  const tip = Number(wallet.meta('tip_height') ?? '0');
  const frozen = new Set(withDbErrors(() => listFrozen(wallet.database)).map((o) => outpointKey(o.txid, o.vout)));
  const labels = new Map(withDbErrors(() => listLabels(wallet.database)).map((l) => [`${l.type}:${l.ref}`, l.label]));
  return loadWalletState(wallet)
    .utxos()
    .map((u) => {
      const ref = outpointKey(u.txid, u.vout);
      const label = labels.get(`output:${ref}`);
      return {
        txid: hashToHex(u.txid),
        vout: u.vout,
        value: u.value,
        address: scriptToAddress(u.script, wallet.network) ?? '',
        confirmations: u.height === undefined ? 0 : tip - u.height + 1,
        frozen: frozen.has(ref),
        ...(label ? { label } : {}),
        ...(u.coinbase && u.height !== undefined && !isMature(u.height, tip) ? { maturing: true as const } : {}),
      };
    })
    .sort((a, b) => b.value - a.value);
}

export function setFrozen(wallet: WalletService, o: Outpoint, frozen: boolean): { outpoint: string; frozen: boolean } {
  wallet.info();
  withDbErrors(() => storeFrozen(wallet.database, o.txid, o.vout, frozen));
  return { outpoint: outpointKey(o.txid, o.vout), frozen };
}

/** Labels plus an output record with `spendable: false` for every frozen coin. */
export function exportLabels(wallet: WalletService): string {
  wallet.info();
  const labels: LabelRecord[] = withDbErrors(() => listLabels(wallet.database));
  const frozen: LabelRecord[] = withDbErrors(() => listFrozen(wallet.database)).map((o) => ({
    type: 'output' as const,
    ref: outpointKey(o.txid, o.vout),
    spendable: false,
  }));
  return serializeLabels(mergeLabels(labels, frozen));
}

export function importLabels(wallet: WalletService, text: string): { imported: number; skipped: { line: number; reason: string }[]; truncated: number[] } {
  wallet.info();
  const parsed = parseLabels(text);
  withDbErrors(() =>
    wallet.database.transaction(() => {
      for (const r of parsed.records) {
        if (r.label !== undefined) putLabel(wallet.database, { type: r.type, ref: r.ref, label: r.label, ...(r.origin ? { origin: r.origin } : {}) });
        if (r.type === 'output' && r.spendable !== undefined) {
          const [txid, vout] = r.ref.split(':');
          const bytes = txid ? Uint8Array.from(Buffer.from(txid, 'hex')).reverse() : undefined;
          if (bytes && bytes.length === 32) storeFrozen(wallet.database, bytes, Number(vout), !r.spendable);
        }
      }
    }).immediate(),
  );
  return { imported: parsed.records.length, skipped: parsed.skipped, truncated: parsed.truncated };
}
