// A tower run as a service (stdin closed, as under systemd, nohup or docker) loses its only peer:
// the node it was pinned to is killed and a new one comes up on the same port, synced from the
// miner. The tower stays up, reconnects, loads its filter into the new peer and cancels the
// thief's unvault relayed through it.

import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { startNode, waitFor, waitForSameTip, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeVault, recoveryScript, toHex, TowerProcess, towerPackage, writeAtomically } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let miner: RegtestNode;
let relay: RegtestNode;
let tower: TowerProcess | undefined;

beforeAll(async () => {
  miner = await startNode();
  relay = await startNode();
  await relay.connect(miner);
  await miner.fund();
});
afterAll(async () => {
  await tower?.stop();
  await relay?.close();
  await miner?.close();
});

describe('a headless tower whose peer goes away', () => {
  it('stays up with stdin closed, reconnects to the restarted peer and still cancels an unvault', async () => {
    const v = await makeVault(miner, 'peer-loss');
    await miner.mine(1);
    const dir = tmpDir('coffer-tower-peer-loss-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v], { height: miner.tipHeight() })));
    tower = TowerProcess.start(path.join(dir, 'tower'), file, relay, { stdin: 'ignore' });
    await tower.waitFor((l) => l.event === 'peer', 20_000, 'the filter in the relay node');
    await tower.scannedTip(relay);

    // The only peer dies; a new node takes its port and fetches the chain from the miner.
    const port = relay.port;
    await relay.close();
    const mark = tower.mark();
    relay = await startNode({ port });
    await relay.connect(miner);
    await waitForSameTip([relay, miner]);
    await tower.waitFor((l) => l.event === 'peer', 30_000, 'the tower to reconnect and load its filter again', mark);
    expect(tower.exit).toBeUndefined();

    await miner.submitTransaction(toHex(v.set.unvault));
    const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 20_000, 'the cancel', mark);
    await waitFor(() => miner.mempool().includes(cancel['cancelTxid'] as string), 10_000, 'the cancel to reach the miner');
    await miner.mine(1);
    const mined = parseTx(hex.decode(await miner.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    expect(tower.exit).toBeUndefined();
    expect(tower.stderr).toBe('');
  });
});
