// The address table: buckets by network group and source (one peer cannot fill it), promotion to
// tried, outbound picks from distinct groups, failures and eviction, the peer file and its
// damage, and bans with their expiry.

import { describe, expect, it } from 'vitest';
import { AddrMan, BUCKET_SIZE, decodePeerFile, encodePeerFile, groupOf, NEW_BUCKETS_PER_SOURCE, type TableAddress } from '../../src/p2p/addrman.js';
import { BanList, MAX_BANS } from '../../src/p2p/ban-list.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const NOW = 1_750_000_000;
const MAGIC = 0xd9b4bef9;
const seeded = (seed: number) => {
  const r = prng(seed);
  return () => r(2 ** 30) / 2 ** 30;
};
const key = (v: number) => new Uint8Array(32).fill(v);
const table = (opts: { now?: () => number; key?: Uint8Array } = {}) => new AddrMan({ key: key(7), now: () => NOW, random: seeded(1), ...opts });
const at = (host: string, port = 8333, time = NOW - 3600): TableAddress => ({ host, port, services: 9n, time });
/** `count` addresses in `count` different /16s (1.x.y.1 and 2.x.y.1 ...). */
const spread = (count: number, first = 1) => Array.from({ length: count }, (_, i) => at(`${first + (i >> 8)}.${i & 255}.7.1`));

function buckets(t: AddrMan): Set<number> {
  return new Set(t.all().map((e) => t.bucketOf(e)));
}

