// Fee estimates from recent blocks on a real node (btcd, regtest): six blocks mined with
// transactions of known fees, three of them over 90% full; the light clients (BIP37 here, compact
// filters through the `coffer` command) summarise each block as its transactions paid and
// estimate by the rule; on regtest the default (`auto`) stays with the presets.

import fs from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { p2wpkh } from '@scure/btc-signer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../src/chain/block.js';
import { genesisStart } from '../../src/chain/header-chain.js';
import { chainParams } from '../../src/chain/params.js';
import { vsize } from '../../src/chain/tx.js';
import { HeaderStore } from '../../src/db/header-store.js';
import { BLOCK_FEES_FILE } from '../../src/node/recent-blocks.js';
import { SpvClient } from '../../src/node/spv.js';
import { BLOCK_FEES_SOURCE, type BlockFeeSummary } from '../../src/wallet/block-fees.js';
import { coinbaseSpender, startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { CORE_REGTEST } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const params = chainParams('regtest');
const env = { COFFER_PASSWORD: 'integration password' };
const COINBASE = 5_000_000_000;
/** Outputs per filler transaction: about 91,500 vB each, ten of them fill a block past 3,600,000 WU. */
const FILLER_OUTPUTS = 2_950;
const someone = p2wpkh(secp256k1.getPublicKey(hexToBytes('11'.repeat(32)), true), CORE_REGTEST).script;

let b: BtcdNode;
/** What each of the six blocks' transactions paid and weighed, by our own bookkeeping. */
const mined: { hash: string; height: number; feesSat: number; vsize: number; full: boolean }[] = [];

/** Mine one block holding payments at these rates (sat/vB); `fill`: ten filler transactions at one rate. */
async function block(spend: ReturnType<typeof coinbaseSpender>, rates: number[], fill?: number): Promise<void> {
  for (const rate of rates) await spend([{ script: someone, amount: 100_000 }], rate);
  if (fill !== undefined) {
    for (let i = 0; i < 10; i++) await spend(Array.from({ length: FILLER_OUTPUTS }, () => ({ script: someone, amount: 1_000 })), fill);
  }
  const [hash] = await b.mine(1);
  const parsed = parseBlock(hexToBytes(await b.getBlock(hash!)));
  const txs = parsed.txs.slice(1);
  expect(txs).toHaveLength(rates.length + (fill === undefined ? 0 : 10));
  // Every transaction spends one fee-less 50 BTC coinbase: its fee is what its outputs leave.
  const feesSat = txs.reduce((n, t) => n + COINBASE - t.tx.outputs.reduce((m, o) => m + o.value, 0), 0);
  mined.push({ hash: hash!, height: await b.tipHeight(), feesSat, vsize: txs.reduce((n, t) => n + vsize(t.tx), 0), full: fill !== undefined });
}

/** The rule, restated: full blocks at their average rate, the others at the floor (1 sat/vB: btcd sends no feefilter). */
function expected(): { fast: number; normal: number; slow: number } {
  const tenths = mined.map((m) => (m.full ? Math.ceil((m.feesSat * 10) / m.vsize) : 10));
  const sorted = [...tenths].sort((x, y) => x - y);
  const normal = Math.ceil((sorted[2]! + sorted[3]!) / 2);
  return { fast: Math.max(normal, ...tenths.slice(3)) / 10, normal: normal / 10, slow: sorted[0]! / 10 };
}

beforeAll(async () => {
  // btcd's templates stop at 3,000,000 WU unless told otherwise.
  b = await startBtcd({ args: ['--blockmaxweight=3996000', '--blockmaxsize=999000'] });
  await b.mine(140);
  const spend = coinbaseSpender(b);
  // Heights 141..146 (below the halving at 150): room, full at 4, full at 8, room, full at 6, room.
  await block(spend, [3, 9]);
  await block(spend, [], 4);
  await block(spend, [], 8);
  await block(spend, [5]);
  await block(spend, [2], 6);
  await block(spend, [2]);
}, 120_000);
afterAll(() => b?.close());

describe('fee estimates from recent blocks (btcd)', () => {
  it('the full blocks are over 90% full, the others far from it', () => {
    expect(mined.map((m) => m.height)).toEqual([141, 142, 143, 144, 145, 146]);
    for (const m of mined) expect(m.vsize * 4 >= 3_600_000 - 1_000).toBe(m.full);
  });

  it('BIP37: each block summarised as its transactions paid; the estimate is the rule\'s', async () => {
    const dir = tmpDir();
    const store = HeaderStore.open(dir, params, genesisStart());
    const source = new SpvClient({ params, store, connect: [b.address] });
    try {
      await source.start();
      await source.syncHeaders(() => undefined);
      expect(await source.fees()).toEqual({ floor: 1, source: 'minimum relay fee' });
      const est = await source.fees({ recentBlocks: true });
      expect(est).toEqual({ ...expected(), floor: 1, source: BLOCK_FEES_SOURCE });
      // Non-trivial: fast from the full block at 6 sat/vB, normal between the floor and 4.
      expect(est.fast).toBeGreaterThanOrEqual(6);
      expect(est.normal).toBeGreaterThan(1);
      const saved = (JSON.parse(fs.readFileSync(`${dir}/${BLOCK_FEES_FILE}`, 'utf8')) as { blocks: BlockFeeSummary[] }).blocks.sort((x, y) => x.height - y.height);
      expect(saved.map(({ height, hash, feesSat, vsize }) => ({ height, hash, feesSat, vsize }))).toEqual(mined.map(({ height, hash, feesSat, vsize }) => ({ height, hash, feesSat, vsize })));
      for (const [i, s] of saved.entries()) expect(s.weight >= 3_600_000).toBe(mined[i]!.full);
    } finally {
      source.stop();
      store.close();
    }
  });

  it('compact filters through the command: auto gives the presets on regtest; fee-estimates blocks gives the rule\'s rates', async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env });
    const ok = (r: RunResult) => {
      expect(r.code, r.stderr).toBe(0);
      return r.json;
    };
    ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env }));
    ok(await run(['sync', '--mempool-wait', '1']));
    expect(ok(await run(['wallet', 'fees']))).toEqual({ fast: 20, normal: 8, slow: 2, floor: 1, source: 'presets (minimum relay fee floor)' });
    expect(ok(await run(['config', 'set', 'fee-estimates', 'blocks']))['fee-estimates']).toBe('blocks');
    expect(ok(await run(['wallet', 'fees']))).toEqual({ ...expected(), floor: 1, source: BLOCK_FEES_SOURCE });
    const bad = await run(['config', 'set', 'fee-estimates', 'mempool']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('fee-estimates must be auto, blocks or presets.');
  });
});
