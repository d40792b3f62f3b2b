// A tower that was down while the thief's unvault confirmed: restarted with the same data
// directory it syncs headers, scans the blocks it missed (from its saved scan point, not from the
// package's height again) and cancels the confirmed unvault, whose output nobody spent yet; the
// thief gets nothing after the delay. A reorg that happened while it was down makes it scan the new
// branch from the fork.

import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { withdrawal } from '../../src/vaults/vault-tx.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { DELAY, makeVault, recoveryScript, thiefScript, toHex, TowerProcess, towerPackage, writeAtomically } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let node: RegtestNode;
const towers: TowerProcess[] = [];

function startTower(datadir: string, file: string): TowerProcess {
  const t = TowerProcess.start(datadir, file, node);
  towers.push(t);
  return t;
}

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  for (const t of towers) await t.stop();
  await node?.close();
});

describe('a watchtower that was offline', () => {
  it('finds the unvault mined while it was down and cancels it within the delay', async () => {
    const v = await makeVault(node, 'offline');
    await node.mine(1);
    const dir = tmpDir('coffer-tower-offline-');
    const file = path.join(dir, 'package.json');
    const pkgHeight = node.tipHeight();
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v], { height: pkgHeight })));
    const datadir = path.join(dir, 'tower');

    let tower = startTower(datadir, file);
    const first = await tower.waitFor((l) => l.event === 'scanned', 20_000, 'the first scan');
    // A fresh tower starts at the wallet's height.
    expect(first).toMatchObject({ from: pkgHeight, to: pkgHeight });
    await tower.waitFor((l) => l.event === 'peer', 20_000, 'the filter in the peer');
    await tower.stop();

    await node.submitTransaction(toHex(v.set.unvault));
    await node.mine(2);
    const unvaultHeight = node.tipHeight() - 1;
    expect(node.mempool()).toEqual([]);

    const restartedAt = Date.now();
    tower = startTower(datadir, file);
    const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 30_000, 'the cancel');
    console.log(`watchtower back after downtime, restart -> cancel broadcast: ${cancel.receivedAt - restartedAt} ms`);
    // It went on from where it stopped, and found the unvault in its block.
    expect(tower.find((l) => l.event === 'scanned')).toMatchObject({ from: pkgHeight + 1, to: unvaultHeight + 1 });
    expect(tower.find((l) => l.event === 'unvault' && l['txid'] === v.unvaultTxid)).toMatchObject({ announced: false, height: unvaultHeight });
    expect(cancel).toMatchObject({ vault: 'offline', feerate: 2, cpfp: false });
    expect(node.mempool()).toEqual([cancel['cancelTxid']]);

    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    await tower.waitFor((l) => l.event === 'cancelled' && l['txid'] === cancel['cancelTxid'], 20_000, 'the tower to see its cancel mined');
    expect(tower.find((l) => l.event === 'cancelled')).toMatchObject({ height: unvaultHeight + 2 });

    // After the delay the thief's withdrawal spends an output that is gone.
    await node.mine(DELAY);
    await expect(node.submitTransaction(toHex(withdrawal(v.set.unvaultOutput, v.set.unvaultScript, DELAY, v.hot, thiefScript, 2)))).rejects.toThrow();
    expect(tower.filter((l) => l.event === 'cancel')).toHaveLength(1);
    await tower.stop();
  });

  it('after a reorg while it was down, scans the new branch from the fork', async () => {
    const v = await makeVault(node, 'reorged');
    await node.mine(1);
    const dir = tmpDir('coffer-tower-reorg-');
    const file = path.join(dir, 'package.json');
    const fork = node.tipHeight();
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v], { height: fork })));
    const datadir = path.join(dir, 'tower');

    let tower = startTower(datadir, file);
    await tower.scannedTip(node);
    const [stale] = await node.mine(1);
    await tower.scannedTip(node);
    await tower.stop();

    // The block the tower scanned is replaced by a longer branch holding the thief's unvault.
    await node.invalidate(stale!);
    expect(node.tipHeight()).toBe(fork);
    await node.submitTransaction(toHex(v.set.unvault));
    await node.mine(3);

    tower = startTower(datadir, file);
    const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 30_000, 'the cancel');
    expect(tower.find((l) => l.event === 'reorg')).toMatchObject({ forkHeight: fork, disconnected: 1 });
    expect(tower.find((l) => l.event === 'scanned')).toMatchObject({ from: fork + 1, to: fork + 3 });
    expect(tower.find((l) => l.event === 'unvault' && l['txid'] === v.unvaultTxid)).toMatchObject({ announced: false, height: fork + 1 });
    expect(node.mempool()).toEqual([cancel['cancelTxid']]);
    await node.mine(1);
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    expect(node.mempool()).toEqual([]);
    await tower.stop();
  });
});
