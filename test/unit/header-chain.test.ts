// Header chain rules on real mainnet headers, the published vectors, and generated chains:
// proof of work, nBits, retargets, min-difficulty, BIP94, MTP, future limit, checkpoints, reorgs.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashToHex, hexToHash } from '../../src/chain/bytes.js';
import { checkpointStart, HeaderChain } from '../../src/chain/header-chain.js';
import { HeaderError, retargetBits, validateRun, type AncestorView } from '../../src/chain/header-rules.js';
import { chainParams, type ChainParams } from '../../src/chain/params.js';
import { bitsToTarget, bitsWork, targetToBits } from '../../src/chain/pow.js';
import { headerHash } from '../../src/chain/sha256d.js';
import { mineHeaders } from '../helpers/headers.js';
import { loadVectors } from '../helpers/vectors.js';

const MAINNET_FILE = path.resolve(import.meta.dirname, '../vectors/mainnet-headers-000000-010236.bin');
const mainnet = new Uint8Array(fs.readFileSync(MAINNET_FILE));
const NOW = 1_800_000_000;
const regtest = chainParams('regtest');

function errorOf(fn: () => unknown): HeaderError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HeaderError) return e;
    throw e;
  }
  throw new Error('expected a HeaderError');
}

describe('compact nBits', () => {
  const v = loadVectors('compact_bits_vectors.json');
  for (const c of v.vectors) {
    it(`${c.bits} -> ${c.target}`, () => {
      const t = bitsToTarget(parseInt(c.bits, 16));
      expect(t).toBe(BigInt(`0x${c.target}`));
      expect(targetToBits(t ?? 0n).toString(16).padStart(8, '0')).toBe(c.roundtrip_bits);
    });
  }
  for (const c of v.target_to_bits_extra) {
    it(`target ${c.target} -> ${c.bits}`, () => expect(targetToBits(BigInt(`0x${c.target}`)).toString(16).padStart(8, '0')).toBe(c.bits));
  }
  for (const c of v.must_reject_bits) {
    it(`rejects ${c.bits} (${c.reason})`, () => expect(bitsToTarget(parseInt(c.bits, 16))).toBeUndefined());
  }
});

describe('single header (Electrum vectors, mainnet block 100)', () => {
  const v = loadVectors('header_verify_vectors.json');
  const p = chainParams('main');
  const view: AncestorView = { firstHeight: v.height, hash: () => new Uint8Array(32), time: () => 0, bits: () => 0 };
  for (const c of v.cases) {
    it(c.name, () => {
      const header = Uint8Array.from(Buffer.from(c.header ?? v.header, 'hex'));
      const start = { parentHash: hexToHash(c.prev_hash ?? v.prev_hash)!, bits: parseInt(c.expected_bits ?? v.expected_bits, 16) };
      const run = () => validateRun(p, view, v.height, header, NOW, start);
      if (c.expect === 'accept') expect(hashToHex(run().hashes)).toBe(v.hash);
      else expect(errorOf(run).height).toBe(100);
    });
  }
});

describe('real mainnet headers 0..10236', () => {
  it('validate from genesis, hitting the shipped checkpoints', () => {
    const chain = new HeaderChain(chainParams('main'));
    for (let i = 1; i < mainnet.length / 80; i += 2000) {
      chain.add(mainnet.subarray(i * 80, Math.min(mainnet.length, (i + 2000) * 80)), NOW);
    }
    expect(chain.height).toBe(10236);
    expect(hashToHex(chain.hashAt(10079))).toBe('000000009b0a4b2833b4a0aa61171ee75b8eb301ac45a18713795a72e461a946');
    expect(chain.chainWork).toBe(bitsWork(0x1d00ffff) * 10237n);
  });

  it('start at a checkpoint: the period after height 4031', () => {
    const chain = new HeaderChain(chainParams('main'), checkpointStart(chainParams('main'), 4032));
    chain.add(mainnet.subarray(4032 * 80, 8000 * 80), NOW);
    expect(chain.height).toBe(7999);
    expect(chain.locator().at(-1)).toEqual(chainParams('main').checkpoints[1]!.hash);
    // The same headers one period later do not connect to that checkpoint.
    const other = new HeaderChain(chainParams('main'), checkpointStart(chainParams('main'), 6048));
    expect(other.add(mainnet.subarray(4032 * 80, 5000 * 80), NOW).unconnected).toBe(true);
  });

  it('names the first bad header: nonce, previous hash, bits', () => {
    const cases: [string, (b: Uint8Array) => void, RegExp][] = [
      ['nonce', (b) => (b[5000 * 80 + 76]! ^= 1), /proof of work/],
      ['prev', (b) => (b[5000 * 80 + 10]! ^= 1), /previous hash/],
      ['bits', (b) => b.set([0xfe, 0xff, 0x00, 0x1d], 5000 * 80 + 72), /wrong difficulty bits/],
    ];
    for (const [, mutate, reason] of cases) {
      const bad = mainnet.slice();
      mutate(bad);
      const chain = new HeaderChain(chainParams('main'));
      const e = errorOf(() => chain.add(bad.subarray(80, 6000 * 80), NOW));
      expect(e.height).toBe(5000);
      expect(e.reason).toMatch(reason);
      expect(chain.height).toBe(0); // nothing from the bad batch was kept
    }
  });

  it('a header too far in the future is refused without punishing the peer', () => {
    const chain = new HeaderChain(chainParams('main'));
    const e = errorOf(() => chain.add(mainnet.subarray(80, 200 * 80), 1_231_000_000));
    expect(e.reason).toMatch(/future/);
    expect(e.punish).toBe(false);
  });
});

