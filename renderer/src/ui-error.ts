// An error reply from the core, as the renderer throws it: the wire error, typed by its code.
// Apart from api.ts so that the sentences (errors.ts) load without a window.

import type { WireError } from '../../src/api/errors.js';

export class UiError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
  get code(): WireError['code'] {
    return this.wire.code;
  }
}
