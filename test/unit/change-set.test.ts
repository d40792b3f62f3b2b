// Wallet change sets: built against the state without changing it, persisted in one transaction,
// applied in memory after. Applying one equals loading the database after persisting it, and a
// write that fails leaves the database and the memory as they were; a send's and a bump's sets
// likewise. A real SQLite file, no node.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { commitChangeSet, persistChangeSet, readWalletState } from '../../src/db/change-set-store.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { getTxStatus, upsertTx } from '../../src/db/tx-store.js';
import { getMeta, insertAccount, insertAddresses, listAccounts, listAllAddresses } from '../../src/db/wallet-store.js';
import { ChangeSetBuilder, confirmedAbove, emptyChangeSet, signedTx, statusChange } from '../../src/wallet/change-set.js';
import type { WalletState } from '../../src/wallet/wallet-state.js';
import { tmpDir } from '../helpers/tmp.js';

const script = (account: number, chain: number, index: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(account * 64 + chain * 32 + index));
const theirs = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0xfe));
const block = (height: number) => ({ blockHash: new Uint8Array(32).fill(height), height, pos: 1, time: 1_600_000_000 + height });
const external = new Uint8Array(32).fill(0xee);

function tx(inputs: [Uint8Array, number][], outputs: [Uint8Array, number][]): { raw: Uint8Array; txid: Uint8Array } {
  const t: Tx = {
    version: 2,
    inputs: inputs.map(([prevTxid, vout]) => ({ prevTxid, vout, scriptSig: new Uint8Array(), sequence: 0xfffffffd, witness: [] })),
    outputs: outputs.map(([s, value]) => ({ script: s, value })),
    locktime: 0,
  };
  return { raw: serializeTx(t), txid: txidOf(t) };
}

/** A wallet database with two accounts (the second one still being discovered) and a few transactions. */
function walletDb(): Db {
  const db = openDatabase(path.join(tmpDir('coffer-change-set-'), 'wallet.sqlite'));
  for (const [n, status] of [[1, 'active'], [2, 'discover']] as const) {
    const id = insertAccount(db, { script: 'wpkh', account: n - 1, fingerprint: '00000001', xpub: 'x', externalDesc: 'e', internalDesc: 'i', status });
    const rows = [0, 1].flatMap((chain) => [0, 1, 2].map((index) => ({ accountId: id, chain: chain as 0 | 1, index, script: script(id, chain, index), address: `a${id}${chain}${index}` })));
    insertAddresses(db, rows);
  }
  upsertTx(db, funding.txid, { raw: funding.raw, firstSeen: 10, confirmation: block(5) });
  upsertTx(db, late.txid, { raw: late.raw, firstSeen: 11, confirmation: block(9) });
  upsertTx(db, mine.txid, { raw: mine.raw, firstSeen: 12, status: 'pending' });
  return db;
}

const funding = tx([[external, 0]], [[script(1, 0, 0), 100_000], [theirs, 5]]);
const late = tx([[external, 1]], [[script(1, 0, 1), 20_000]]);
const mine = tx([[funding.txid, 0]], [[theirs, 60_000], [script(1, 1, 0), 39_000]]);

/** Everything the wallet shows from a state: transactions, coins, balance, history. */
function view(s: WalletState) {
  const txs = s
    .all()
    .map((w) => ({ txid: hashToHex(w.txid), firstSeen: w.firstSeen, confirmation: w.confirmation ?? null }))
    .sort((a, b) => (a.txid < b.txid ? -1 : 1));
  const utxos = s.utxos().map((u) => ({ ...u, txid: hashToHex(u.txid) })).sort((a, b) => (a.txid + a.vout < b.txid + b.vout ? -1 : 1));
  return { txs, utxos, balance: s.balance(20), history: s.history(20) };
}

function snapshot(db: Db): unknown {
  return ['wallet_txs', 'wallet_addresses', 'wallet_accounts', 'wallet_meta'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all());
}

/** A sync step's worth of changes: a payment to a new address, a spend of it, a reorg, an abandon, discovery. */
function step(state: WalletState): { cs: ReturnType<typeof emptyChangeSet>; pay: ReturnType<typeof tx>; spend: ReturnType<typeof tx> } {
  const stage = new ChangeSetBuilder(state);
  stage.addAddress({ owner: { accountId: 1, chain: 0, index: 3 }, script: script(1, 0, 3), address: 'a103' });
  const pay = tx([[external, 2]], [[script(1, 0, 3), 70_000]]);
  const spend = tx([[pay.txid, 0]], [[theirs, 30_000], [script(1, 1, 1), 39_000]]);
  const stranger = tx([[external, 3]], [[theirs, 1]]);
  // Staged in order: the spend is ours only because the payment staged before it is.
  expect(stage.addTx(pay.raw, 100, block(12))?.paid).toEqual([{ accountId: 1, chain: 0, index: 3 }]);
  expect(stage.addTx(spend.raw, 101)?.paid).toEqual([{ accountId: 1, chain: 1, index: 1 }]);
  expect(stage.addTx(stranger.raw, 102)).toBeUndefined();
  // The pending spend confirms; seen again unconfirmed, nothing changes.
  expect(stage.addTx(mine.raw, 999, block(11))).toBeDefined();
  expect(stage.addTx(funding.raw, 999)).toBeUndefined();
  stage.markUsed({ accountId: 1, chain: 0, index: 3 });
  stage.markUsed({ accountId: 1, chain: 1, index: 1 });
  stage.setMeta('scan_height', '12');
  const cs = stage.changes;
  cs.unconfirmed = confirmedAbove(state, 8);
  cs.statuses = [{ txid: late.txid, status: 'abandoned' }];
  cs.accounts = [{ id: 2, keep: false }];
  return { cs, pay, spend };
}

