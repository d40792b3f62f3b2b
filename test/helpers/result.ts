// A core reply in a test: its value (or a thrown error naming the code it carried instead), or its
// error code (or a thrown error if it succeeded).

import type { Result } from '../../src/api/errors.js';

export function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

export function code(r: Result<unknown>): string {
  if (r.ok) throw new Error('expected an error reply');
  return r.error.code;
}
