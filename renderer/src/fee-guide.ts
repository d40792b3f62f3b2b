// What the send form says about a fee rate: whether each rate is an estimate or a preset, how long
// a rate likely waits for a block, and when it is far above the fast rate or below the slow one.
import type { Results } from '../../src/api/contract.js';

export type Preset = 'fast' | 'normal' | 'slow';
export type Fee = { preset: Preset } | { custom: string };
export type Fees = Results['fees.get'];

/** A rate above this many times the fast one is warned about. */
const FAR_ABOVE = 2;

/** A custom rate as typed, or why it cannot be used. */
export function customRate(fee: Fee): { rate?: number; error?: string } {
  if (!('custom' in fee)) return {};
  const rate = Number(fee.custom);
  return rate >= 1 && rate <= 10_000 ? { rate } : { error: 'Enter a fee rate from 1 to 10,000 sat/vB.' };
}

/** How long a rate likely waits for a block, judged against the fast, normal and slow rates. */
export function confirmationTime(rate: number, f: Fees): string {
  if (rate >= f.fast) return '~10 min';
  if (rate >= f.normal) return '~1 hour';
  if (rate >= f.slow) return 'several hours';
  return 'a day or more';
}

/** Whether a rate is the source's estimate or the wallet's fixed preset. */
export const rateKind = (f: Fees, p: Preset): 'estimate' | 'preset' => (f.presets.includes(p) ? 'preset' : 'estimate');

/** The warning for a rate far above the fast rate or below the slow one, if any. */
export function rateWarning(rate: number, f: Fees): string | undefined {
  if (rate > FAR_ABOVE * f.fast) return `${rate} sat/vB is more than twice the fast ${rateKind(f, 'fast')} (${f.fast} sat/vB): you would pay more than a quick confirmation needs.`;
  if (rate < f.slow) return `${rate} sat/vB is below the slow ${rateKind(f, 'slow')} (${f.slow} sat/vB): the payment may wait days to confirm, or never.`;
  return undefined;
}
