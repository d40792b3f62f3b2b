// Assertions about typed errors.

import { expect } from 'vitest';
import { CofferError, type ErrorCode } from '../../src/api/errors.js';

/** Run fn and return the CofferError it throws; fail if it returns or throws anything else. */
export function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof CofferError) return e.code;
    throw new Error(`expected a CofferError, got ${String(e)}`);
  }
  throw new Error('expected a CofferError, but nothing was thrown');
}

export function expectCode(fn: () => unknown, code: ErrorCode): CofferError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    expect((e as CofferError).code).toBe(code);
    return e as CofferError;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
