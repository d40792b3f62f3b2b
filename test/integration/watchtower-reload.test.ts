// The wallet rewrites the tower's package file (temporary file + rename) when it creates a vault or
// starts a withdrawal, before it broadcasts: a running tower takes the new vaults and the signed
// announcements in it, cancels only the unvaults nobody announced, reads the file once more before
// cancelling (an announcement written just before the unvault is honoured), scans older blocks
// for vaults added with an older height, and refuses a package it cannot use while it keeps
// watching with the one it has.

import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { withdrawal } from '../../src/vaults/vault-tx.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { DELAY, makeVault, recoveryScript, thiefScript, toHex, TowerProcess, towerPackage, writeAtomically, type Line, type TestVault } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let node: RegtestNode;
let tower: TowerProcess;
let file: string;
/** Vaults by name: a and d from the start, b and c added, e added late with an older height. */
const v: Record<string, TestVault> = {};

const cancelOf = (id: string, after = 0) => tower.find((l) => l.event === 'cancel' && l['vault'] === id, after);
const isCancelOf = (id: string) => (l: Line) => l.event === 'cancel' && l['vault'] === id;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
  for (const id of ['a', 'd']) v[id] = await makeVault(node, id);
  await node.mine(1);
  const dir = tmpDir('coffer-tower-reload-');
  file = path.join(dir, 'package.json');
  writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v['a']!, v['d']!], { height: node.tipHeight() })));
  tower = TowerProcess.start(path.join(dir, 'tower'), file, node);
  await tower.waitFor((l) => l.event === 'peer', 20_000, 'the filter in the peer');
  await tower.scannedTip(node);
});
afterAll(async () => {
  await tower?.stop();
  await node?.close();
});

