// Choosing the coins that pay for a transaction: an exact changeless match if one exists, else a random draw with change.
//
// The fee of a set of inputs is never the sum of per-input fees: it is the fee of the whole
// transaction's vsize, rounded up once (policy.feeForWeight). Every accept/reject decision below
// is made on that exact integer fee; per-input "effective values" only order and prune the search.

import { CofferError } from '../api/errors.js';
import { feeForWeight, formatSats } from './policy.js';

export interface Candidate {
  id: string;
  value: number;
  /** Worst-case weight of spending this coin as an input (policy.inputWeight). */
  weight: number;
}

export interface SelectionRequest {
  /** Spendable coins; frozen ones already removed by the caller. */
  candidates: Candidate[];
  /** What the recipients get, in sats (> 0). */
  target: number;
  /** sat/vB, may be fractional, >= 0. */
  feeRate: number;
  /** Transaction overhead plus the recipient outputs: no inputs, no change. */
  baseWeight: number;
  changeWeight: number;
  /** Weight of spending the change output later, for the cost of making change. */
  changeSpendWeight: number;
  changeDust: number;
  /** The fee rate we expect to pay on average later (waste metric); default 10 sat/vB. */
  longTermFeeRate?: number;
  /** Coin control: always spent. */
  required?: Candidate[];
  /** Coin control: spend exactly `required`, nothing else. */
  onlyRequired?: boolean;
  random?: () => number;
}

export interface Selection {
  inputs: Candidate[];
  /** 0 means no change output. */
  change: number;
  fee: number;
  /** Total weight, change output included when there is one. */
  weight: number;
  algorithm: 'bnb' | 'srd' | 'manual';
}

export type SelectAllRequest = Omit<SelectionRequest, 'target' | 'changeWeight' | 'changeSpendWeight' | 'changeDust'> & {
  recipientDust: number;
};

export const DEFAULT_LONG_TERM_FEE_RATE = 10;
/** Bitcoin Core's TOTAL_TRIES: the search gives up after this many steps. */
export const BNB_MAX_TRIES = 100_000;

/** The coins in play: coin-control ones, and the others worth more than the fee to spend them. */
interface Pool {
  required: Candidate[];
  optional: Candidate[];
}

/** Fee of making change now plus of spending it later: what a changeless result may give away. */
export function costOfChange(req: Pick<SelectionRequest, 'feeRate' | 'changeWeight' | 'changeSpendWeight' | 'longTermFeeRate'>): number {
  return feeForWeight(req.changeWeight, req.feeRate) + feeForWeight(req.changeSpendWeight, req.longTermFeeRate ?? DEFAULT_LONG_TERM_FEE_RATE);
}

/** A coin's value minus the fee of spending it at this rate; at or below zero it costs more than it brings. */
export function effectiveValue(c: Candidate, feeRate: number): number {
  return c.value - feeForWeight(c.weight, feeRate);
}

export function selectCoins(req: SelectionRequest): Selection {
  checkAmount(req.target, 'target', 1);
  for (const [name, w] of [['changeWeight', req.changeWeight], ['changeSpendWeight', req.changeSpendWeight], ['changeDust', req.changeDust]] as const) {
    checkAmount(w, name, 0);
  }
  const pool = preparePool(req);
  const cost = costOfChange(req);

  if (req.onlyRequired === true) {
    const sel = settle(req, pool.required, cost, true);
    if (sel) return { ...sel, algorithm: 'manual' };
    throw insufficient(req.target, req.baseWeight, req.feeRate, pool.required);
  }
  const exact = branchAndBound(req, pool, cost);
  if (exact) return { ...exact, algorithm: 'bnb' };
  const drawn = singleRandomDraw(req, pool, cost);
  if (drawn) return { ...drawn, algorithm: 'srd' };
  throw insufficient(req.target, req.baseWeight, req.feeRate, [...pool.required, ...pool.optional]);
}

/** Send-max: every usable coin (or exactly `required`), all of it to one recipient minus the fee. */
export function selectAll(req: SelectAllRequest): { inputs: Candidate[]; amount: number; fee: number; weight: number } {
  checkAmount(req.recipientDust, 'recipientDust', 0);
  const pool = preparePool(req);
  const inputs = req.onlyRequired === true ? pool.required : [...pool.required, ...pool.optional];
  const weight = req.baseWeight + sum(inputs, (c) => c.weight);
  const fee = feeForWeight(weight, req.feeRate);
  const total = sum(inputs, (c) => c.value);
  const amount = total - fee;
  if (amount <= 0) {
    const needed = fee + Math.max(req.recipientDust, 1);
    const shortfall = Math.max(1, needed - total);
    throw new CofferError('insufficient-funds', `Not enough funds: ${formatSats(shortfall)} short.`, { neededSat: needed, availableSat: total, shortfallSat: shortfall });
  }
  if (amount < req.recipientDust) {
    throw new CofferError(
      'amount-below-dust',
      `After the ${formatSats(fee)} fee only ${formatSats(amount)} would be sent, less than the ${formatSats(req.recipientDust)} the network accepts for that address.`,
      { valueSat: amount, dustThresholdSat: req.recipientDust },
    );
  }
  return { inputs, amount, fee, weight };
}

