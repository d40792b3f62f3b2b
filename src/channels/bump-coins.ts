// Anchor channels on plain values: the reserve of wallet coins kept for their fee bumps, and the
// coins a bump (a CPFP child of a commitment, or an HTLC transaction) adds to pay its fee rate.

/** Kept per anchor channel, up to MAX: lnd's rule (10,000 sats a channel, at most 100,000). */
export const RESERVE_PER_ANCHOR_CHANNEL_SAT = 10_000;
export const MAX_ANCHOR_RESERVE_SAT = 100_000;

/** The wallet coins kept for fee bumps while `anchorChannels` anchor channels are open. */
export function anchorReserveSat(anchorChannels: number): number {
  return Math.min(anchorChannels * RESERVE_PER_ANCHOR_CHANNEL_SAT, MAX_ANCHOR_RESERVE_SAT);
}

/** A confirmed wallet coin a bump may spend. `key` is `txid:vout`. */
export interface BumpCoin {
  key: string;
  txid: Uint8Array;
  vout: number;
  value: number;
  script: Uint8Array;
  /** Weight of its scriptSig and witness once signed (LDK's `satisfaction_weight`). */
  satisfactionWeight: number;
}

export interface BumpRequest {
  /** The wallet's confirmed coins that no pending transaction spends. */
  coins: readonly BumpCoin[];
  /** The coins an earlier bump of the same claim spent: spent again first, so the new bump replaces it. */
  claimed: readonly BumpCoin[];
  /** Coins other claims hold: taken only when nothing else pays (LDK asks for it). */
  heldByOthers: ReadonlySet<string>;
  /** LDK's inputs (the anchor with the commitment's weight and fee folded in, or the HTLC outputs). */
  mustSpend: readonly { value: number; satisfactionWeight: number }[];
  mustPayTo: readonly { value: number; script: Uint8Array }[];
  feerateSatPerKw: number;
  changeScript: Uint8Array;
  /** Change below this is left to the fee. */
  changeDust: number;
}

export interface BumpSelection {
  coins: BumpCoin[];
  /** 0: no change output. */
  change: number;
  fee: number;
  weight: number;
}

// Weights in weight units: version, locktime, segwit marker and flag; an input without its
// scriptSig and witness (outpoint, sequence); an output's value and script length.
const TX_BASE_WEIGHT = (4 + 4) * 4 + 2;
const INPUT_BASE_WEIGHT = (32 + 4 + 4) * 4;

function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

export function outputWeightOf(script: Uint8Array): number {
  return (8 + varIntSize(script.length) + script.length) * 4;
}

/** LDK's fee for a weight: rounded up, at sat per 1000 weight units. */
export function feeForWeight(feerateSatPerKw: number, weight: number): number {
  return Math.ceil((feerateSatPerKw * weight) / 1000);
}

/**
 * The coins to add so the whole transaction (LDK's inputs and outputs, ours, and change when it is
 * above dust) pays `feerateSatPerKw`, or undefined when the wallet cannot. The claim's earlier
 * coins come first, then the largest free ones, then those other claims hold. Without a change
 * output a bump with no output of its own would be invalid, so then change is required.
 */
export function selectBumpCoins(r: BumpRequest): BumpSelection | undefined {
  const claimed = new Set(r.claimed.map((c) => c.key));
  const free = r.coins.filter((c) => !claimed.has(c.key) && !r.heldByOthers.has(c.key)).sort((a, b) => b.value - a.value);
  const held = r.coins.filter((c) => !claimed.has(c.key) && r.heldByOthers.has(c.key)).sort((a, b) => b.value - a.value);
  const order = [...r.claimed, ...free, ...held];
  const counts = r.mustSpend.length + order.length + r.mustPayTo.length + 1;
  // Input and output counts above 252 would grow their varints; a bump never gets near that.
  if (counts > 250) return undefined;

  let weight = TX_BASE_WEIGHT + 4 * 2;
  let value = 0;
  for (const i of r.mustSpend) {
    weight += INPUT_BASE_WEIGHT + i.satisfactionWeight;
    value += i.value;
  }
  for (const o of r.mustPayTo) {
    weight += outputWeightOf(o.script);
    value -= o.value;
  }
  const changeWeight = outputWeightOf(r.changeScript);
  const chosen: BumpCoin[] = [];
  for (let n = 0; n <= order.length; n++) {
    if (n > 0) {
      const c = order[n - 1]!;
      chosen.push(c);
      weight += INPUT_BASE_WEIGHT + c.satisfactionWeight;
      value += c.value;
    }
    // The claim's earlier coins all go in, whatever they pay: the new bump must spend them again.
    // At least one coin of ours: LDK asks only when its own inputs do not pay, and the anchor's
    // value includes the commitment's fee, which no output of the child can spend.
    if (n < Math.max(1, r.claimed.length)) continue;
    const withChange = feeForWeight(r.feerateSatPerKw, weight + changeWeight);
    if (value - withChange >= r.changeDust) return { coins: [...chosen], change: value - withChange, fee: withChange, weight: weight + changeWeight };
    const without = feeForWeight(r.feerateSatPerKw, weight);
    if (r.mustPayTo.length > 0 && value >= without) return { coins: [...chosen], change: 0, fee: value, weight };
  }
  return undefined;
}

/**
 * Why an anchor channel we fund is refused, or undefined: the peer set our channel reserve to
 * zero, the case of LDK's 0.1.4 fix that these bindings lack (docs/ldk-advisories.md).
 */
export function zeroReserveRefusal(anchor: boolean, ourReserveSat: number | undefined): string | undefined {
  if (!anchor || (ourReserveSat !== undefined && ourReserveSat > 0)) return undefined;
  return 'The peer asked for no channel reserve on an anchor channel; Coffer refuses such channels.';
}

/** Why a peer's anchor channel is refused, or undefined: the wallet's confirmed coins would not keep the reserve with it. */
export function inboundAnchorRefusal(confirmedSat: number, anchorChannels: number): string | undefined {
  const need = anchorReserveSat(anchorChannels + 1);
  if (confirmedSat >= need) return undefined;
  return `An anchor channel needs ${need} sats of confirmed on-chain coins kept for fee bumps; this node has ${confirmedSat}.`;
}