describe('Electrum regtest fork tree', () => {
  const v = loadVectors('electrum_regtest_fork_tree.json');
  const byName = new Map<string, { header: string; height: number; parent: string | null; hash: string }>(v.headers.map((h: any) => [h.name, h]));
  const branch = (names: string) => Uint8Array.from(Buffer.from([...names].map((n) => byName.get(n)!.header).join(''), 'hex'));

  it('picks the most work and finds the fork points', () => {
    const chain = new HeaderChain(regtest);
    expect(hashToHex(chain.tipHash)).toBe(byName.get('A')!.hash);
    chain.add(branch('BCDEFOPQRSTU'), NOW);
    expect(chain.height).toBe(v.expected.tip_heights.U);
    expect(`0x${chain.chainWork.toString(16)}`).toBe(v.expected.tip_cumulative_work_hex.U);
    // L branch: less work, kept on the side.
    expect(chain.add(branch('GHIJKL'), NOW).change).toBeUndefined();
    // Z branch forks off the side branch at I and has the most work: reorg to it.
    const r = chain.add(branch('MNXYZ'), NOW);
    expect(r.change?.forkHeight).toBe(v.expected.last_common_height['U|Z']);
    expect(hashToHex(chain.tipHash)).toBe(byName.get(v.expected.best_tip)!.hash);
    expect(chain.height).toBe(v.expected.tip_heights.Z);
    expect(`0x${chain.chainWork.toString(16)}`).toBe(v.expected.tip_cumulative_work_hex.Z);
    expect(chain.heightOf(hexToHash(byName.get('I')!.hash)!)).toBe(8);
  });
});

