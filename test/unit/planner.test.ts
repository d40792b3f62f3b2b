// The pure planner: plain fact values in (coins, frozen set, tip, keys, the change slot), a plan
// out. No database: every case builds its facts by hand.

import { describe, expect, it } from 'vitest';
import { accountDescriptorText, deriveAccount, masterFromSeed, type ScriptKind } from '../../src/keys/accounts.js';
import { parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { KeyOrigins, type AccountKeys } from '../../src/wallet/key-origins.js';
import { outpointKey, planSpend, spendableCoins, type PlanRequest, type SpendFacts, type WalletCoin } from '../../src/wallet/planner.js';
import { feeForWeight, inputWeight, outputWeight, txOverheadWeight } from '../../src/wallet/policy.js';
import type { ScriptOwner } from '../../src/wallet/wallet-state.js';
import { expectCode } from '../helpers/errors.js';

const NETWORK = 'regtest';
const TIP = 500;
const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const { entropy, language } = parseMnemonic(WORDS);
const master = masterFromSeed(mnemonicToSeed(entropy, language, ''), NETWORK);
const ACCOUNTS: AccountKeys[] = (['wpkh', 'tr'] as ScriptKind[]).map((script, i) => {
  const a = deriveAccount(master, script, NETWORK);
  return { id: i + 1, script, account: 0, fingerprint: a.fingerprint, externalDesc: accountDescriptorText(a, 0), internalDesc: accountDescriptorText(a, 1) };
});
const scriptOf = (o: ScriptOwner) => {
  const a = ACCOUNTS.find((x) => x.id === o.accountId)!;
  return new ScriptDeriver(parseDescriptor(o.chain === 0 ? a.externalDesc : a.internalDesc, NETWORK), NETWORK).scriptAt(o.index);
};
/** A recipient outside the wallet (P2WPKH). */
const TO = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));
const CHANGE_OWNER: ScriptOwner = { accountId: 1, chain: 1, index: 3 };

let serial = 0;
function coin(value: number, more: Partial<WalletCoin> = {}): WalletCoin {
  serial += 1;
  const owner = more.owner ?? { accountId: 1, chain: 0, index: serial };
  return {
    txid: new Uint8Array(32).fill(serial),
    vout: 0,
    value,
    script: scriptOf(owner),
    owner,
    height: 100,
    coinbase: false,
    kind: ACCOUNTS.find((a) => a.id === owner.accountId)!.script,
    ownParent: false,
    ...more,
  };
}

/** A coin whose transaction is not in a block yet. */
function unconfirmedCoin(value: number, more: Partial<WalletCoin> = {}): WalletCoin {
  const { height: _height, ...rest } = coin(value, more);
  return rest;
}

function facts(coins: WalletCoin[], more: Partial<SpendFacts> = {}): SpendFacts {
  return {
    network: NETWORK,
    tipHeight: TIP,
    coins,
    frozen: new Set(),
    origins: new KeyOrigins(ACCOUNTS, NETWORK),
    change: { script: scriptOf(CHANGE_OWNER), owner: CHANGE_OWNER },
    ...more,
  };
}

/** Facts without a change slot (what SpendService gathers for a send-max). */
function noChange(f: SpendFacts): SpendFacts {
  const { change: _change, ...rest } = f;
  return rest;
}

const send = (amount: number | 'max', more: Partial<PlanRequest> = {}): PlanRequest => ({ recipients: [{ script: TO, amount }], feeRate: 2, random: () => 0.5, ...more });
const spent = (plan: { inputs: { txid: Uint8Array; vout: number }[] }) => plan.inputs.map((i) => outpointKey(i.txid, i.vout)).sort();
const keyOf = (c: WalletCoin) => outpointKey(c.txid, c.vout);
const total = (xs: { value: number }[]) => xs.reduce((n, x) => n + x.value, 0);

