// Watchtower reaction on loopback: from an unvault handed to the node to the tower's cancel
// broadcast, for the local tower (`watchtower run` reading a package file) and the remote one
// (`watchtower serve`, the package pushed over Noise), both SPV to one bcoin regtest node; and a
// local tower on compact filters (`--backend filters`) to btcd, when btcd is built.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { signPush } from '../src/net/tower-protocol.js';
import { sendPush } from '../src/service/remote-towers.js';
import { btcdPayer, makeVault, makeVaultWith, toHex, TowerProcess, towerPackage, writeAtomically, type TestVault } from '../test/integration/watchtower-harness.js';
import { btcdAvailable, startBtcd } from '../test/helpers/btcd.js';
import { startNode, type RegtestNode } from '../test/helpers/regtest.js';
import { median, type Figure } from './measure.js';

async function react(node: RegtestNode, tower: TowerProcess, v: TestVault): Promise<number> {
  const mark = tower.mark();
  const sent = Date.now();
  await node.submitTransaction(toHex(v.set.unvault));
  const line = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 15_000, 'the cancel', mark);
  const ms = line.receivedAt - sent;
  await node.mine(1);
  await tower.scannedTip(node);
  return ms;
}

function figure(name: string, xs: number[]): Figure {
  return { name, value: median(xs), unit: 'ms', note: `min ${Math.min(...xs)}, max ${Math.max(...xs)}, ${xs.length} runs` };
}

/**
 * `watchtower run --backend filters` to btcd. btcd announces transactions every
 * --trickleinterval (10 s by default, Core waits seconds too): set to 10 ms here, so the figure is
 * the tower's own path (relayed transaction fetched, matched, cancel sent), not the peer's delay.
 */
async function benchFiltersTower(runs: number): Promise<Figure[]> {
  if (!btcdAvailable()) {
    console.log('tower on compact filters: skipped, btcd is not built (bash scripts/tools.sh)');
    return [];
  }
  const b = await startBtcd({ args: ['--trickleinterval=10ms'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-tower-filters-'));
  let tower: TowerProcess | undefined;
  try {
    await b.mine(100 + runs);
    const pay = btcdPayer(b);
    const vaults: TestVault[] = [];
    for (let i = 0; i < runs; i++) vaults.push(await makeVaultWith(`f${i}`, pay));
    await b.mine(1);
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(secp256k1.utils.randomSecretKey(), vaults, { height: await b.tipHeight() })));
    tower = TowerProcess.start(path.join(dir, 'tower'), file, b, { stdin: 'ignore', backend: ['--backend', 'filters', '--connect', b.address] });
    await tower.waitFor((l) => l.event === 'peer', 20_000, 'a peer');
    const times: number[] = [];
    for (const v of vaults) {
      const tip = await b.tipHeight();
      await tower.waitFor((l) => l.event === 'scanned' && l['to'] === tip, 20_000, 'the scan');
      const mark = tower.mark();
      const sent = Date.now();
      await b.submitTransaction(toHex(v.set.unvault));
      const line = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 15_000, 'the cancel', mark);
      times.push(line.receivedAt - sent);
      await b.mine(1);
    }
    return [figure('tower: unvault -> cancel, filters to btcd', times)];
  } finally {
    await tower?.stop();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTowers(runs = 5): Promise<Figure[]> {
  return [...(await benchSpvTowers(runs)), ...(await benchFiltersTower(runs))];
}

async function benchSpvTowers(runs: number): Promise<Figure[]> {
  const node = await startNode();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-tower-'));
  const towers: TowerProcess[] = [];
  try {
    await node.fund();
    const announce = secp256k1.utils.randomSecretKey();
    // The local tower: a package file rewritten with each new vault.
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(announce, [])));
    const local = TowerProcess.start(path.join(dir, 'local'), file, node, { stdin: 'ignore' });
    const remote = TowerProcess.serve(path.join(dir, 'remote'), node.address);
    towers.push(local, remote);
    const listening = await remote.waitFor((l) => l.event === 'listening', 20_000, 'the remote tower');
    for (const t of towers) await t.waitFor((l) => l.event === 'peer', 20_000, 'a peer');
    const id = hex.decode(listening['id'] as string);
    const times = { local: [] as number[], remote: [] as number[] };
    // Each tower guards its own vaults: a cancel the other tower sent first is not one it sent.
    const vaults = { local: [] as TestVault[], remote: [] as TestVault[] };
    for (let i = 0; i < runs; i++) {
      const pair = [await makeVault(node, `l${i}`), await makeVault(node, `r${i}`)] as const;
      await node.mine(1);
      vaults.local.push(pair[0]);
      vaults.remote.push(pair[1]);
      writeAtomically(file, JSON.stringify(towerPackage(announce, vaults.local)));
      const pkg = JSON.stringify(towerPackage(announce, vaults.remote));
      const reply = await sendPush(listening['address'] as string, listening['id'] as string, signPush(id, Date.now(), pkg, announce), 10_000);
      if (reply.type !== 'ack') throw new Error(`the remote tower refused the push: ${reply.message}`);
      for (const t of towers) await t.waitFor((l) => l.event === 'package-loaded' && l['vaults'] === i + 1, 10_000, 'the package');
      for (const t of towers) await t.scannedTip(node);
      times.local.push(await react(node, local, pair[0]));
      times.remote.push(await react(node, remote, pair[1]));
    }
    return [figure('tower: unvault -> cancel, local (watchtower run)', times.local), figure('tower: unvault -> cancel, remote (watchtower serve)', times.remote)];
  } finally {
    await Promise.all(towers.map((t) => t.stop()));
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