/**
 * Decide change for a fixed set of inputs. Changeless when the leftover is no more than the cost
 * of change (giving it to the miner is cheaper than making and later spending change); otherwise
 * change, if it would not be dust. With `final`, no more coins can be added, so leftover that
 * cannot become change goes to the fee.
 */
function settle(req: SelectionRequest, inputs: Candidate[], cost: number, final: boolean, sums = totals(inputs)): Omit<Selection, 'algorithm'> | undefined {
  const value = sums.value;
  const weight = req.baseWeight + sums.weight;
  const excess = value - req.target - feeForWeight(weight, req.feeRate);
  if (excess < 0) return undefined;
  if (excess <= cost) return { inputs, change: 0, fee: value - req.target, weight };
  const withChange = weight + req.changeWeight;
  const change = value - req.target - feeForWeight(withChange, req.feeRate);
  if (change >= Math.max(req.changeDust, 1)) {
    return { inputs, change, fee: value - req.target - change, weight: withChange };
  }
  return final ? { inputs, change: 0, fee: value - req.target, weight } : undefined;
}

/**
 * Depth-first search for a changeless input set whose leftover lies in [0, cost of change],
 * keeping the one with the least waste. Candidates are sorted by effective value, largest first,
 * and each step either includes the next candidate or backtracks.
 *
 * The true leftover E = value - target - fee(weight) is not monotone in the inputs (the fee is
 * rounded up once, on the total), so the pruning works with the unrounded leftover
 * X = value - target - feeRate * weight / 4, which only grows as coins are added, and
 * E lies in (X - feeRate * 3/4 - 1, X]. Pruning is therefore sound: for small wallets the search
 * is exhaustive and finds the least-waste solution.
 */
function branchAndBound(req: SelectionRequest, pool: Pool, cost: number): Omit<Selection, 'algorithm'> | undefined {
  const rate = req.feeRate;
  const longTerm = req.longTermFeeRate ?? DEFAULT_LONG_TERM_FEE_RATE;
  const coins = pool.optional
    .map((c) => ({ c, ev: effectiveValue(c, rate) }))
    .sort((a, b) => b.ev - a.ev || b.c.value - a.c.value || a.c.weight - b.c.weight || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0))
    .map((x) => x.c);
  const n = coins.length;
  const restValue = new Array<number>(n + 1).fill(0);
  const restWeight = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    restValue[i] = (restValue[i + 1] ?? 0) + (coins[i]?.value ?? 0);
    restWeight[i] = (restWeight[i + 1] ?? 0) + (coins[i]?.weight ?? 0);
  }
  const inputWaste = (w: number) => (w * (rate - longTerm)) / 4;
  const rounding = (rate * 3) / 4 + 1;
  // Floats carry the fractional fee; a satoshi of slack keeps their error from pruning a solution.
  const slack = 1;

  let value = sum(pool.required, (c) => c.value);
  let weight = req.baseWeight + sum(pool.required, (c) => c.weight);
  let waste = inputWaste(weight - req.baseWeight);
  const chosen: number[] = [];
  let best: number[] | undefined;
  let bestWaste = Infinity;

  const consider = () => {
    const excess = value - req.target - feeForWeight(weight, rate);
    if (excess >= 0 && excess <= cost && waste + excess < bestWaste) {
      bestWaste = waste + excess;
      best = [...chosen];
    }
  };
  const worthExtending = (i: number): boolean => {
    if (i >= n) return false;
    const reachable = value + (restValue[i] ?? 0) - req.target - (rate * (weight + (restWeight[i] ?? 0))) / 4;
    if (reachable < -slack) return false;
    const unrounded = value - req.target - (rate * weight) / 4;
    if (unrounded - rounding > cost + slack) return false;
    // Above the long-term rate every added input adds waste, so a branch already worse stays worse.
    if (rate >= longTerm && waste + Math.max(0, unrounded - rounding) > bestWaste + slack) return false;
    return true;
  };

  consider();
  let next = 0;
  for (let tries = 0; tries < BNB_MAX_TRIES; tries++) {
    if (worthExtending(next)) {
      const c = coins[next] as Candidate;
      chosen.push(next);
      value += c.value;
      weight += c.weight;
      waste += inputWaste(c.weight);
      next += 1;
      consider();
      continue;
    }
    const last = chosen.pop();
    if (last === undefined) break;
    const c = coins[last] as Candidate;
    value -= c.value;
    weight -= c.weight;
    waste -= inputWaste(c.weight);
    next = last + 1;
    // Leaving out a coin and then taking an identical one reaches a set already tried.
    while (next < n && coins[next]?.value === c.value && coins[next]?.weight === c.weight) next += 1;
  }
  if (best === undefined) return undefined;
  const inputs = [...pool.required, ...best.map((i) => coins[i] as Candidate)];
  const total = sum(inputs, (c) => c.value);
  return { inputs, change: 0, fee: total - req.target, weight: req.baseWeight + sum(inputs, (c) => c.weight) };
}

