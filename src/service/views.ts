// What the UI shows, built from the wallet's stored state: balances and their history, the
// transaction list (vault transactions marked as such), one transaction in detail, and where the
// vaults are kept besides this database.

import type { Results, TxDetail, TxSummary, VaultInfo } from '../api/contract.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { isCoinbase, parseTx, txid as txidOf, vsize } from '../chain/tx.js';
import { scriptToAddress } from '../keys/address.js';
import { withDbErrors } from '../db/database.js';
import { listLabels } from '../db/spend-store.js';
import { listTxs, type TxStatus } from '../db/tx-store.js';
import { listVaults } from '../db/vault-store.js';
import { CofferError } from '../api/errors.js';
import { VAULT_BACKUP_META } from './vault-backups.js';
import { listVaultEntries } from './vault-service.js';
import { towerFiles } from './vault-tracker.js';
import { isMature } from '../wallet/wallet-state.js';
import { loadWalletState } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

const MAX_SERIES_POINTS = 300;

type TxKind = NonNullable<TxSummary['kind']>;

/** Vault states whose coins still sit in the vault (its deposit or its unvault output). */
const IN_VAULT: ReadonlySet<string> = new Set(['funded', 'unvaulting', 'withdrawable']);

/** Sats held in vaults: not spendable, so never part of the balance. */
export function vaultTotal(vaults: readonly Pick<VaultInfo, 'amount' | 'status'>[]): number {
  return vaults.reduce((sum, v) => sum + (IN_VAULT.has(v.status) ? v.amount : 0), 0);
}

/** Which transaction of which vault each txid is (a stray payment is not a vault's deposit). */
export function vaultTxKinds(vaults: readonly VaultInfo[]): Map<string, TxKind> {
  const kinds = new Map<string, TxKind>();
  for (const v of vaults) {
    if (v.status === 'stray' || v.status === 'swept') continue;
    kinds.set(v.depositTxid, 'vault-deposit');
    if (v.unvaultTxid) kinds.set(v.unvaultTxid, 'unvault');
    if (v.withdrawTxid) kinds.set(v.withdrawTxid, 'vault-withdraw');
    if (v.cancelTxid) kinds.set(v.cancelTxid, 'vault-cancel');
  }
  return kinds;
}

/** Besides this database: the vault backup file, the watchtower package files, the vaults they hold. */
export function vaultKeeping(wallet: WalletService): Results['vault.list']['keeping'] {
  const backupFile = wallet.meta(VAULT_BACKUP_META);
  const towersServed = withDbErrors(() => listVaults(wallet.database))
    .filter((v) => v.towersServed)
    .map((v) => v.id);
  return { ...(backupFile ? { backupFile } : {}), towerFiles: towerFiles(wallet), towersServed };
}

function tipOf(wallet: WalletService): number {
  return Number(wallet.meta('tip_height') ?? '0');
}

function statuses(wallet: WalletService): Map<string, TxStatus> {
  const m = new Map<string, TxStatus>();
  for (const t of withDbErrors(() => listTxs(wallet.database))) {
    m.set(hashToHex(loadTxid(t.raw)), t.status ?? 'seen');
  }
  return m;
}

function loadTxid(raw: Uint8Array): Uint8Array {
  return txidOf(parseTx(raw));
}

/** Newest first, with labels, status and a time (block time, or first seen while unconfirmed). */
export function history(wallet: WalletService, state = loadWalletState(wallet), vaults = listVaultEntries(wallet)): TxSummary[] {
  const tip = tipOf(wallet);
  const labels = new Map(withDbErrors(() => listLabels(wallet.database)).filter((l) => l.type === 'tx').map((l) => [l.ref, l.label]));
  const status = statuses(wallet);
  const kinds = vaultTxKinds(vaults);
  return state
    .history(tip)
    .map((h) => {
      const w = state.get(hexToHash(h.txid)!)!;
      const label = labels.get(h.txid);
      const kind = kinds.get(h.txid);
      const s: TxSummary = {
        ...h,
        time: w.confirmation?.time ?? w.firstSeen,
        status: w.confirmation ? 'confirmed' : status.get(h.txid) === 'pending' ? 'pending' : 'unconfirmed',
        ...(label ? { label } : {}),
        ...(kind ? { kind } : {}),
        ...(w.confirmation && isCoinbase(w.tx) && !isMature(w.confirmation.height, tip) ? { maturing: true as const } : {}),
      };
      return s;
    })
    .reverse();
}

export function summary(wallet: WalletService): Results['wallet.summary'] {
  const state = loadWalletState(wallet);
  const tip = tipOf(wallet);
  const b = state.balance(tip);
  const vaults = listVaultEntries(wallet);
  const points = history(wallet, state, vaults).reverse();
  let running = 0;
  let series = points.map((p) => ({ time: p.time, balance: (running += p.amount) }));
  if (series.length > MAX_SERIES_POINTS) {
    const step = series.length / MAX_SERIES_POINTS;
    series = Array.from({ length: MAX_SERIES_POINTS }, (_, i) => series[Math.min(series.length - 1, Math.floor((i + 1) * step) - 1)]!);
  }
  const anchorReserve = Number(wallet.meta('anchor_reserve_sat') ?? '0');
  return { confirmed: b.confirmed, unconfirmed: b.unconfirmed, immature: b.immature ?? 0, vaults: vaultTotal(vaults), anchorReserve, tipHeight: tip, series };
}

export function transaction(wallet: WalletService, txidHex: string, backendKind: string): TxDetail {
  const state = loadWalletState(wallet);
  const id = hexToHash(txidHex);
  const w = id ? state.get(id) : undefined;
  if (!w) throw new CofferError('unknown-transaction', `This wallet has no transaction ${txidHex}.`);
  const h = history(wallet, state).find((x) => x.txid === txidHex);
  if (!h) throw new CofferError('unknown-transaction', `Transaction ${txidHex} is not in the history (replaced or abandoned).`);
  const inputs = w.tx.inputs.map((i) => {
    const prev = state.get(i.prevTxid)?.tx.outputs[i.vout];
    return {
      outpoint: `${hashToHex(i.prevTxid)}:${i.vout}`,
      ...(prev ? { value: prev.value } : {}),
      mine: prev !== undefined && state.ownerOf(prev.script) !== undefined,
    };
  });
  const outputs = w.tx.outputs.map((o) => ({ address: scriptToAddress(o.script, wallet.network) ?? 'non-standard script', value: o.value, mine: state.ownerOf(o.script) !== undefined }));
  const proven = w.confirmation !== undefined;
  return {
    ...h,
    ...(w.confirmation ? { blockHash: hashToHex(w.confirmation.blockHash) } : {}),
    proofVerified: proven,
    proof: proven ? (backendKind === 'spv' || backendKind === 'electrum' ? 'merkle-proof' : 'full-block') : 'none',
    vsize: vsize(w.tx),
    inputs,
    outputs,
  };
}
