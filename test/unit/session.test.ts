// The key session: use while unlocked, wipe on lock, lock after idle time.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeySession } from '../../src/service/session.js';
import { expectCode } from '../helpers/errors.js';

const secret = () => ({ entropy: new Uint8Array(16).fill(1), language: 'english' as const, seed: new Uint8Array(64).fill(2) });
const fakeTimers = {
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

describe('KeySession', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is locked until unlocked', () => {
    const s = new KeySession(60_000, () => {}, fakeTimers);
    expect(s.locked).toBe(true);
    expectCode(() => s.use(() => 1), 'wallet-locked');
  });

  it('locks after the idle time and wipes the secret', () => {
    const onLock = vi.fn();
    const s = new KeySession(60_000, onLock, fakeTimers);
    const sec = secret();
    s.unlock(sec);
    vi.advanceTimersByTime(59_000);
    expect(s.use((x) => x.seed[0])).toBe(2);
    vi.advanceTimersByTime(59_000); // activity reset the timer
    expect(s.locked).toBe(false);
    vi.advanceTimersByTime(2_000);
    expect(s.locked).toBe(true);
    expect(onLock).toHaveBeenCalledOnce();
    expect(sec.seed.every((b) => b === 0)).toBe(true);
    expect(sec.entropy.every((b) => b === 0)).toBe(true);
  });

  it('changing the idle time applies at once; 0 means never', () => {
    const s = new KeySession(60_000, () => {}, fakeTimers);
    s.unlock(secret());
    s.setIdle(1_000);
    vi.advanceTimersByTime(1_001);
    expect(s.locked).toBe(true);
    s.setIdle(0);
    s.unlock(secret());
    vi.advanceTimersByTime(10 * 24 * 3600_000);
    expect(s.locked).toBe(false);
    s.lock();
    expect(s.locked).toBe(true);
  });
});