describe('address table', () => {
  it('groups: IPv4 /16, IPv6 /32, a Tor v3 name whole', () => {
    expect(groupOf('1.2.3.4')).toBe(groupOf('1.2.200.9'));
    expect(groupOf('1.2.3.4')).not.toBe(groupOf('1.3.3.4'));
    expect(groupOf('2001:db8:1::1')).toBe(groupOf('2001:db8:ffff::2'));
    expect(groupOf('2001:db8::1')).not.toBe(groupOf('2001:db9::1'));
    expect(groupOf('::ffff:1.2.3.4')).toBe(groupOf('1.2.9.9'));
    const onion = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
    expect(groupOf(onion)).toBe(`onion:${onion}`);
  });

  it('1,000 addresses of one /16 from one peer take one bucket of 32', () => {
    const t = table();
    const added = t.add(Array.from({ length: 1000 }, (_, i) => at(`5.6.${i >> 8}.${i & 255}`)), groupOf('9.9.9.9'));
    expect(added).toBeLessThanOrEqual(BUCKET_SIZE);
    expect(t.size).toBe(added);
    expect(buckets(t).size).toBe(1);
  });

  it('1,000 addresses of 1,000 groups from one peer take at most 16 buckets; other peers reach other buckets', () => {
    const t = table();
    t.add(spread(1000), groupOf('9.9.9.9'));
    expect(buckets(t).size).toBeLessThanOrEqual(NEW_BUCKETS_PER_SOURCE);
    expect(t.size).toBeLessThanOrEqual(NEW_BUCKETS_PER_SOURCE * BUCKET_SIZE);
    const before = t.size;
    // 100 other peers, 100 addresses each, reach many more buckets.
    for (let s = 0; s < 100; s++) t.add(spread(100, 50 + s), groupOf(`${100 + s}.1.1.1`));
    expect(buckets(t).size).toBeGreaterThan(100);
    expect(t.size).toBeGreaterThan(before * 4);
  });

  it('skips what it cannot hold: names, I2P, port 0; a known address keeps one entry with the newer time and both services', () => {
    const t = table();
    expect(t.add([at('example.com'), at('ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p'), at('1.2.3.4', 0)], 'fixed')).toBe(0);
    t.add([at('1.2.3.4', 8333, NOW - 7200)], 'fixed');
    t.add([{ host: '1.2.3.4', port: 8333, services: 64n, time: NOW - 60 }], 'dns:seed');
    expect(t.size).toBe(1);
    expect(t.get('1.2.3.4:8333')).toMatchObject({ services: 73n, time: NOW - 60, tried: false });
    // A time in the future means five days ago.
    t.add([at('2.2.3.4', 8333, NOW + 3600)], 'fixed');
    expect(t.get('2.2.3.4:8333')!.time).toBe(NOW - 5 * 86400);
  });

  it('a handshake moves an address to tried; failures count once until some address is reached, and evict a never-reached one', () => {
    let now = NOW;
    const t = table({ now: () => now });
    t.add([at('1.2.3.4'), at('5.6.7.8'), at('9.9.9.9')], 'fixed');
    t.connected('1.2.3.4:8333');
    expect(t.get('1.2.3.4:8333')).toMatchObject({ tried: true, lastSuccess: NOW, attempts: 0 });
    // Offline, every try fails: one counts, the table is not worn out.
    for (let i = 0; i < 5; i++) t.failed('1.2.3.4:8333');
    expect(t.get('1.2.3.4:8333')).toMatchObject({ tried: true, attempts: 1 });
    t.failed('5.6.7.8:8333');
    t.failed('5.6.7.8:8333');
    expect(t.get('5.6.7.8:8333')!.attempts).toBe(1);
    for (const step of [2, 3]) {
      now += 120;
      t.connected('9.9.9.9:8333');
      t.failed('5.6.7.8:8333');
      if (step === 2) expect(t.get('5.6.7.8:8333')!.attempts).toBe(2);
    }
    // Never reached after 3 counted tries: terrible, forgotten. A tried address is kept.
    expect(t.get('5.6.7.8:8333')).toBeUndefined();
    t.failed('1.2.3.4:8333');
    expect(t.get('1.2.3.4:8333')).toMatchObject({ tried: true, attempts: 2 });
  });

  it('pickOutbound: never two of one group, none of the excluded groups, favouring tried', () => {
    const t = table();
    // 20 groups of 5 addresses each.
    for (let g = 0; g < 20; g++) t.add(Array.from({ length: 5 }, (_, i) => at(`${10 + g}.1.0.${i + 1}`)), `src:${g}`);
    for (let g = 0; g < 5; g++) t.connected(`${10 + g}.1.0.1:8333`);
    const exclude = new Set([groupOf('10.1.9.9')]);
    let triedPicks = 0;
    for (let round = 0; round < 50; round++) {
      const picked = t.pickOutbound(8, exclude);
      expect(picked).toHaveLength(8);
      const groups = picked.map((e) => e.group);
      expect(new Set(groups).size).toBe(8);
      expect(groups).not.toContain(groupOf('10.1.0.1'));
      triedPicks += picked.filter((e) => e.tried).length;
    }
    // 4 tried entries of 99 usable: picked far more often than their share (4% of 400 picks).
    expect(triedPicks).toBeGreaterThan(100);
    expect(t.pickOutbound(30, new Set())).toHaveLength(20);
    expect(t.pickOutbound(8, new Set(), (e) => e.host.startsWith('12.'))).toHaveLength(1);
  });

  it('the peer file: a round trip keeps every entry, its place, the key and the bans', () => {
    const t = table();
    t.add(spread(600), groupOf('9.9.9.9'));
    t.add([at('2001:db8::1'), at('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion')], 'dns:seed.example');
    t.connected('[2001:db8::1]:8333');
    t.failed(t.all()[0]!.address);
    const bans = new BanList();
    bans.ban('6.6.6.6:8333', NOW + 100);
    bans.ban('7.7.7.7:8333', NOW - 1);
    const bytes = encodePeerFile(t, bans, MAGIC, NOW);
    const back = decodePeerFile(bytes, MAGIC, { now: () => NOW });
    expect(back.table.key).toEqual(t.key);
    const sorted = (x: AddrMan) => x.all().map(({ countedAt: _, ...e }) => e).sort((a, b) => a.address.localeCompare(b.address));
    expect(sorted(back.table)).toEqual(sorted(t));
    expect(back.table.all().map((e) => back.table.bucketOf(e))).toEqual(back.table.all().map((e) => t.bucketOf(e)));
    expect(back.table.get('[2001:db8::1]:8333')!.tried).toBe(true);
    expect(back.bans.isBanned('6.6.6.6:8333', NOW)).toBe(true);
    expect(back.bans.size).toBe(1);
  });

  it('a damaged, foreign or truncated peer file is file-unreadable, never a crash', () => {
    const t = table();
    t.add(spread(50), 'fixed');
    const bytes = encodePeerFile(t, new BanList(), MAGIC, NOW);
    expect(expectCode(() => decodePeerFile(bytes, 0x0b110907), 'file-unreadable').details['reason']).toBe('another network');
    for (let n = 0; n < bytes.length; n += 7) expectCode(() => decodePeerFile(bytes.subarray(0, n), MAGIC), 'file-unreadable');
    const rand = prng(44);
    for (let i = 0; i < 300; i++) {
      const flipped = bytes.slice();
      const pos = rand(flipped.length);
      flipped[pos] = flipped[pos]! ^ (1 << rand(8));
      expect(expectCode(() => decodePeerFile(flipped, MAGIC), 'file-unreadable').details['reason']).toBe('checksum mismatch');
    }
    expectCode(() => decodePeerFile(new Uint8Array(0), MAGIC), 'file-unreadable');
    expectCode(() => decodePeerFile(new TextEncoder().encode('{"json": "not ours"}'), MAGIC), 'file-unreadable');
  });

  it('bans end at their time, are bounded, and a longer ban is not shortened', () => {
    const bans = new BanList();
    bans.ban('1.1.1.1:1', NOW + 10);
    expect(bans.isBanned('1.1.1.1:1', NOW + 9)).toBe(true);
    expect(bans.isBanned('1.1.1.1:1', NOW + 10)).toBe(false);
    expect(bans.size).toBe(0);
    bans.ban('2.2.2.2:1', NOW + 100);
    bans.ban('2.2.2.2:1', NOW + 50);
    expect(bans.isBanned('2.2.2.2:1', NOW + 99)).toBe(true);
    for (let i = 0; i < MAX_BANS + 10; i++) bans.ban(`3.3.${i >> 8}.${i & 255}:1`, NOW + 1000 + i);
    expect(bans.size).toBe(MAX_BANS);
    // The ones ending first made room.
    expect(bans.isBanned('2.2.2.2:1', NOW)).toBe(false);
    expect(bans.isBanned(`3.3.${(MAX_BANS + 9) >> 8}.${(MAX_BANS + 9) & 255}:1`, NOW)).toBe(true);
  });
});
