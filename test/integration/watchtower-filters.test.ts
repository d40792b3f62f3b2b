// The headless watchtower on compact filters (`--backend filters`) against btcd: a thief's unvault
// relayed by btcd is cancelled from the mempool; what happened while the tower was down is found
// in block filters through the package's scripts (an unvault by the deposit script it spends,
// and cancelled; a withdrawal by the unvault script); a package without scripts is refused.

import fs from 'node:fs';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdrawal } from '../../src/vaults/vault-tx.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { btcdPayer, DELAY, makeVaultWith, thiefScript, toHex, TowerProcess, towerPackage, writeAtomically, type TestVault } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let b: BtcdNode;
let vault: (id: string) => Promise<TestVault>;
const towers: TowerProcess[] = [];

beforeAll(async () => {
  // btcd batches its transaction announcements every --trickleinterval (10 s by default).
  b = await startBtcd({ args: ['--trickleinterval=100ms'] });
  await b.mine(110);
  const pay = btcdPayer(b);
  vault = (id) => makeVaultWith(id, pay);
});
afterAll(async () => {
  await Promise.all(towers.map((t) => t.stop()));
  await b?.close();
});

const mempool = () => b.rpc<string[]>('getrawmempool');

async function scannedTip(tower: TowerProcess): Promise<void> {
  const tip = await b.tipHeight();
  await tower.waitFor((l) => l.event === 'scanned' && l['to'] === tip, 20_000, `the tower to scan up to ${tip}`);
}

describe('watchtower on compact filters (btcd)', () => {
  const dir = tmpDir('coffer-tower-filters-');
  const file = path.join(dir, 'package.json');
  const start = (datadir = path.join(dir, 'tower'), pkgFile = file) => {
    const tower = TowerProcess.start(datadir, pkgFile, b, { backend: ['--backend', 'filters', '--connect', b.address] });
    towers.push(tower);
    return tower;
  };
  let stolen: TestVault;
  let missed: TestVault;
  let raced: TestVault;

  it('cancels a thief\'s unvault that btcd relays; the cancel is in btcd\'s mempool, then mined', async () => {
    stolen = await vault('stolen');
    missed = await vault('missed');
    raced = await vault('raced');
    await b.mine(1);
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [stolen, missed, raced], { height: await b.tipHeight() })));
    const tower = start();
    try {
      await tower.waitFor((l) => l.event === 'watching', 20_000, 'the tower to watch');
      await tower.waitFor((l) => l.event === 'peer', 20_000, 'btcd as its peer');
      await scannedTip(tower);

      await b.submitTransaction(toHex(stolen.set.unvault));
      const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === stolen.unvaultTxid, 15_000, 'the cancel');
      expect(cancel).toMatchObject({ vault: 'stolen', feerate: 2, cpfp: false, peers: 1 });
      await waitFor(async () => (await mempool()).includes(cancel['cancelTxid'] as string), 10_000, 'the cancel in btcd\'s mempool');
      expect(tower.find((l) => l.event === 'unvault' && l['txid'] === stolen.unvaultTxid)).toMatchObject({ announced: false });
      await b.mine(1);
      await scannedTip(tower);
      expect(await mempool()).toEqual([]);
      // Told once: from its block, or already from relay (a peer that reconnects is asked its mempool).
      expect(tower.filter((l) => l.event === 'cancelled' && l['txid'] === cancel['cancelTxid'])).toHaveLength(1);
    } finally {
      await tower.stop();
    }
  });

  it('finds in block filters what happened while it was down: an unvault (the deposit script), a withdrawal (the unvault script)', async () => {
    // Two thieves while the tower is down: one unvault waits in a block, the other is withdrawn after the delay.
    await b.submitTransaction(toHex(missed.set.unvault));
    await b.submitTransaction(toHex(raced.set.unvault));
    await b.mine(DELAY);
    const steal = withdrawal(raced.set.unvaultOutput, raced.set.unvaultScript, DELAY, raced.hot, thiefScript, 5);
    await b.submitTransaction(toHex(steal));
    await b.mine(1);
    const tip = await b.tipHeight();
    const tower = start();
    try {
      const unvault = await tower.waitFor((l) => l.event === 'unvault' && l['txid'] === missed.unvaultTxid, 20_000, 'the mined unvault');
      expect(unvault).toMatchObject({ announced: false, height: tip - DELAY });
      const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['vault'] === 'missed', 15_000, 'the cancel');
      await waitFor(async () => (await mempool()).includes(cancel['cancelTxid'] as string), 10_000, 'the cancel in btcd\'s mempool');
      // Found only through the unvault's script, which the withdrawal's input spends.
      expect(tower.find((l) => l.event === 'withdrawn' && l['vault'] === 'raced')).toMatchObject({ announced: false, height: tip });
    } finally {
      await tower.stop();
    }
  });

  it('refuses a package written before packages carried scripts, naming the fix', async () => {
    const pkg = towerPackage(ANNOUNCE, [stolen]);
    const old = { ...pkg, vaults: pkg.vaults.map(({ unvaultScript: _, deposit: { script: __, ...deposit }, ...v }) => ({ ...v, deposit })) };
    const oldFile = path.join(dir, 'old.json');
    fs.writeFileSync(oldFile, JSON.stringify(old));
    const tower = start(path.join(dir, 'old-tower'), oldFile);
    await waitFor(() => tower.exit !== undefined, 15_000, 'the tower to exit');
    expect(tower.exit?.code).toBe(1);
    expect(tower.stderr).toMatch(/^error: invalid-watchtower-package: .*export it again from the wallet \(coffer watchtower export\)/m);
  });
});
