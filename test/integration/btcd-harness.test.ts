// The btcd harness itself: start a regtest node, mine past coinbase maturity, read a block and its
// BIP158 filter over RPC, and stop (process gone, datadir removed).

import fs from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../src/chain/block.js';
import { equalBytes, hashToHex } from '../../src/chain/bytes.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { addressToScript } from '../helpers/regtest.js';

describe('btcd harness', () => {
  let b: BtcdNode;
  beforeAll(async () => {
    b = await startBtcd();
  });
  afterAll(() => b?.close());

  it('mines 101 blocks to its mining address and serves each block and its filter', async () => {
    const hashes = await b.mine(101);
    expect(hashes).toHaveLength(101);
    expect(await b.tipHeight()).toBe(101);
    expect(await b.getBlockHash(101)).toBe(hashes[100]);

    const block = parseBlock(hexToBytes(await b.getBlock(hashes[0]!)));
    expect(hashToHex(block.hash)).toBe(hashes[0]);
    const coinbase = block.txs[0]!.tx;
    const script = addressToScript(b.miningAddress);
    expect(coinbase.outputs.some((o) => o.value === 50 * 100_000_000 && equalBytes(o.script, script))).toBe(true);

    expect(await b.getCFilter(hashes[0]!)).toMatch(/^0[1-9][0-9a-f]+$/);
    expect(await b.getCFilterHeader(hashes[0]!)).toMatch(/^[0-9a-f]{64}$/);
    await expect(b.getCFilter('00'.repeat(32))).rejects.toThrow(/no filter for block/);
  });

  it('close() kills btcd and removes its datadir, and may be called again', async () => {
    const other = await startBtcd();
    expect(fs.existsSync(other.datadir)).toBe(true);
    await other.close();
    await other.close();
    expect(other.closed).toBe(true);
    expect(fs.existsSync(other.datadir)).toBe(false);
    await expect(other.tipHeight()).rejects.toThrow();
  });
});