describe('watchtower package reload', () => {
  it('takes a rewritten package: new vaults watched, the announced unvault left alone, the other cancelled', async () => {
    for (const id of ['b', 'c']) v[id] = await makeVault(node, id);
    await node.mine(1);
    await tower.scannedTip(node);
    const mark = tower.mark();
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v['a']!, v['d']!, v['b']!, v['c']!], { height: node.tipHeight(), announced: [v['b']!] })));
    const loaded = await tower.waitFor((l) => l.event === 'package-loaded', 10_000, 'the new package', mark);
    expect(loaded).toMatchObject({ vaults: 4, added: 2, removed: 0 });
    const announcement = await tower.waitFor((l) => l.event === 'announcement', 10_000, "b's announcement", mark);
    expect(announcement).toMatchObject({ vault: 'b', unvaultTxid: v['b']!.unvaultTxid, source: 'package' });
    // The relay filter is rebuilt with the new outpoints.
    await tower.waitFor((l) => l.event === 'peer', 10_000, 'the new filter in the peer', tower.lines.indexOf(loaded));

    const sentAt = Date.now();
    await node.submitTransaction(toHex(v['b']!.set.unvault));
    await node.submitTransaction(toHex(v['c']!.set.unvault));
    const cancel = await tower.waitFor(isCancelOf('c'), 15_000, "the cancel of c's unvault", mark);
    console.log(`watchtower reaction to a vault added by a reload, unvaults submitted -> cancel broadcast: ${cancel.receivedAt - sentAt} ms`);
    await tower.waitFor((l) => l.event === 'unvault' && l['vault'] === 'b', 15_000, "the tower to see b's unvault", mark);
    expect(tower.find((l) => l.event === 'unvault' && l['vault'] === 'b')).toMatchObject({ announced: true });
    expect(cancelOf('b')).toBeUndefined();
    expect(node.mempool().sort()).toEqual([v['b']!.unvaultTxid, v['c']!.unvaultTxid, cancel['cancelTxid'] as string].sort());
  });

  it('reads the file again before cancelling: an announcement written just before the unvault is honoured', async () => {
    const mark = tower.mark();
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v['a']!, v['d']!, v['b']!, v['c']!], { height: node.tipHeight(), announced: [v['b']!, v['d']!] })));
    // At once, as the wallet does: the tower's 1 s poll has most likely not come round yet.
    await node.submitTransaction(toHex(v['d']!.set.unvault));
    const seen = await tower.waitFor((l) => l.event === 'unvault' && l['vault'] === 'd', 15_000, "the tower to see d's unvault", mark);
    expect(seen).toMatchObject({ txid: v['d']!.unvaultTxid, announced: true });
    expect(tower.find((l) => l.event === 'announcement' && l['vault'] === 'd', mark)).toBeDefined();
    expect(tower.filter((l) => l.event === 'announcement', mark)).toHaveLength(1); // b's is not told again
    expect(cancelOf('d')).toBeUndefined();
    expect(node.mempool()).toContain(v['d']!.unvaultTxid);
  });

  it('scans older blocks for vaults added with an older height', async () => {
    v['e'] = await makeVault(node, 'e');
    await node.mine(1);
    const height = node.tipHeight();
    // The unvault confirms while the tower does not know the vault yet.
    await node.submitTransaction(toHex(v['e']!.set.unvault));
    await node.mine(1);
    await tower.scannedTip(node);
    expect(cancelOf('e')).toBeUndefined();

    const mark = tower.mark();
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v['a']!, v['d']!, v['b']!, v['c']!, v['e']!], { height, announced: [v['b']!, v['d']!] })));
    const cancel = await tower.waitFor(isCancelOf('e'), 15_000, "the cancel of e's unvault", mark);
    expect(tower.find((l) => l.event === 'scanned', mark)).toMatchObject({ from: height, to: height + 1 });
    expect(tower.find((l) => l.event === 'unvault' && l['vault'] === 'e', mark)).toMatchObject({ announced: false, height: height + 1 });
    expect(node.mempool()).toContain(cancel['cancelTxid']);
  });

  it('refuses a garbage or foreign package and keeps watching with the one it has', async () => {
    const mark = tower.mark();
    writeAtomically(file, '{"format":"coffer-watchtower", "vaults": [');
    await tower.waitFor((l) => l.event === 'package-refused', 10_000, 'the refusal', mark);
    expect(tower.find((l) => l.event === 'package-refused', mark)).toMatchObject({ reason: 'json', vaults: 5 });
    const foreign = { ...towerPackage(ANNOUNCE, [v['a']!]), network: 'test' };
    writeAtomically(file, JSON.stringify(foreign));
    await tower.waitFor((l) => l.event === 'package-refused' && l['reason'] === 'network', 10_000, 'the refusal of a testnet package', mark);

    // a is still watched (the foreign package would have dropped the others, the garbage all).
    await node.submitTransaction(toHex(v['a']!.set.unvault));
    const cancel = await tower.waitFor(isCancelOf('a'), 15_000, "the cancel of a's unvault", mark);
    expect(node.mempool()).toContain(cancel['cancelTxid']);
    expect(tower.find((l) => l.event === 'package-loaded', mark)).toBeUndefined();
  });

  it('the cancels pay the recovery destination; the announced withdrawals go through', async () => {
    await node.mine(1);
    await tower.scannedTip(node);
    expect(node.mempool()).toEqual([]);
    for (const id of ['a', 'c', 'e']) {
      const mined = parseTx(hex.decode(await node.getRawTransaction(cancelOf(id)!['cancelTxid'] as string)));
      expect(hex.encode(mined.outputs[0]!.script), id).toBe(hex.encode(recoveryScript));
    }
    await node.mine(DELAY);
    await tower.scannedTip(node);
    for (const id of ['b', 'd']) await node.submitTransaction(toHex(withdrawal(v[id]!.set.unvaultOutput, v[id]!.set.unvaultScript, DELAY, v[id]!.hot, thiefScript, 2)));
    await expect(node.submitTransaction(toHex(withdrawal(v['c']!.set.unvaultOutput, v['c']!.set.unvaultScript, DELAY, v['c']!.hot, thiefScript, 2)))).rejects.toThrow();
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    expect(tower.filter((l) => l.event === 'cancel').map((l) => l['vault']).sort()).toEqual(['a', 'c', 'e']);
  });
});
