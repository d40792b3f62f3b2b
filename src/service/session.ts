// The unlocked secret while the wallet is in use, wiped on lock or after an idle period.

import { CofferError } from '../api/errors.js';
import { wipeSecret, type KeystoreSecret } from '../keys/keystore.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class KeySession {
  private secret: KeystoreSecret | undefined;
  private timer: unknown;

  constructor(
    private idleMs: number,
    private readonly onLock: () => void = () => {},
    private readonly timers: Timers = realTimers,
  ) {}

  get locked(): boolean {
    return this.secret === undefined;
  }

  /** Take ownership of a decrypted secret; any previous one is wiped. */
  unlock(secret: KeystoreSecret): void {
    if (this.secret && this.secret !== secret) wipeSecret(this.secret);
    this.secret = secret;
    this.touch();
  }

  /**
   * Run `fn` with the secret; counts as activity unless `activity` is false (background work, which
   * must not keep the wallet from locking). Never let the secret escape `fn`.
   */
  use<T>(fn: (s: KeystoreSecret) => T, activity = true): T {
    if (!this.secret) throw new CofferError('wallet-locked', 'The wallet is locked; unlock it with your password.');
    if (activity) this.touch();
    return fn(this.secret);
  }

  activity(): void {
    if (this.secret) this.touch();
  }

  setIdle(ms: number): void {
    this.idleMs = ms;
    if (this.secret) this.touch();
  }

  lock(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.secret) return;
    wipeSecret(this.secret);
    this.secret = undefined;
    this.onLock();
  }

  private touch(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.idleMs > 0 ? this.timers.setTimeout(() => this.lock(), this.idleMs) : undefined;
  }
}
