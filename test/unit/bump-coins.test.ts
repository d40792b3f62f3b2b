// The anchor channels' rules on plain values: the fee reserve, the coins a fee bump adds (and
// spends again when LDK bumps the same claim higher), and the refusals of anchor channels.

import { describe, expect, it } from 'vitest';
import { anchorReserveSat, feeForWeight, inboundAnchorRefusal, outputWeightOf, selectBumpCoins, zeroReserveRefusal, type BumpCoin, type BumpRequest } from '../../src/channels/bump-coins.js';

const P2WPKH = new Uint8Array(22).fill(1);
P2WPKH[0] = 0;
P2WPKH[1] = 20;
const WPKH_SATISFACTION = 4 + 1 + 1 + 72 + 1 + 33;

function coin(n: number, value: number): BumpCoin {
  const txid = new Uint8Array(32).fill(n);
  return { key: `${n}:0`, txid, vout: 0, value, script: P2WPKH, satisfactionWeight: WPKH_SATISFACTION };
}

// An anchor input as LDK hands it over: 330 sats plus the commitment's 1,000-sat fee, the
// commitment's 1,124 weight units plus the anchor witness folded into its satisfaction weight.
const ANCHOR = { value: 330 + 1_000, satisfactionWeight: 1_124 + 116 + 4 };

function request(over: Partial<BumpRequest>): BumpRequest {
  return { coins: [], claimed: [], heldByOthers: new Set(), mustSpend: [ANCHOR], mustPayTo: [], feerateSatPerKw: 5_000, changeScript: P2WPKH, changeDust: 294, ...over };
}

/** The transaction's weight as the selection counts it, rebuilt by hand. */
function weightOf(inputs: number[], outputs: Uint8Array[]): number {
  // version and locktime, segwit marker and flag; one-byte input and output counts.
  return 34 + 8 + inputs.reduce((n, s) => n + 160 + s, 0) + outputs.reduce((n, s) => n + outputWeightOf(s), 0);
}

describe('anchor reserve', () => {
  it('is 10,000 sats per anchor channel, at most 100,000', () => {
    expect([0, 1, 3, 10, 11, 50].map(anchorReserveSat)).toEqual([0, 10_000, 30_000, 100_000, 100_000, 100_000]);
  });

  it('a peer\'s anchor channel is refused unless the confirmed coins keep the reserve with it', () => {
    expect(inboundAnchorRefusal(9_999, 0)).toMatch(/needs 10000 sats .* has 9999/);
    expect(inboundAnchorRefusal(10_000, 0)).toBeUndefined();
    expect(inboundAnchorRefusal(19_999, 1)).toMatch(/needs 20000/);
  });

  it('an anchor channel whose peer sets our reserve to zero is refused; legacy channels and a reserve above zero pass', () => {
    expect(zeroReserveRefusal(true, 0)).toMatch(/no channel reserve/);
    expect(zeroReserveRefusal(true, undefined)).toMatch(/no channel reserve/);
    expect(zeroReserveRefusal(true, 1_000)).toBeUndefined();
    expect(zeroReserveRefusal(false, 0)).toBeUndefined();
  });
});

describe('selectBumpCoins', () => {
  it('adds the largest coin, pays the package rate on the whole weight, and returns change', () => {
    const sel = selectBumpCoins(request({ coins: [coin(1, 5_000), coin(2, 50_000), coin(3, 20_000)] }))!;
    expect(sel.coins.map((c) => c.key)).toEqual(['2:0']);
    const weight = weightOf([ANCHOR.satisfactionWeight, WPKH_SATISFACTION], [P2WPKH]);
    expect(sel.weight).toBe(weight);
    expect(sel.fee).toBe(feeForWeight(5_000, weight));
    // Everything in pays the outputs and the fee exactly.
    expect(ANCHOR.value + 50_000).toBe(sel.change + sel.fee);
    // The package's rate: the commitment's fee is in the anchor's value, its weight in the anchor's.
    expect(sel.fee * 1000).toBeGreaterThanOrEqual(5_000 * sel.weight);
  });

  it('adds coins until the rate is met, and gives up when the wallet cannot pay', () => {
    const small = [coin(1, 5_000), coin(2, 5_000), coin(3, 5_000)];
    const sel = selectBumpCoins(request({ coins: small }))!;
    expect(sel.coins).toHaveLength(2);
    expect(sel.change).toBeGreaterThanOrEqual(294);
    expect(selectBumpCoins(request({ coins: small, feerateSatPerKw: 20_000 }))).toBeUndefined();
    expect(selectBumpCoins(request({ coins: [] }))).toBeUndefined();
  });

  it('a higher bump of the same claim spends the same coins again (it replaces the first)', () => {
    const coins = [coin(1, 40_000), coin(2, 30_000)];
    const first = selectBumpCoins(request({ coins }))!;
    // The first bump's coin is spent now (pending): the wallet no longer lists it.
    const again = selectBumpCoins(request({ coins: coins.filter((c) => c.key !== first.coins[0]!.key), claimed: first.coins, feerateSatPerKw: 10_000 }))!;
    expect(again.coins.map((c) => c.key)).toEqual(first.coins.map((c) => c.key));
    expect(again.fee).toBeGreaterThan(first.fee);
    // So high that the claim's coin is not enough: more are added after it.
    const higher = selectBumpCoins(request({ coins: coins.filter((c) => c.key !== first.coins[0]!.key), claimed: first.coins, feerateSatPerKw: 25_000 }))!;
    expect(higher.coins.map((c) => c.key)).toEqual(['1:0', '2:0']);
  });

  it('takes coins other claims hold only when nothing else pays', () => {
    const coins = [coin(1, 60_000), coin(2, 20_000)];
    const sel = selectBumpCoins(request({ coins, heldByOthers: new Set(['1:0']) }))!;
    expect(sel.coins.map((c) => c.key)).toEqual(['2:0']);
    const forced = selectBumpCoins(request({ coins, heldByOthers: new Set(['1:0', '2:0']) }))!;
    expect(forced.coins.map((c) => c.key)).toEqual(['1:0']);
  });

  it('an HTLC transaction with an output of its own may leave the excess to the fee instead of dust change', () => {
    const htlc = { value: 10_000, satisfactionWeight: 300 };
    const out = { value: 10_000, script: P2WPKH };
    const weight = weightOf([htlc.satisfactionWeight, WPKH_SATISFACTION], [P2WPKH]);
    const exact = feeForWeight(2_000, weight) + 100;
    const sel = selectBumpCoins(request({ coins: [coin(1, exact)], mustSpend: [htlc], mustPayTo: [out], feerateSatPerKw: 2_000 }))!;
    expect(sel.change).toBe(0);
    expect(sel.fee).toBe(exact);
    // Without an output of its own (an anchor's child), change above dust is required: 125 sats would be left.
    const child = weightOf([ANCHOR.satisfactionWeight, WPKH_SATISFACTION], [P2WPKH]);
    const v = feeForWeight(5_000, child) - ANCHOR.value + 125;
    expect(selectBumpCoins(request({ coins: [coin(1, v)] }))).toBeUndefined();
    expect(selectBumpCoins(request({ coins: [coin(1, v)], mustPayTo: [out] }))).toBeUndefined();
    expect(selectBumpCoins(request({ coins: [coin(1, v + 10_000)], mustPayTo: [out] }))?.change).toBe(0);
  });
});