describe('wallet change sets', () => {
  it('building one changes nothing; applying it equals loading the database after persisting it', () => {
    const db = walletDb();
    const state = readWalletState(db);
    const before = view(state);
    const { cs, pay, spend } = step(state);
    expect(view(state)).toEqual(before);

    commitChangeSet(db, state, cs);
    expect(view(state)).toEqual(view(readWalletState(db)));
    // And the step did what it says, in both.
    expect(state.get(pay.txid)?.confirmation?.height).toBe(12);
    expect(state.get(spend.txid)?.confirmation).toBeUndefined();
    expect(state.get(mine.txid)?.confirmation?.height).toBe(11);
    expect(state.get(late.txid)).toBeUndefined();
    expect(getTxStatus(db, late.txid)).toBe('abandoned');
    expect(getTxStatus(db, mine.txid)).toBe('seen');
    expect(state.ownerOf(script(1, 0, 3))).toEqual({ accountId: 1, chain: 0, index: 3 });
    expect(state.ownerOf(script(2, 0, 0))).toBeUndefined();
    expect(listAccounts(db).map((a) => a.id)).toEqual([1]);
    expect(listAllAddresses(db).filter((a) => a.used).map((a) => a.address)).toEqual(['a103', 'a111']);
    expect(getMeta(db, 'scan_height')).toBe('12');
    db.close();
  });

  it('a reorg set: confirmations above the fork are dropped, here and there alike', () => {
    const db = walletDb();
    const state = readWalletState(db);
    const cs = { ...emptyChangeSet(), unconfirmed: confirmedAbove(state, 4) };
    expect(cs.unconfirmed.map(hashToHex).sort()).toEqual([funding.txid, late.txid].map(hashToHex).sort());
    commitChangeSet(db, state, cs);
    expect(view(state)).toEqual(view(readWalletState(db)));
    expect(state.balance(20).confirmed).toBe(0);
    db.close();
  });

  it('a write that fails part way leaves the database and the memory as they were', () => {
    const db = walletDb();
    const state = readWalletState(db);
    const stored = snapshot(db);
    const before = view(state);
    const { cs } = step(state);
    // STRICT tables refuse a fractional time: the transactions part fails after addresses and marks were written.
    cs.txs[0] = { ...cs.txs[0]!, firstSeen: 1.5 };
    expect(() => commitChangeSet(db, state, cs)).toThrow();
    expect(snapshot(db)).toEqual(stored);
    expect(view(state)).toEqual(before);
    expect(view(readWalletState(db))).toEqual(before);
    db.close();
  });

  it('a send: its change set (the signed transaction, pending) read back equals the state with it applied', () => {
    const db = walletDb();
    const state = readWalletState(db);
    const send = tx([[late.txid, 0]], [[theirs, 15_000], [script(1, 1, 2), 4_000]]);
    const cs = signedTx(send.txid, send.raw);
    persistChangeSet(db, cs);
    state.apply(cs);
    expect(view(readWalletState(db))).toEqual(view(state));
    expect(getTxStatus(db, send.txid)).toBe('pending');
    // The coin it spends is gone, its change is the wallet's (unconfirmed).
    const coins = state.utxos().map((u) => `${hashToHex(u.txid)}:${u.vout}`);
    expect(coins).not.toContain(`${hashToHex(late.txid)}:0`);
    expect(coins).toContain(`${hashToHex(send.txid)}:1`);
    // Broadcast: 'seen', and the state stays as it is.
    const seen = statusChange(send.txid, 'seen');
    persistChangeSet(db, seen);
    state.apply(seen);
    expect(getTxStatus(db, send.txid)).toBe('seen');
    expect(view(readWalletState(db))).toEqual(view(state));
    db.close();
  });

  it('a fee bump: the replacement recorded pending and the original replaced, in one change set', () => {
    const db = walletDb();
    const state = readWalletState(db);
    const bump = tx([[funding.txid, 0]], [[theirs, 60_000], [script(1, 1, 0), 38_000]]);
    const cs = signedTx(bump.txid, bump.raw);
    cs.statuses.push({ txid: mine.txid, status: 'replaced' });
    persistChangeSet(db, cs);
    state.apply(cs);
    expect(view(readWalletState(db))).toEqual(view(state));
    expect(state.get(mine.txid)).toBeUndefined();
    expect(state.get(bump.txid)).toBeDefined();
    expect([getTxStatus(db, mine.txid), getTxStatus(db, bump.txid)]).toEqual(['replaced', 'pending']);
    // The network refuses the replacement: it is abandoned and the original is pending again.
    persistChangeSet(db, statusChange(bump.txid, 'abandoned'));
    persistChangeSet(db, statusChange(mine.txid, 'pending'));
    const back = readWalletState(db);
    expect(back.get(mine.txid)).toBeDefined();
    expect(back.get(bump.txid)).toBeUndefined();
    db.close();
  });

  it('persisting inside a caller\'s transaction rolls back with it', () => {
    const db = walletDb();
    const stored = snapshot(db);
    const { cs } = step(readWalletState(db));
    expect(() =>
      db.transaction(() => {
        persistChangeSet(db, cs);
        throw new Error('the vault tracker failed');
      }).immediate(),
    ).toThrow('the vault tracker failed');
    expect(snapshot(db)).toEqual(stored);
    db.close();
  });
});
