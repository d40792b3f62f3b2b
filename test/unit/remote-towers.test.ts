// The wallet's list of remote towers over a fake wallet (its meta table and lock only): pinning
// rules with typed errors, and when a tower counts as stale.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { addTower, listTowers, removeTower, REMOTE_TOWERS_META, sendPush } from '../../src/service/remote-towers.js';
import { closeFakeProxies, fakeProxy } from '../helpers/fake-socks.js';
import type { WalletService } from '../../src/service/wallet-service.js';

const ID = (n: number) => `02${n.toString(16).padStart(2, '0').repeat(32)}`;

function fakeWallet(meta: Record<string, string> = {}, locked = false): WalletService {
  return { meta: (k: string) => meta[k], setMeta: (k: string, v: string) => void (meta[k] = v), locked } as unknown as WalletService;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    return (e as CofferError).code;
  }
  return 'none';
}

afterEach(() => vi.useRealTimers());

describe('pinning towers', () => {
  it('adds, refuses a second pin of one id, a bad address or a 17th tower, removes only what is there', () => {
    const w = fakeWallet();
    expect(addTower(w, '127.0.0.1:9914', ID(1))).toEqual({ address: '127.0.0.1:9914', id: ID(1), stale: false });
    expect(code(() => addTower(w, '10.0.0.1:9914', ID(1)))).toBe('invalid-setting');
    for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', 'a b:1']) expect(code(() => addTower(w, bad, ID(2))), bad).toBe('usage');
    for (let n = 2; n <= 16; n++) addTower(w, `[::1]:${9000 + n}`, ID(n));
    expect(code(() => addTower(w, '127.0.0.1:1', ID(17)))).toBe('invalid-setting');
    expect(removeTower(w, ID(3))).toEqual({ removed: true });
    expect(code(() => removeTower(w, ID(3)))).toBe('invalid-setting');
    expect(listTowers(w).map((t) => t.id)).not.toContain(ID(3));
  });

  it('with vaults, a locked wallet cannot pin a tower (its package must be signed for it)', () => {
    const w = fakeWallet({ vault_announce_key: 'ab'.repeat(32) }, true);
    expect(code(() => addTower(w, '127.0.0.1:9914', ID(1)))).toBe('wallet-locked');
    expect(listTowers(w)).toEqual([]);
  });
});

describe('staleness', () => {
  const at = 2_000_000_000;
  const record = (t: Record<string, unknown>) => fakeWallet({ [REMOTE_TOWERS_META]: JSON.stringify({ towers: [{ address: 'h:1', id: ID(1), addedAt: at - 100_000, ...t }] }) });

  it('a tower with nothing to hold is never stale', () => {
    expect(listTowers(record({}), at)[0]!.stale).toBe(false);
  });

  it('an unacked version is stale after 10 minutes, not before', () => {
    const pending = (ageS: number) => record({ push: { version: (at - ageS) * 1000, signature: 's' }, confirmedVersion: 1, lastConfirmedAt: at - 60 });
    expect(listTowers(pending(9 * 60), at)[0]).toMatchObject({ stale: false, pendingVersion: (at - 9 * 60) * 1000, confirmedVersion: 1 });
    expect(listTowers(pending(11 * 60), at)[0]!.stale).toBe(true);
  });

  it('an acked tower is stale after a day without an ack', () => {
    const acked = (ageS: number) => record({ push: { version: 5, signature: 's' }, confirmedVersion: 5, lastConfirmedAt: at - ageS });
    expect(listTowers(acked(23 * 3600), at)[0]).toMatchObject({ stale: false, confirmedVersion: 5 });
    expect(listTowers(acked(23 * 3600), at)[0]!.pendingVersion).toBeUndefined();
    expect(listTowers(acked(25 * 3600), at)[0]!.stale).toBe(true);
  });
});

describe('pushes through the wallet\'s proxy', () => {
  afterEach(() => closeFakeProxies());

  it('names the tower to the SOCKS5 proxy (no lookup here), on a login of its own', async () => {
    const { proxy, seen } = await fakeProxy();
    const push = { type: 'push', announceKey: 'ab'.repeat(32), version: 1, package: '{}', signature: 'cd'.repeat(64) } as const;
    // The fake proxy echoes after CONNECT, so the Noise handshake fails: what matters is where it went.
    await expect(sendPush('tower.example.onion:9911', `02${'11'.repeat(32)}`, push, 2_000, proxy)).rejects.toBeInstanceOf(Error);
    await expect(sendPush('tower.example.onion:9911', `02${'11'.repeat(32)}`, push, 2_000, proxy)).rejects.toBeInstanceOf(Error);
    expect(seen.map((s) => [s.atyp, s.host, s.port])).toEqual([
      [3, 'tower.example.onion', 9911],
      [3, 'tower.example.onion', 9911],
    ]);
    expect(seen[0]!.username).toBeDefined();
    expect(seen[0]!.username).not.toBe(seen[1]!.username);
  });

  it('refuses an onion tower without a proxy, before any lookup', async () => {
    const push = { type: 'push', announceKey: 'ab'.repeat(32), version: 1, package: '{}', signature: 'cd'.repeat(64) } as const;
    const onion = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion:9911';
    await expect(sendPush(onion, `02${'11'.repeat(32)}`, push, 2_000)).rejects.toMatchObject({ code: 'peer-unreachable', message: expect.stringMatching(/only through a Tor proxy/) });
  });
});