describe('planSpend', () => {
  it('an exact spend makes no change: what is left over, less than the cost of change, is fee', () => {
    const c = coin(100_000);
    const plan = planSpend(facts([c]), send(100_000 - 500));
    expect(spent(plan)).toEqual([keyOf(c)]);
    expect(plan.outputs).toEqual([{ script: TO, value: 99_500 }]);
    expect(plan.changeIndex).toBeUndefined();
    expect(plan.fee).toBe(500);
    expect(plan.amountSent).toBe(99_500);
    // The change slot was weighed, so it is reserved even without change (as before the planner).
    expect(plan.changeSlot).toEqual(CHANGE_OWNER);
  });

  it('makes change to the change slot, with its key origin, and balances inputs, outputs and fee', () => {
    const c = coin(1_000_000);
    const plan = planSpend(facts([c]), send(300_000));
    expect(plan.changeIndex).toBeDefined();
    const change = plan.outputs[plan.changeIndex!]!;
    expect(change.script).toEqual(scriptOf(CHANGE_OWNER));
    expect(change.origin?.path.slice(-2)).toEqual([1, 3]);
    expect(total(plan.inputs)).toBe(total(plan.outputs) + plan.fee);
    expect(plan.fee).toBe(feeForWeight(plan.weight, 2));
    expect(plan.amountSent).toBe(300_000);
    expect(plan.psbt.outputsLength).toBe(2);
    expect(plan.psbt.lockTime).toBe(TIP);
  });

  it('a max sweep spends every spendable coin to one output, needs no change slot, reserves none', () => {
    const coins = [coin(40_000), coin(60_000, { owner: { accountId: 2, chain: 0, index: 1 } })];
    const plan = planSpend(noChange(facts(coins)), send('max'));
    expect(spent(plan)).toEqual(coins.map(keyOf).sort());
    expect(plan.outputs).toHaveLength(1);
    expect(plan.outputs[0]!.value).toBe(100_000 - plan.fee);
    const weight = txOverheadWeight(1, 1, true) + outputWeight(TO) + inputWeight('wpkh') + inputWeight('tr');
    expect(plan.fee).toBe(feeForWeight(weight, 2));
    expect(plan.changeSlot).toBeUndefined();
  });

  it('a plan that may make change refuses to run without the change slot', () => {
    expect(() => planSpend(noChange(facts([coin(100_000)])), send(50_000))).toThrow(/change slot/);
  });

  it('frozen coins are never chosen, and coin control may not name them', () => {
    const small = coin(30_000);
    const big = coin(500_000);
    const f = facts([small, big], { frozen: new Set([keyOf(big)]) });
    expect(spent(planSpend(f, send(20_000)))).toEqual([keyOf(small)]);
    expect(expectCode(() => planSpend(f, send(100_000)), 'insufficient-funds').details).toMatchObject({ availableSat: 30_000 });
    expect(expectCode(() => planSpend(f, send(20_000, { inputs: [big] })), 'invalid-outpoint').details).toEqual({ outpoint: keyOf(big) });
  });

  it('an immature coinbase is left out until 101 confirmations', () => {
    const young = coin(5_000_000, { coinbase: true, height: TIP - 99 });
    const ripe = coin(5_000_000, { coinbase: true, height: TIP - 100 });
    expect(spendableCoins(facts([young, ripe])).map(keyOf)).toEqual([keyOf(ripe)]);
    expectCode(() => planSpend(facts([young]), send(10_000)), 'insufficient-funds');
  });

  it('unconfirmed coins count only as change of our own transactions', () => {
    const foreign = unconfirmedCoin(80_000);
    const own = unconfirmedCoin(80_000, { ownParent: true });
    expect(spendableCoins(facts([foreign, own])).map(keyOf)).toEqual([keyOf(own)]);
  });

  it('coin control spends exactly the named coins; with addInputs it adds more, minus excluded ones', () => {
    const a = coin(50_000);
    const b = coin(50_000);
    const c = coin(400_000);
    const d = unconfirmedCoin(400_000, { ownParent: true });
    expect(spent(planSpend(facts([a, b, c]), send(10_000, { inputs: [a, b] })))).toEqual([keyOf(a), keyOf(b)].sort());
    expectCode(() => planSpend(facts([a, b, c]), send(200_000, { inputs: [a] })), 'insufficient-funds');
    const grown = planSpend(facts([a, d, c]), send(200_000, { inputs: [a], addInputs: true, exclude: (u) => u.height === undefined }));
    expect(spent(grown)).toEqual([keyOf(a), keyOf(c)].sort());
    expect(expectCode(() => planSpend(facts([a]), send(10_000, { inputs: [a, a] })), 'invalid-outpoint').details).toEqual({ outpoint: keyOf(a) });
    const stranger = { txid: new Uint8Array(32).fill(0xab), vout: 1 };
    expectCode(() => planSpend(facts([a]), send(10_000, { inputs: [stranger] })), 'invalid-outpoint');
  });

  it('insufficient funds says what is needed, what is available and the shortfall', () => {
    const coins = [coin(10_000), coin(15_000)];
    const e = expectCode(() => planSpend(facts(coins), send(30_000)), 'insufficient-funds');
    const d = e.details as { neededSat: number; availableSat: number; shortfallSat: number };
    expect(d.availableSat).toBe(25_000);
    expect(d.neededSat).toBeGreaterThan(30_000);
    expect(d.shortfallSat).toBe(d.neededSat - d.availableSat);
  });

  it('a spend leaves the sats kept for anchor channels\' fee bumps: untouched coins and change count, a send-max is refused', () => {
    const coins = [coin(50_000), coin(30_000)];
    // 60,000 out of 80,000: the change and nothing else is left, under the 25,000 kept.
    const e = expectCode(() => planSpend(facts(coins), send(60_000, { keepSat: 25_000 })), 'insufficient-funds');
    const d = e.details as { neededSat: number; availableSat: number; shortfallSat: number; anchorReserveSat: number };
    expect(e.message).toMatch(/^25,000 sats are kept for fee bumps of your anchor channels/);
    expect(d.anchorReserveSat).toBe(25_000);
    expect(d.availableSat).toBe(80_000);
    // Both coins go in: what is left is the change, 20,000 less the fee (a few hundred sats at 2 sat/vB).
    expect(d.shortfallSat).toBeGreaterThan(5_000);
    expect(d.shortfallSat).toBeLessThan(6_000);
    expect(d.neededSat - 85_000).toBe(d.shortfallSat - 5_000);
    // 40,000 leaves the untouched 30,000 coin or enough change: it goes through.
    const plan = planSpend(facts(coins), send(40_000, { keepSat: 25_000 }));
    const left = total(coins) - total(plan.inputs) + (plan.changeIndex !== undefined ? plan.outputs[plan.changeIndex]!.value : 0);
    expect(left).toBeGreaterThanOrEqual(25_000);
    expectCode(() => planSpend(noChange(facts(coins)), send('max', { keepSat: 1 })), 'insufficient-funds');
    // Nothing kept: the same spends pass.
    expect(planSpend(facts(coins), send(60_000, { keepSat: 0 })).amountSent).toBe(60_000);
  });

  it('checks the request before choosing coins: fee rate and dust', () => {
    expectCode(() => planSpend(facts([coin(100_000)]), send(10_000, { feeRate: 0.5 })), 'fee-too-low');
    expectCode(() => planSpend(facts([coin(100_000)]), send(100)), 'amount-below-dust');
  });

  it('changes none of its facts, so the same facts and randomness give the same plan', () => {
    const f = facts([coin(70_000), coin(90_000), coin(120_000)]);
    const before = f.coins.map((c) => ({ ...c }));
    const one = planSpend(f, send(100_000));
    const two = planSpend(f, send(100_000));
    expect(f.coins).toEqual(before);
    expect(spent(two)).toEqual(spent(one));
    expect(two.psbt.unsignedTx).toEqual(one.psbt.unsignedTx);
  });
});
