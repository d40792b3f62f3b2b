// The wallet state as stored, and wallet change sets (wallet/change-set.ts) persisted: every part
// written in one SQLite transaction, so a step is stored whole or not at all.

import type { WalletChangeSet } from '../wallet/change-set.js';
import { WalletState } from '../wallet/wallet-state.js';
import type { Db } from './database.js';
import { listTxs, setTxStatus, unconfirmTx, upsertTx } from './tx-store.js';
import { deleteAccount, insertAddresses, listAllAddresses, markUsed, setAccountStatus, setMeta } from './wallet-store.js';

/** The wallet's scripts and transactions as stored (abandoned and replaced ones left out). */
export function readWalletState(db: Db): WalletState {
  const state = new WalletState();
  for (const a of listAllAddresses(db)) state.addScript(a.script, { accountId: a.accountId, chain: a.chain, index: a.index });
  for (const t of listTxs(db)) if (t.status !== 'abandoned' && t.status !== 'replaced') state.put(t.raw, t.firstSeen, t.confirmation);
  return state;
}

/** Write `cs` in one transaction (a savepoint when the caller's transaction is open). */
export function persistChangeSet(db: Db, cs: WalletChangeSet): void {
  db.transaction(() => {
    insertAddresses(db, cs.addresses.map((a) => ({ ...a.owner, script: a.script, address: a.address })));
    for (const o of cs.used) markUsed(db, o.accountId, o.chain, o.index);
    for (const t of cs.txs) upsertTx(db, t.txid, t);
    for (const txid of cs.unconfirmed) unconfirmTx(db, txid);
    for (const s of cs.statuses) setTxStatus(db, s.txid, s.status);
    for (const [key, value] of Object.entries(cs.meta)) setMeta(db, key, value);
    for (const a of cs.accounts) {
      if (a.keep) setAccountStatus(db, a.id, 'active');
      else deleteAccount(db, a.id);
    }
  }).immediate();
}

/** Persist `cs`, then apply it to `state`: a write that fails leaves both as they were. */
export function commitChangeSet(db: Db, state: WalletState, cs: WalletChangeSet): void {
  persistChangeSet(db, cs);
  state.apply(cs);
}
