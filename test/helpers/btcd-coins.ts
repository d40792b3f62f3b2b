// Spends the btcd harness miner's coinbases (BTCD_MINER_KEY) to any addresses: how tests fund
// Coffer wallets and lnd nodes on a btcd chain without a wallet in btcd.

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { BTCD_MINER_KEY, BTCD_MINER_PUBKEY, type BtcdNode } from './btcd.js';
import { addressToScript, CORE_REGTEST } from './regtest.js';

const FEE = 10_000n;
const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;

export interface MinerCoins {
  /** Pay `outputs` (address, sats) from the next unspent mature coinbase, the rest back to the miner; the txid. */
  pay(outputs: readonly { address: string; sats: number }[]): Promise<string>;
}

/**
 * The miner's coinbases in height order, from `firstHeight`: the caller mines past maturity (100
 * blocks) first and spends each coinbase once (one coinbase is 50 BTC before the first halving at 150).
 */
export function minerCoins(b: BtcdNode, firstHeight = 1): MinerCoins {
  let next = firstHeight;
  return {
    async pay(outputs) {
      const height = next++;
      if (height > (await b.tipHeight()) - 100) throw new Error(`the coinbase at ${height} is not mature: mine more blocks first`);
      const cb = parseBlock(hexToBytes(await b.getBlock(await b.getBlockHash(height)))).txs[0]!;
      const index = cb.tx.outputs.findIndex((o) => bytesToHex(o.script) === bytesToHex(minerScript));
      const amount = BigInt(cb.tx.outputs[index]!.value);
      const tx = new Transaction();
      tx.addInput({ txid: hashToHex(cb.txid), index, witnessUtxo: { script: minerScript, amount } });
      const sent = outputs.reduce((n, o) => n + BigInt(o.sats), 0n);
      for (const o of outputs) tx.addOutput({ script: addressToScript(o.address), amount: BigInt(o.sats) });
      tx.addOutput({ script: minerScript, amount: amount - sent - FEE });
      tx.signIdx(BTCD_MINER_KEY, 0);
      tx.finalize();
      return b.submitTransaction(tx.hex);
    },
  };
}
