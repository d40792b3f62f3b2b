// Broadcasting through the SPV client: a valid transaction reaches the node's mempool (and is not
// announced again while a peer that took it has it); one the node rejects comes back as a typed
// error.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as btc from '@scure/btc-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genesisStart } from '../../src/chain/header-chain.js';
import { chainParams } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/db/header-store.js';
import { SpvClient } from '../../src/node/spv.js';
import { CofferError } from '../../src/api/errors.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const NET = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };
let node: RegtestNode;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => node?.close());

describe('broadcast', () => {
  it('announces, serves and lands in the mempool; a rejected one is an error', async () => {
    const key = secp256k1.utils.randomSecretKey();
    const payment = btc.p2wpkh(secp256k1.getPublicKey(key, true), NET);
    const fundTxid = await node.send(payment.address!, 100_000);
    await node.mine(1);
    const fundTx = btc.Transaction.fromRaw(Buffer.from(await node.getRawTransaction(fundTxid), 'hex'));
    const vout = Array.from({ length: fundTx.outputsLength }, (_, i) => i).find((i) => fundTx.getOutput(i).amount === 100_000n)!;
    const spend = (amount: bigint) => {
      const tx = new btc.Transaction();
      tx.addInput({ txid: fundTxid, index: vout, witnessUtxo: { script: payment.script, amount: 100_000n } });
      tx.addOutputAddress(node.walletAddress, amount, NET);
      tx.sign(key);
      tx.finalize();
      return tx;
    };
    const store = HeaderStore.open(tmpDir(), chainParams('regtest'), genesisStart());
    const spv = new SpvClient({ params: chainParams('regtest'), store, connect: [node.address] });
    try {
      await spv.start();
      const good = spend(99_000n);
      await spv.broadcast(good.extract());
      expect(node.mempool()).toContain(good.id);
      // Announced again, the node does not ask for what it has: a rebroadcast would wait for
      // nothing. The client remembers the peer took it, and broadcasting it again succeeds at once.
      expect(await spv.announce(good.extract(), 1_000)).toBe(0);
      await spv.broadcast(good.extract());
      // The same coin again: the node refuses the double spend.
      const err = await spv.broadcast(spend(98_000n).extract()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CofferError);
      expect((err as CofferError).code).toBe('invalid-transaction');
    } finally {
      spv.stop();
      store.close();
    }
  });
});