describe('generated chains', () => {
  const genesisHash = headerHash(regtest.genesis);

  it('extends, ignores known headers, and reports unconnected ones', () => {
    const chain = new HeaderChain(regtest);
    const a = mineHeaders(genesisHash, 30, { time: 1_600_000_000 });
    expect(chain.add(a.raw, NOW).added).toBe(30);
    expect(chain.add(a.raw.subarray(0, 800), NOW)).toEqual({ unconnected: false, added: 0 });
    const orphan = mineHeaders(new Uint8Array(32).fill(7), 3);
    expect(chain.add(orphan.raw, NOW).unconnected).toBe(true);
    expect(chain.heightOf(a.tip)).toBe(30);
    expect(chain.locator()[0]).toEqual(a.tip);
    expect(chain.locator().at(-1)).toEqual(genesisHash);
  });

  it('most work wins: side branch, then reorg, then back', () => {
    const chain = new HeaderChain(regtest);
    chain.oldHeaders = (from, to) => stored.subarray((from - 1) * 80, to * 80);
    const main = mineHeaders(genesisHash, 100, { time: 1_600_000_000 });
    let stored = main.raw;
    chain.add(main.raw, NOW);
    const forkParent = main.hashes[59]!; // height 60
    const side = mineHeaders(forkParent, 30, { time: 1_600_000_000 + 60 * 600, salt: 1 });
    expect(chain.add(side.raw, NOW).change).toBeUndefined(); // 90 < 100
    expect(chain.height).toBe(100);
    const more = mineHeaders(side.tip, 20, { time: 1_600_000_000 + 90 * 600, salt: 1 });
    const r = chain.add(more.raw, NOW);
    expect(r.change?.forkHeight).toBe(60);
    expect(r.change?.disconnected).toHaveLength(40);
    expect(r.change?.headers.length).toBe(50 * 80);
    expect(chain.height).toBe(110);
    expect(chain.heightOf(main.tip)).toBeUndefined();
    stored = new Uint8Array([...main.raw.subarray(0, 60 * 80), ...side.raw, ...more.raw]);
    // The old branch comes back when it grows longer.
    const back = mineHeaders(main.tip, 11, { time: 1_600_000_000 + 100 * 600 });
    const r2 = chain.add(back.raw, NOW);
    expect(r2.change?.forkHeight).toBe(60);
    expect(chain.height).toBe(111);
    expect(chain.tipHash).toEqual(back.tip);
  });

  it('reorgs of any depth above the last checkpoint', () => {
    const chain = new HeaderChain(regtest);
    const main = mineHeaders(genesisHash, 1500, { time: 1_600_000_000 });
    chain.add(main.raw.subarray(0, 1000 * 80), NOW);
    chain.add(main.raw.subarray(1000 * 80), NOW);
    const deep = mineHeaders(main.hashes[9]!, 1600, { time: 1_600_000_000 + 10 * 600, salt: 9 });
    chain.add(deep.raw.subarray(0, 1000 * 80), NOW);
    expect(chain.height).toBe(1500);
    const r = chain.add(deep.raw.subarray(1000 * 80), NOW);
    expect(r.change?.forkHeight).toBe(10);
    expect(chain.height).toBe(1610);
    expect(chain.chainWork).toBe(bitsWork(0x207fffff) * 1611n);
  });

  it('forks below the last checkpoint are refused; a header must match its checkpoint', () => {
    const base = mineHeaders(genesisHash, 20);
    const p: ChainParams = { ...regtest, checkpoints: [{ height: 10, hash: base.hashes[9]!, nextBits: 0x207fffff }] };
    const chain = new HeaderChain(p);
    chain.add(base.raw, NOW);
    const fork = mineHeaders(base.hashes[4]!, 30, { salt: 3 });
    expect(errorOf(() => chain.add(fork.raw, NOW)).reason).toMatch(/below the last checkpoint/);
    const liar = new HeaderChain(p);
    const e = errorOf(() => liar.add(mineHeaders(genesisHash, 12, { salt: 4 }).raw, NOW));
    expect(e.height).toBe(10);
    expect(e.reason).toMatch(/checkpoint/);
  });

  it('time must be after the median of the previous 11 blocks', () => {
    const chain = new HeaderChain(regtest);
    const a = mineHeaders(genesisHash, 11, { time: 1_600_000_000 });
    chain.add(a.raw, NOW);
    const median = 1_600_000_000 + 5 * 600; // heights 1..11 at +600 each: the 6th of 11
    expect(errorOf(() => chain.add(mineHeaders(a.tip, 1, { time: median }).raw, NOW)).reason).toMatch(/median/);
    chain.add(mineHeaders(a.tip, 1, { time: median + 1 }).raw, NOW);
    expect(chain.height).toBe(12);
  });

  it('old versions are refused once BIP34/66/65 are active', () => {
    const chain = new HeaderChain(regtest);
    expect(errorOf(() => chain.add(mineHeaders(genesisHash, 1, { version: 3 }).raw, NOW)).reason).toMatch(/obsolete version 3/);
    expect(errorOf(() => chain.add(mineHeaders(genesisHash, 1, { version: -1 }).raw, NOW)).reason).toMatch(/obsolete version/);
    chain.add(mineHeaders(genesisHash, 1, { version: 4 }).raw, NOW);
  });

  it('regtest never retargets', () => {
    const chain = new HeaderChain(regtest);
    chain.add(mineHeaders(genesisHash, 2100, { spacing: 1 }).raw, NOW);
    expect(chain.bitsAt(2016)).toBe(0x207fffff);
  });
});

