// The wallet's accounting: ownership, balances (confirmed/unconfirmed), spends, conflicts, reorgs
// (found by change-set.ts's queries and applied as change sets).

import { describe, expect, it } from 'vitest';
import { serializeTx, type Tx } from '../../src/chain/tx.js';
import { ChangeSetBuilder, confirmedAbove, emptyChangeSet, unbacked } from '../../src/wallet/change-set.js';
import { WalletState } from '../../src/wallet/wallet-state.js';

const ours = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(n));
const theirs = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(100 + n));
const block = (height: number) => ({ blockHash: new Uint8Array(32).fill(height), height, pos: 1, time: 1_600_000_000 + height });

function tx(inputs: [Uint8Array, number][], outputs: [Uint8Array, number][], salt = 0): Uint8Array {
  const t: Tx = {
    version: 2,
    inputs: inputs.map(([prevTxid, vout]) => ({ prevTxid, vout, scriptSig: new Uint8Array(), sequence: 0xfffffffd - salt, witness: [] })),
    outputs: outputs.map(([script, value]) => ({ script, value })),
    locktime: 0,
  };
  return serializeTx(t);
}

function state(): WalletState {
  const s = new WalletState();
  for (let i = 0; i < 5; i++) s.addScript(ours(i), { accountId: 1, chain: 0, index: i });
  return s;
}

const external = new Uint8Array(32).fill(0xee);

describe('WalletState', () => {
  it('a receive is unconfirmed, then confirmed; history has its depth', () => {
    const s = state();
    const raw = tx([[external, 0]], [[ours(0), 50_000], [theirs(1), 10_000]]);
    s.put(raw, 100);
    expect(s.balance()).toEqual({ confirmed: 0, unconfirmed: 50_000 });
    expect(s.history(10)[0]).toMatchObject({ amount: 50_000, confirmations: 0, blockHeight: null });
    expect(s.history(10)[0]).not.toHaveProperty('fee');
    expect(s.put(raw, 100, block(8)).changed).toBe(true);
    expect(s.balance()).toEqual({ confirmed: 50_000, unconfirmed: 0 });
    expect(s.history(10)[0]).toMatchObject({ confirmations: 3, blockHeight: 8 });
    expect(s.put(raw, 100, block(8)).changed).toBe(false);
  });

  it('a spend: fee known, change counted, UTXOs updated; a spend of an unconfirmed output too', () => {
    const s = state();
    const fund = tx([[external, 0]], [[ours(0), 100_000]]);
    s.put(fund, 1, block(5));
    const spend = tx([[s.all()[0]!.txid, 0]], [[theirs(0), 60_000], [ours(1), 39_000]]);
    s.put(spend, 2);
    expect(s.balance()).toEqual({ confirmed: 100_000, unconfirmed: -61_000 });
    const h = s.history(6);
    expect(h[1]).toMatchObject({ amount: -61_000, fee: 1_000, confirmations: 0 });
    expect(s.utxos().map((u) => u.value)).toEqual([39_000]);
    expect(s.isRelevant(s.get(s.all()[1]!.txid)!.tx)).toBe(true);
    // The spend is the fund's child, so the fund could not be abandoned or replaced alone.
    expect(s.children(s.all()[0]!.txid).map((w) => w.txid)).toEqual([s.all()[1]!.txid]);
    expect(s.children(s.all()[1]!.txid)).toEqual([]);
  });

  it('a reorg unconfirms; reconcile drops confirmations the chain does not back', () => {
    const s = state();
    s.put(tx([[external, 0]], [[ours(0), 1]]), 1, block(5));
    s.put(tx([[external, 1]], [[ours(1), 2]]), 1, block(9));
    const above = confirmedAbove(s, 7);
    expect(above).toEqual([s.all()[1]!.txid]);
    s.apply({ ...emptyChangeSet(), unconfirmed: above });
    expect(s.balance()).toEqual({ confirmed: 1, unconfirmed: 2 });
    const dropped = unbacked(s, (h) => (h === 5 ? new Uint8Array(32).fill(1) : undefined));
    expect(dropped).toEqual([s.all()[0]!.txid]);
    s.apply({ ...emptyChangeSet(), unconfirmed: dropped });
    expect(s.balance()).toEqual({ confirmed: 0, unconfirmed: 3 });
  });

  it('an unconfirmed double spend loses to the confirmed one, with its descendants', () => {
    const s = state();
    s.put(tx([[external, 0]], [[ours(0), 100_000]]), 1, block(1));
    const fid = s.all()[0]!.txid;
    const a = tx([[fid, 0]], [[ours(1), 90_000]], 1);
    const b = tx([[fid, 0]], [[theirs(1), 90_000]], 2);
    s.put(a, 2);
    const aid = s.all()[1]!.txid;
    s.put(tx([[aid, 0]], [[ours(2), 80_000]]), 3);
    s.put(b, 4, block(2));
    // b spent the whole coin (90,000 out, 10,000 fee); a and its child are conflicted.
    expect(s.balance()).toEqual({ confirmed: 0, unconfirmed: 0 });
    expect(s.utxos()).toEqual([]);
    expect(s.history(2).map((e) => e.amount)).toEqual([100_000, -100_000]);
  });

  it('ignores transactions that neither pay us nor spend our coins', () => {
    const s = state();
    const raw = tx([[external, 0]], [[theirs(0), 5]]);
    const { wtx } = s.put(raw, 1);
    expect(s.isRelevant(wtx.tx)).toBe(false);
    const stage = new ChangeSetBuilder(state());
    expect(stage.addTx(raw, 1)).toBeUndefined();
    expect(stage.changes.txs).toEqual([]);
  });
});
