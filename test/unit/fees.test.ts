import { describe, expect, it } from 'vitest';
import { FEE_PRESET_SETTINGS, fixedPresets, presetRate, type FeePreset } from '../../src/wallet/fees.js';

const settings = (fast: number, normal: number, slow: number) => ({
  setting: (key: keyof typeof FEE_PRESET_SETTINGS) => ({ 'fee-rate-fast': fast, 'fee-rate-normal': normal, 'fee-rate-slow': slow })[key],
});

describe('fee presets', () => {
  it("uses the source's estimate for the preset when it has one", () => {
    expect(presetRate(settings(20, 8, 2), { fast: 31.5, normal: 12, floor: 1, source: 'estimatesmartfee' }, 'fast')).toEqual({ feeRate: 31.5, source: 'estimatesmartfee' });
  });

  it("falls back to the wallet's setting, named as a preset, when the source has no estimate", () => {
    for (const [preset, rate] of [['fast', 20], ['normal', 8], ['slow', 2]] as [FeePreset, number][]) {
      expect(presetRate(settings(20, 8, 2), { floor: 1, source: 'peers' }, preset)).toEqual({ feeRate: rate, source: `preset fee-rate-${preset}` });
    }
  });

  it('names the presets the source did not estimate (fees.get shows them as presets, not estimates)', () => {
    expect(fixedPresets({ floor: 1, source: 'peers feefilter' })).toEqual(['fast', 'normal', 'slow']);
    expect(fixedPresets({ fast: 31.5, normal: 12, floor: 1, source: 'estimatesmartfee' })).toEqual(['slow']);
    expect(fixedPresets({ fast: 31.5, normal: 12, slow: 3, floor: 1, source: 'electrum estimatefee' })).toEqual([]);
  });

  it('never goes below the floor the network relays', () => {
    expect(presetRate(settings(20, 8, 2), { floor: 5, source: 'peers' }, 'slow')).toEqual({ feeRate: 5, source: 'preset fee-rate-slow' });
  });

  it('keeps the defaults ordered fast > normal > slow', () => {
    const d = FEE_PRESET_SETTINGS;
    expect(d['fee-rate-fast'].default).toBeGreaterThan(d['fee-rate-normal'].default);
    expect(d['fee-rate-normal'].default).toBeGreaterThan(d['fee-rate-slow'].default);
  });
});
