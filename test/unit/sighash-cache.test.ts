// The PSBT signer's linear digests (sighash-cache.ts): BIP143's SIGHASH_ALL examples, and equality
// with @scure/btc-signer's preimageWitnessV0/V1 on random transactions (seeded).

import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { MAX_MONEY, type Prevout, type Tx } from '../../src/chain/tx.js';
import { digestView } from '../../src/wallet/psbt-signer.js';
import { SighashCache } from '../../src/wallet/sighash-cache.js';
import { prng } from '../helpers/prng.js';
import { bip143Cases } from '../helpers/vectors.js';

describe('SighashCache.segwitV0', () => {
  it("gives BIP143's SIGHASH_ALL examples (input, script code and amount read from each preimage)", () => {
    const all = bip143Cases().filter((c) => c.hashType === 1);
    for (const c of all) {
      const digests = c.inputs.map(({ tx, index }) => hex.encode(new SighashCache(tx).segwitV0(index, c.scriptCode, c.amount)));
      expect(digests, `${c.title}, sighash ${c.sighash}`).toContain(c.sighash);
    }
    expect(all).toHaveLength(4);
  });
});

describe('SighashCache against btc-signer', () => {
  const rand = prng(0x5167_4a5e);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand(256));
  const u32 = () => rand(0x1_0000) * 0x1_0000 + rand(0x1_0000);
  // Values over the whole range: small ones, and any up to 21 million BTC.
  const value = () => (rand(2) ? rand(100_000) : Math.min(MAX_MONEY, rand(21_000_001) * 100_000_000 + rand(100_000_000)));
  // Lengths that cross the one-byte varint limit (0xfd) now and then.
  const script = () => bytes(rand(8) === 0 ? 200 + rand(200) : rand(60));

  function randomTx(): { tx: Tx; spent: Prevout[] } {
    const tx: Tx = {
      version: u32() | 0,
      inputs: Array.from({ length: 1 + rand(rand(4) === 0 ? 300 : 8) }, () => ({ prevTxid: bytes(32), vout: u32(), scriptSig: new Uint8Array(0), sequence: u32(), witness: [] })),
      outputs: Array.from({ length: 1 + rand(rand(4) === 0 ? 300 : 6) }, () => ({ value: value(), script: script() })),
      locktime: u32(),
    };
    return { tx, spent: tx.inputs.map(() => ({ value: value(), script: script() })) };
  }

  it('gives the same BIP143 SIGHASH_ALL and BIP341 key-path digests as preimageWitnessV0/V1 for every input of 200 random transactions', () => {
    let compared = 0;
    for (let t = 0; t < 200; t++) {
      const { tx, spent } = randomTx();
      const mine = new SighashCache(tx, spent);
      const view = digestView(tx);
      // Every input of small transactions, a sample of the large ones (btc-signer's own cost is quadratic).
      const indexes = tx.inputs.length <= 10 ? tx.inputs.map((_, i) => i) : [0, tx.inputs.length - 1, rand(tx.inputs.length)];
      for (const i of indexes) {
        const code = script();
        const v = value();
        expect(hex.encode(mine.segwitV0(i, code, v)), `tx ${t} input ${i} (v0)`).toBe(hex.encode(view.preimageWitnessV0(i, code, 1, BigInt(v))));
        const theirs = view.preimageWitnessV1(i, spent.map((p) => p.script), 0, spent.map((p) => BigInt(p.value)));
        expect(hex.encode(mine.taprootKeyPath(i)), `tx ${t} input ${i} (v1)`).toBe(hex.encode(theirs));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(600);
  });

  it('refuses a taproot digest without every previous output, and an input the transaction lacks', () => {
    const { tx, spent } = randomTx();
    expect(() => new SighashCache(tx).taprootKeyPath(0)).toThrow(/previous output of every input/);
    expect(() => new SighashCache(tx, [...spent.slice(0, -1), undefined]).taprootKeyPath(0)).toThrow(/previous output of every input/);
    expect(() => new SighashCache(tx, spent).segwitV0(tx.inputs.length, new Uint8Array(25), 1)).toThrow(/no input/);
  });
});
