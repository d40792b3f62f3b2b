// DNS seeds through an injected resolver (no DNS query leaves the test): the service-bit prefix,
// A and AAAA, the x9 fallback, a seed that never answers, and the fixed seeds when none answers.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { NODE_BLOOM, NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_WITNESS } from '../../src/p2p/messages.js';
import { parseHostPort, routable } from '../../src/p2p/pool.js';
import { querySeeds, seedName, type SeedResolver } from '../../src/p2p/seeds.js';

const FILTERS = NODE_NETWORK | NODE_WITNESS | NODE_COMPACT_FILTERS;

/** A resolver answering from a table of names; every name asked is recorded. */
function fakeResolver(answers: Record<string, { a?: string[]; aaaa?: string[] }>): SeedResolver & { asked: string[] } {
  const asked: string[] = [];
  const answer = (name: string, kind: 'a' | 'aaaa') => {
    asked.push(`${kind} ${name}`);
    const list = answers[name]?.[kind];
    return list ? Promise.resolve(list) : Promise.reject(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }));
  };
  return { asked, resolve4: (n) => answer(n, 'a'), resolve6: (n) => answer(n, 'aaaa') };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DNS seeds', () => {
  it('asks every mainnet seed for x49 nodes, A and AAAA, on the network port', async () => {
    const params = chainParams('main');
    expect(seedName('seed.bitcoin.sipa.be', FILTERS)).toBe('x49.seed.bitcoin.sipa.be');
    const answers = Object.fromEntries(params.dnsSeeds.map((s, i) => [seedName(s, FILTERS), { a: [`1.2.3.${i}`], aaaa: [`2001:4860::${i}`] }]));
    const r = fakeResolver(answers);
    const found = await querySeeds(params, FILTERS, r);
    expect(r.asked.sort()).toEqual(params.dnsSeeds.flatMap((s) => [`a x49.${s}`, `aaaa x49.${s}`]).sort());
    expect(found).toHaveLength(params.dnsSeeds.length * 2);
    expect(found).toContainEqual({ host: '1.2.3.0', port: 8333, source: `dns:${params.dnsSeeds[0]}` });
    expect(found).toContainEqual({ host: '2001:4860::1', port: 8333, source: `dns:${params.dnsSeeds[1]}` });
  });

  it('bloom peers are asked as xd; a seed with nothing for that filter is asked for x9', async () => {
    const params = chainParams('signet');
    const [first, second] = params.dnsSeeds as [string, string];
    const r = fakeResolver({ [`xd.${first}`]: { a: ['5.5.5.5'] }, [`x9.${second}`]: { aaaa: ['2001:4860::9'] } });
    const found = await querySeeds(params, NODE_BLOOM, r);
    expect(found.sort((a, b) => a.host.localeCompare(b.host))).toEqual([
      { host: '2001:4860::9', port: 38333, source: `dns:${second}` },
      { host: '5.5.5.5', port: 38333, source: `dns:${first}` },
    ]);
    expect(r.asked).toContain(`a x9.${second}`);
    expect(r.asked).not.toContain(`a x9.${first}`);
  });

  it('no seed answering: the fixed seeds, marked as such', async () => {
    const params = chainParams('test');
    const found = await querySeeds(params, FILTERS, fakeResolver({}));
    expect(found.map((a) => a.source)).toEqual(params.fixedSeeds.map(() => 'fixed'));
    expect(found.map((a) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`)).sort()).toEqual([...params.fixedSeeds].sort());
  });

  it('a seed that never answers is given up on after 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const never: SeedResolver = { resolve4: () => new Promise(() => undefined), resolve6: () => new Promise(() => undefined) };
    const params = chainParams('signet');
    let done: unknown;
    void querySeeds(params, FILTERS, never).then((x) => (done = x));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(done).toBeUndefined();
    // The x49 names, then x9, each wait 10 s; then the fixed seeds.
    await vi.advanceTimersByTimeAsync(10_002);
    expect(done).toHaveLength(params.fixedSeeds.length);
  });

  it('the fixed seeds are public addresses on each network port; regtest has none', () => {
    for (const network of ['main', 'test', 'signet'] as const) {
      const params = chainParams(network);
      expect(params.fixedSeeds.length).toBeGreaterThanOrEqual(8);
      for (const s of params.fixedSeeds) {
        const a = parseHostPort(s, 0)!;
        expect(a.port, s).toBe(params.port);
        expect(routable(a.host), s).toBe(true);
      }
    }
    expect(chainParams('regtest').fixedSeeds).toEqual([]);
  });
});
