// Cross-check of BIP158 against btcd: a regtest chain with varied outputs (P2WPKH, P2PKH, P2SH,
// P2WSH, P2TR, OP_RETURN, an empty script) and spends of each; for every block,
// Coffer's filter and filter header must equal btcd's getcfilter and getcfilterheader.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Script, Transaction, p2ms, p2pkh, p2sh, p2tr, p2wpkh, p2wsh } from '@scure/btc-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicFilter, filterHeader } from '../../src/chain/bip158.js';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { BTCD_MINER_KEY, BTCD_MINER_PUBKEY, startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { CORE_REGTEST } from '../helpers/regtest.js';

const FEE = 20_000n;
const key = (i: number) => Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i : 0x11));
const pub = (i: number) => secp256k1.getPublicKey(key(i), true);

/** An output the test can spend: where it is, what it holds, and how to sign for it. */
interface Coin {
  txid: string;
  index: number;
  amount: bigint;
  script: Uint8Array;
  keys: Uint8Array[];
  extra?: { redeemScript?: Uint8Array; witnessScript?: Uint8Array; tapInternalKey?: Uint8Array };
}

/** Spend `coins` into outputs of the given scripts (the amount left over, minus a fee, split evenly). */
function spend(coins: Coin[], scripts: Uint8Array[], opReturn?: Uint8Array): { hex: string; txid: string; outs: Omit<Coin, 'keys' | 'extra'>[] } {
  const tx = new Transaction({ allowLegacyWitnessUtxo: true, allowUnknownOutputs: true });
  for (const c of coins) tx.addInput({ txid: c.txid, index: c.index, witnessUtxo: { script: c.script, amount: c.amount }, ...c.extra });
  const total = coins.reduce((s, c) => s + c.amount, 0n) - FEE;
  const each = total / BigInt(scripts.length);
  for (const s of scripts) tx.addOutput({ script: s, amount: each });
  if (opReturn) tx.addOutput({ script: Script.encode(['RETURN', opReturn]), amount: 0n });
  coins.forEach((c, i) => c.keys.forEach((k) => tx.signIdx(k, i)));
  tx.finalize();
  return { hex: tx.hex, txid: tx.id, outs: scripts.map((script, index) => ({ txid: tx.id, index, amount: each, script })) };
}

describe('BIP158 filters equal btcd\'s for every block of a varied regtest chain', () => {
  let b: BtcdNode;
  beforeAll(async () => {
    b = await startBtcd();
  });
  afterAll(() => b?.close());

  it('builds the chain and compares filters and filter headers block by block', async () => {
    const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;
    const hashes = await b.mine(110);
    const coinbaseCoin = async (hash: string): Promise<Coin> => {
      const cb = parseBlock(hexToBytes(await b.getBlock(hash))).txs[0]!;
      const index = cb.tx.outputs.findIndex((o) => bytesToHex(o.script) === bytesToHex(minerScript));
      return { txid: hashToHex(cb.txid), index, amount: BigInt(cb.tx.outputs[index]!.value), script: minerScript, keys: [BTCD_MINER_KEY] };
    };

    const wpkh = p2wpkh(pub(1), CORE_REGTEST);
    const pkh = p2pkh(pub(2), CORE_REGTEST);
    const shwpkh = p2sh(p2wpkh(pub(3), CORE_REGTEST), CORE_REGTEST);
    const wsh = p2wsh(p2ms(2, [pub(4), pub(5)]), CORE_REGTEST);
    const tr = p2tr(pub(6).subarray(1), undefined, CORE_REGTEST);

    // Block 111: one transaction paying every kind of output, another paying the same script twice and an empty script.
    const a = spend([await coinbaseCoin(hashes[0]!)], [wpkh.script, pkh.script, shwpkh.script, wsh.script, tr.script], Uint8Array.of(1, 2, 3));
    const dup = spend([await coinbaseCoin(hashes[1]!)], [wpkh.script, wpkh.script, new Uint8Array(0), minerScript]);
    await b.submitTransaction(a.hex);
    await b.submitTransaction(dup.hex);
    await b.mine(1);

    // Block 112: spend each kind; the empty script is spent by a bare OP_1; a chain of two inside one block.
    const coins: Coin[] = [
      { ...a.outs[0]!, keys: [key(1)] },
      { ...a.outs[1]!, keys: [key(2)] },
      { ...a.outs[2]!, keys: [key(3)], extra: { redeemScript: shwpkh.redeemScript! } },
      { ...a.outs[3]!, keys: [key(4), key(5)], extra: { witnessScript: wsh.witnessScript! } },
      { ...a.outs[4]!, keys: [key(6)], extra: { tapInternalKey: pub(6).subarray(1) } },
    ];
    const c = spend(coins, [tr.script, minerScript], new Uint8Array(40).fill(0xab));
    const chained = spend([{ ...c.outs[1]!, keys: [BTCD_MINER_KEY] }], [pkh.script]);
    const wrapped = spend([{ ...dup.outs[3]!, keys: [BTCD_MINER_KEY] }], [shwpkh.script]);
    const empty = new Transaction({ allowUnknownInputs: true, allowUnknownOutputs: true, allowLegacyWitnessUtxo: true });
    empty.addOutput({ script: pkh.script, amount: dup.outs[2]!.amount - FEE });
    empty.addInput({ txid: dup.txid, index: 2, finalScriptSig: Script.encode(['OP_1']) });
    for (const tx of [c.hex, chained.hex, wrapped.hex, empty.hex]) await b.submitTransaction(tx);
    await b.mine(2);

    // Every block from genesis: Coffer's filter from the block and the scripts its inputs spend.
    const tip = await b.tipHeight();
    expect(tip).toBe(113);
    const outputs = new Map<string, Uint8Array>();
    let prevHeader: Uint8Array = new Uint8Array(32);
    let checked = 0;
    for (let h = 0; h <= tip; h++) {
      const hash = await b.getBlockHash(h);
      const block = parseBlock(hexToBytes(await b.getBlock(hash)));
      const prevouts: Uint8Array[] = [];
      for (const [i, t] of block.txs.entries()) {
        if (i > 0) for (const input of t.tx.inputs) prevouts.push(outputs.get(`${hashToHex(input.prevTxid)}:${input.vout}`)!);
        t.tx.outputs.forEach((o, vout) => outputs.set(`${hashToHex(t.txid)}:${vout}`, o.script));
      }
      expect(prevouts.every((p) => p !== undefined)).toBe(true);
      const filter = basicFilter(block, prevouts);
      expect(bytesToHex(filter), `filter of block ${h}`).toBe(await b.getCFilter(hash));
      prevHeader = filterHeader(filter, prevHeader);
      expect(hashToHex(prevHeader), `filter header of block ${h}`).toBe(await b.getCFilterHeader(hash));
      checked++;
    }
    expect(checked).toBe(114);
    // The varied blocks really were varied: 111 holds 3 transactions, 112 the 4 spends.
    expect(parseBlock(hexToBytes(await b.getBlock(await b.getBlockHash(111)))).txs).toHaveLength(3);
    expect(parseBlock(hexToBytes(await b.getBlock(await b.getBlockHash(112)))).txs).toHaveLength(5);
  });
});
