// Error details typed by code: the compiler refuses details of the wrong shape (each expected
// compile error below fails `tsc -p tsconfig.check.json` if it ever compiles), and the details
// cross a process boundary and come back as they were given.

import { describe, expect, it } from 'vitest';
import { CofferError, isCofferError, toWireError, unwrap, type Result } from '../../src/api/errors.js';

/** Never called: what must not compile. */
export function refusedByTheCompiler(): CofferError[] {
  return [
    // @ts-expect-error amounts carry their unit: insufficient-funds has no `shortfall`
    new CofferError('insufficient-funds', 'short', { needed: 10, shortfall: 6 }),
    // @ts-expect-error insufficient-funds needs what was needed
    new CofferError('insufficient-funds', 'short'),
    // @ts-expect-error a fee rate is not a string
    new CofferError('fee-too-low', 'low', { feeRateSatPerVb: '1', requiredSatPerVb: 1 }),
    // @ts-expect-error a code without details takes none
    new CofferError('no-wallet', 'none', { network: 'main' }),
  ];
}

describe('error details', () => {
  it('cross a process boundary and come back typed by code', () => {
    const e = new CofferError('insufficient-funds', 'Not enough funds: 6 sats short.', { neededSat: 10, availableSat: 4, shortfallSat: 6 });
    const wire = toWireError(e);
    expect(wire).toEqual({ code: 'insufficient-funds', message: 'Not enough funds: 6 sats short.', details: { neededSat: 10, availableSat: 4, shortfallSat: 6 } });
    const reply: Result<number> = { ok: false, error: wire };
    let back: unknown;
    try {
      unwrap(reply, 'daemon-unavailable');
    } catch (x) {
      back = x;
    }
    expect(isCofferError(back, 'insufficient-funds')).toBe(true);
    expect(back).toMatchObject({ code: 'insufficient-funds', details: { shortfallSat: 6 } });
    // No details: none on the wire; an error that is not a CofferError says nothing from inside.
    expect(toWireError(new CofferError('no-wallet', 'No wallet is open.'))).toEqual({ code: 'no-wallet', message: 'No wallet is open.' });
    expect(toWireError(new Error('secret path /home/x'))).toEqual({ code: 'internal', message: 'An unexpected internal error occurred.' });
  });

  it('instanceof still holds for the subclasses and narrows to them', () => {
    class Sub extends CofferError<'invalid-header'> {
      constructor(readonly height: number) {
        super('invalid-header', `height ${height}: bad`, { height, reason: 'bad' });
      }
    }
    const s: unknown = new Sub(7);
    expect(s instanceof CofferError).toBe(true);
    expect(s instanceof Sub && s.height).toBe(7);
    expect(new CofferError('usage', 'x') instanceof Sub).toBe(false);
    expect({ code: 'usage' } instanceof CofferError).toBe(false);
  });
});
