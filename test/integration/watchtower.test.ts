// A thief holds the hot key and the wallet's presigned unvault: the headless watchtower, in its
// own process with only the keyless package, sees the unvault in the mempool and broadcasts a
// cancel; the thief's withdrawal is refused before the delay (CSV) and impossible after it (the
// output went to the recovery destination). A withdrawal the wallet announced is left alone.
// (Blocks a tower missed: watchtower-offline.test.ts; the package file rewritten: watchtower-reload.test.ts.)

import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { withdrawal } from '../../src/vaults/vault-tx.js';
import { signAnnouncement } from '../../src/vaults/watchtower.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { DELAY, makeVault, recoveryScript, thiefScript, toHex, TowerProcess, towerPackage, writeAtomically, type Line, type TestVault } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let node: RegtestNode;
let tower: TowerProcess | undefined;

function seen(pred: (l: Line) => boolean): Line | undefined {
  return tower?.find(pred);
}

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  await tower?.stop();
  await node?.close();
});

describe('headless watchtower', () => {
  let thiefVault: TestVault;
  let ownVault: TestVault;

  it('starts from a keyless package and watches', async () => {
    thiefVault = await makeVault(node, 'stolen');
    ownVault = await makeVault(node, 'mine');
    await node.mine(1);
    const dir = tmpDir('coffer-tower-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [thiefVault, ownVault])));
    tower = TowerProcess.start(path.join(dir, 'tower'), file, node);
    await waitFor(() => seen((l) => l['event'] === 'watching') !== undefined && seen((l) => l['event'] === 'peer') !== undefined, 20_000, 'the tower to watch, its filter loaded in the peer');
    expect(seen((l) => l['event'] === 'watching')).toMatchObject({ network: 'regtest', vaults: 2 });
  });

  it('cancels an unannounced unvault from the mempool, and the thief gets nothing', async () => {
    const { set, hot, unvaultTxid } = thiefVault;
    const sentAt = Date.now();
    await node.submitTransaction(toHex(set.unvault));
    await waitFor(() => seen((l) => l['event'] === 'cancel' && l['unvaultTxid'] === unvaultTxid) !== undefined, 15_000, 'the cancel');
    const cancel = seen((l) => l['event'] === 'cancel')!;
    const reactionMs = (cancel['receivedAt'] as number) - sentAt;
    console.log(`watchtower reaction, unvault submitted -> cancel broadcast: ${reactionMs} ms`);
    expect(cancel['cpfp']).toBe(false);
    expect(cancel['feerate']).toBe(2);
    expect(node.mempool()).toContain(cancel['cancelTxid']);

    // Before the delay the hot key cannot spend (BIP68/CSV), even racing the cancel.
    const steal = withdrawal(set.unvaultOutput, set.unvaultScript, DELAY, hot, thiefScript, 50);
    await expect(node.submitTransaction(toHex(steal))).rejects.toThrow();
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    // The tower scans the block and sees its cancel confirmed (waiting also keeps the next blocks
    // from racing its header sync).
    await tower!.scannedTip(node);
    expect(seen((l) => l['event'] === 'cancelled' && l['txid'] === cancel['cancelTxid'])).toMatchObject({ vault: 'stolen', height: node.tipHeight() });
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    // After the delay the output is gone: the withdrawal spends nothing that exists.
    await node.mine(DELAY);
    await tower!.scannedTip(node);
    await expect(node.submitTransaction(toHex(steal))).rejects.toThrow();
  });

  it('lets a withdrawal the wallet announced run its course, and refuses forged announcements', async () => {
    const { set, hot, id, unvaultTxid } = ownVault;
    tower!.write(JSON.stringify({ vault: id, unvaultTxid, signature: signAnnouncement(id, unvaultTxid, hot) }));
    tower!.write('not json');
    tower!.write(JSON.stringify({ vault: id, unvaultTxid, signature: signAnnouncement(id, unvaultTxid, ANNOUNCE) }));
    await waitFor(() => seen((l) => l['event'] === 'announcement' && l['vault'] === id) !== undefined, 10_000, 'the announcement');
    expect(tower!.filter((l) => l['event'] === 'announcement-refused')).toHaveLength(2);

    await node.submitTransaction(toHex(set.unvault));
    await waitFor(() => seen((l) => l['event'] === 'unvault' && l['txid'] === unvaultTxid) !== undefined, 15_000, 'the tower to see the unvault');
    expect(seen((l) => l['event'] === 'unvault' && l['txid'] === unvaultTxid)).toMatchObject({ announced: true });
    await node.mine(DELAY);
    await tower!.scannedTip(node);
    const own = withdrawal(set.unvaultOutput, set.unvaultScript, DELAY, hot, thiefScript, 2);
    await node.submitTransaction(toHex(own));
    await node.mine(1);
    expect(seen((l) => l['event'] === 'cancel' && l['vault'] === id)).toBeUndefined();
    expect(node.mempool()).toEqual([]);
  });
});
