// Wallet sync speed: a regtest chain of 5,000 blocks holding 1,000 wallet transactions, synced
// from genesis by the SPV client from one local bcoin node.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scriptToAddress } from '../src/keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../src/keys/descriptors.js';
import { nullLogger } from '../src/service/log.js';
import { WalletService } from '../src/service/wallet-service.js';
import { sourceFactory } from '../src/node/source-factory.js';
import { WalletSync } from '../src/service/wallet-sync.js';
import { startNode, type RegtestNode } from '../test/helpers/regtest.js';
import { rssMiB, type Figure } from './measure.js';

/**
 * Pay `txs` transactions (10,000 + i sats) to the wallet's addresses 0 to txs-1, spread evenly
 * over the blocks up to height `blocks`; the sats paid.
 */
export async function payWallet(node: RegtestNode, deriver: ScriptDeriver, blocks: number, txs: number): Promise<number> {
  const perTx = (blocks - node.tipHeight()) / txs;
  let owed = 0;
  let expected = 0;
  for (let i = 0; i < txs; i++) {
    await node.send(scriptToAddress(deriver.scriptAt(i), 'regtest')!, 10_000 + i);
    expected += 10_000 + i;
    owed += perTx;
    const n = Math.floor(owed);
    if (n > 0) {
      await node.mine(n);
      owed -= n;
    }
  }
  if (node.tipHeight() < blocks) await node.mine(blocks - node.tipHeight());
  return expected;
}

export async function benchSync(blocks = 5_000, txs = 1_000): Promise<Figure[]> {
  const node = await startNode();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-sync-'));
  try {
    await node.fund();
    const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
    const created = wallet.create({ words: 12, passphrase: '', script: 'wpkh', password: 'benchmark password' });
    const desc = created.descriptors.find((d) => !d.internal)!.desc;
    const deriver = new ScriptDeriver(parseDescriptor(desc, 'regtest'), 'regtest');
    const setupStart = performance.now();
    const expected = await payWallet(node, deriver, blocks, txs);
    const setupS = (performance.now() - setupStart) / 1000;

    const rssBefore = rssMiB();
    const start = performance.now();
    const result = await new WalletSync(wallet, { datadir: dir, source: sourceFactory({ kind: 'spv', connect: [node.address] }, nullLogger), log: nullLogger, mempoolWaitMs: 0 }).run();
    const seconds = (performance.now() - start) / 1000;
    if (result.balance.confirmed !== expected || result.tipHeight !== node.tipHeight()) {
      throw new Error(`sync benchmark: wrong result ${JSON.stringify(result)} (expected ${expected})`);
    }
    wallet.close();
    return [
      { name: `sync ${result.tipHeight.toLocaleString('en')} blocks, ${txs.toLocaleString('en')} wallet txs, from genesis`, value: seconds, unit: 's', note: `chain built in ${setupS.toFixed(0)} s` },
      { name: 'resident memory after that sync', value: rssMiB(), unit: 'MiB', note: `${rssBefore.toFixed(0)} MiB before` },
    ];
  } finally {
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
