// What the send form says about a fee rate (renderer/src/fee-guide.ts): estimate or preset, the
// likely time to confirm, and the warnings far above the fast rate and below the slow one.

import { describe, expect, it } from 'vitest';
import { confirmationTime, customRate, rateKind, rateWarning, type Fees } from '../../renderer/src/fee-guide.js';

const spv: Fees = { fast: 20, normal: 8, slow: 2, floor: 1, source: 'presets', estimatesFrom: 'peers feefilter', presets: ['fast', 'normal', 'slow'] };
const node: Fees = { fast: 12.5, normal: 6, slow: 1.2, floor: 1, source: 'estimatesmartfee', estimatesFrom: 'estimatesmartfee', presets: ['slow'] };

describe('fee guide', () => {
  it('names each rate estimate or preset as fees.get says', () => {
    expect(rateKind(spv, 'fast')).toBe('preset');
    expect(rateKind(node, 'fast')).toBe('estimate');
    expect(rateKind(node, 'slow')).toBe('preset');
  });

  it('judges the time to confirm against the fast, normal and slow rates, at their edges too', () => {
    expect([25, 20, 19.9, 8, 7.9, 2, 1.9, 1].map((r) => confirmationTime(r, spv))).toEqual(['~10 min', '~10 min', '~1 hour', '~1 hour', 'several hours', 'several hours', 'a day or more', 'a day or more']);
  });

  it('warns above twice the fast rate and below the slow one, saying which kind it was', () => {
    expect(rateWarning(40, spv)).toBeUndefined();
    expect(rateWarning(40.5, spv)).toBe('40.5 sat/vB is more than twice the fast preset (20 sat/vB): you would pay more than a quick confirmation needs.');
    expect(rateWarning(26, node)).toBe('26 sat/vB is more than twice the fast estimate (12.5 sat/vB): you would pay more than a quick confirmation needs.');
    expect(rateWarning(2, spv)).toBeUndefined();
    expect(rateWarning(1, spv)).toBe('1 sat/vB is below the slow preset (2 sat/vB): the payment may wait days to confirm, or never.');
  });

  it('reads a custom rate from 1 to 10,000 sat/vB, else says what to enter', () => {
    expect(customRate({ preset: 'fast' })).toEqual({});
    expect(customRate({ custom: '3.5' })).toEqual({ rate: 3.5 });
    for (const bad of ['0', '0.5', '10001', 'abc', '']) expect(customRate({ custom: bad })).toEqual({ error: 'Enter a fee rate from 1 to 10,000 sat/vB.' });
  });
});