describe('retargeting', () => {
  // Mainnet rules on a small scale: 20-block periods, easy targets.
  const p: ChainParams = { ...regtest, noRetargeting: false, allowMinDifficulty: false, interval: 20, targetTimespan: 20 * 600, powLimitBits: 0x207fffff };
  const start = 0x2000ffff; // below the limit, so it can move both ways

  const T0 = 1_600_000_000;
  /** A chain whose genesis (time T0) uses `start` bits, so difficulty can move both ways. */
  function customGenesis(params: ChainParams): { chain: HeaderChain; tip: Uint8Array } {
    const g = mineHeaders(new Uint8Array(32), 1, { bits: start, time: T0 });
    return { chain: new HeaderChain({ ...params, genesis: g.raw }), tip: g.tip };
  }

  function chainWithFirstPeriod(spacing: number): { chain: HeaderChain; tip: Uint8Array; time: number } {
    const { chain, tip } = customGenesis(p);
    const period = mineHeaders(tip, 19, { bits: start, time: T0 + spacing, spacing });
    chain.add(period.raw, NOW);
    return { chain, tip: period.tip, time: T0 + 19 * spacing };
  }

  it('fast blocks raise the difficulty, clamped at 4x', () => {
    const { chain, tip, time } = chainWithFirstPeriod(1);
    const expected = retargetBits(p, start, T0, time);
    expect(bitsToTarget(expected)).toBe(bitsToTarget(targetToBits((bitsToTarget(start)! * BigInt((20 * 600) / 4)) / BigInt(20 * 600))));
    expect(errorOf(() => chain.add(mineHeaders(tip, 1, { bits: start, time: time + 1 }).raw, NOW)).reason).toMatch(/wrong difficulty/);
    chain.add(mineHeaders(tip, 1, { bits: expected, time: time + 1 }).raw, NOW);
    expect(chain.bitsAt(20)).toBe(expected);
  });

  it('slow blocks lower it, never above the proof-of-work limit', () => {
    const { chain, tip, time } = chainWithFirstPeriod(600 * 10);
    const expected = retargetBits(p, start, T0, time);
    expect(bitsToTarget(expected)).toBe(bitsToTarget(targetToBits(bitsToTarget(start)! * 4n)));
    chain.add(mineHeaders(tip, 1, { bits: expected, time: time + 600 }).raw, NOW);
    expect(retargetBits(p, 0x207fffff, 0, 10 ** 9)).toBe(targetToBits(p.powLimit));
  });

  it('testnet: the 20-minute rule allows minimum difficulty, then returns to the real one', () => {
    const { chain, tip } = customGenesis({ ...p, allowMinDifficulty: true });
    const a = mineHeaders(tip, 3, { bits: start, time: T0 + 600 });
    chain.add(a.raw, NOW);
    // A fast block may not claim the minimum difficulty.
    expect(errorOf(() => chain.add(mineHeaders(a.tip, 1, { bits: 0x207fffff, time: T0 + 4 * 600 }).raw, NOW)).reason).toMatch(/wrong difficulty/);
    const slow = mineHeaders(a.tip, 1, { bits: 0x207fffff, time: T0 + 3 * 600 + 1201 });
    chain.add(slow.raw, NOW);
    // Right after, a fast block must use the last real difficulty again, not the minimum.
    expect(errorOf(() => chain.add(mineHeaders(slow.tip, 1, { bits: 0x207fffff, time: T0 + 3601 }).raw, NOW)).reason).toMatch(/wrong difficulty/);
    chain.add(mineHeaders(slow.tip, 1, { bits: start, time: T0 + 3601 }).raw, NOW);
    expect(chain.height).toBe(5);
  });

  it('BIP94: no time warp at the start of a period', () => {
    const tp: ChainParams = { ...p, bip94: true };
    const { chain, tip } = customGenesis(tp);
    // Timestamps jump ahead inside the period so the median stays low and only BIP94 catches the warp.
    const a = mineHeaders(tip, 19, { bits: start, each: (i) => ({ time: i < 14 ? T0 + i + 1 : T0 + 100_000 + i }) });
    chain.add(a.raw, NOW);
    const lastTime = T0 + 100_000 + 18;
    const bits = retargetBits(tp, start, T0, lastTime);
    const warp = mineHeaders(a.tip, 1, { bits, time: lastTime - 601 });
    expect(errorOf(() => chain.add(warp.raw, NOW)).reason).toMatch(/time warp/);
    chain.add(mineHeaders(a.tip, 1, { bits, time: lastTime - 599 }).raw, NOW);
    expect(chain.height).toBe(20);
  });
});
