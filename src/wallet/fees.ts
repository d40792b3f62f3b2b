// Fee presets and the rate a spend uses: the chain source's estimate for the preset, else the
// wallet's preset setting (for sources with no estimates, such as SPV), never below the floor
// the network relays. Pure: the caller hands in the estimates and the settings.

import { MAX_FEE_RATE } from './policy.js';

export type FeePreset = 'fast' | 'normal' | 'slow';

/** The wallet's preset settings, in sat/vB, with their defaults and limits. */
export const FEE_PRESET_SETTINGS = {
  'fee-rate-fast': { default: 20, min: 1, max: MAX_FEE_RATE },
  'fee-rate-normal': { default: 8, min: 1, max: MAX_FEE_RATE },
  'fee-rate-slow': { default: 2, min: 1, max: MAX_FEE_RATE },
} as const;

/** Fee rates in sat/vB a chain source estimates, and where they came from (node/source.ts uses this type). */
export interface Estimates {
  /** Next block or two. */
  fast?: number;
  /** About an hour. */
  normal?: number;
  /** About a day. */
  slow?: number;
  /** The lowest rate peers or the node will relay. */
  floor: number;
  source: string;
}

/** Reads a preset setting (the wallet's settings). */
export interface PresetSettings {
  setting(key: keyof typeof FEE_PRESET_SETTINGS): number;
}

/** One preset's rate: the estimate, else the wallet's setting, never below the relay floor. */
export function presetRate(settings: PresetSettings, est: Estimates, preset: FeePreset): { feeRate: number; source: string } {
  const e = est[preset];
  if (e !== undefined) return { feeRate: e, source: est.source };
  return { feeRate: Math.max(est.floor, settings.setting(`fee-rate-${preset}`)), source: `preset fee-rate-${preset}` };
}

/** The presets for which the source gave no estimate: their rates are the wallet's fixed settings. */
export function fixedPresets(est: Estimates): FeePreset[] {
  return (['fast', 'normal', 'slow'] as const).filter((p) => est[p] === undefined);
}