/**
 * Add coins in random order until the set either fits the changeless window or leaves change
 * above dust. Randomness keeps the wallet's coin choices from revealing a pattern; drawing on
 * until change is not dust keeps us from handing a large remainder to the miner while coins remain.
 */
function singleRandomDraw(req: SelectionRequest, pool: Pool, cost: number): Omit<Selection, 'algorithm'> | undefined {
  const random = req.random ?? Math.random;
  const order = [...pool.optional];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [order[i], order[j]] = [order[j] as Candidate, order[i] as Candidate];
  }
  const inputs = [...pool.required];
  const sums = totals(inputs);
  if (inputs.length > 0) {
    const sel = settle(req, inputs, cost, order.length === 0, sums);
    if (sel) return sel;
  }
  for (let i = 0; i < order.length; i++) {
    const c = order[i] as Candidate;
    inputs.push(c);
    sums.value += c.value;
    sums.weight += c.weight;
    const sel = settle(req, inputs, cost, i === order.length - 1, sums);
    if (sel) return sel;
  }
  return undefined;
}

function insufficient(target: number, baseWeight: number, feeRate: number, inputs: Candidate[]): CofferError {
  // The cheapest transaction that could work spends every usable coin and has no change.
  const available = sum(inputs, (c) => c.value);
  const needed = target + feeForWeight(baseWeight + sum(inputs, (c) => c.weight), feeRate);
  const shortfall = Math.max(1, needed - available);
  return new CofferError('insufficient-funds', `Not enough funds: ${formatSats(shortfall)} short.`, { neededSat: needed, availableSat: available, shortfallSat: shortfall });
}

/**
 * Validate the request and split the coins: `required` always counts; the rest only when worth
 * spending at this fee rate. A coin in both lists is taken once, as required.
 */
function preparePool(req: SelectAllRequest | SelectionRequest): Pool {
  if (!Number.isFinite(req.feeRate) || req.feeRate < 0) throw new RangeError('feeRate must be a non-negative number');
  const lt = req.longTermFeeRate ?? DEFAULT_LONG_TERM_FEE_RATE;
  if (!Number.isFinite(lt) || lt < 0) throw new RangeError('longTermFeeRate must be a non-negative number');
  checkAmount(req.baseWeight, 'baseWeight', 0);
  const required = req.required ?? [];
  const byId = new Map<string, Candidate>();
  for (const c of required) {
    checkCandidate(c);
    if (byId.has(c.id)) throw new RangeError(`coin ${c.id} is listed twice in required`);
    byId.set(c.id, c);
  }
  const seen = new Set<string>();
  const optional: Candidate[] = [];
  for (const c of req.candidates) {
    checkCandidate(c);
    if (seen.has(c.id)) throw new RangeError(`coin ${c.id} is listed twice in candidates`);
    seen.add(c.id);
    const same = byId.get(c.id);
    if (same !== undefined) {
      if (same.value !== c.value || same.weight !== c.weight) throw new RangeError(`coin ${c.id} differs between candidates and required`);
      continue;
    }
    if (effectiveValue(c, req.feeRate) > 0) optional.push(c);
  }
  return { required: [...required], optional };
}

function checkCandidate(c: Candidate): void {
  if (typeof c.id !== 'string' || c.id.length === 0) throw new RangeError('a coin needs an id');
  checkAmount(c.value, `value of ${c.id}`, 0);
  checkAmount(c.weight, `weight of ${c.id}`, 1);
}

function checkAmount(n: number, name: string, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${name} must be an integer of at least ${min}`);
}

function totals(cs: readonly Candidate[]): { value: number; weight: number } {
  return { value: sum(cs, (c) => c.value), weight: sum(cs, (c) => c.weight) };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}
