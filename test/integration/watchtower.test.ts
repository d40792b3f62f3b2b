// A thief holds the hot key and the wallet's presigned unvault: the headless watchtower, in its
// own process with only the keyless package, sees the unvault in the mempool and broadcasts a
// cancel; the thief's withdrawal is refused before the delay (CSV) and impossible after it (the
// output went to the recovery destination). A withdrawal the wallet announced is left alone.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { p2wsh, presign, withdrawal, type Outpoint, type PresignedSet } from '../../src/vaults/vault-tx.js';
import { signAnnouncement, towerVault, type TowerPackage } from '../../src/vaults/watchtower.js';
import { BIN } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const DELAY = 12;
const toHex = (tx: Tx) => hex.encode(serializeTx(tx));
const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x77));
const thiefScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x66));
const ANNOUNCE = secp256k1.utils.randomSecretKey();

let node: RegtestNode;
let tower: ChildProcess | undefined;
const lines: Record<string, unknown>[] = [];

interface Vault {
  id: string;
  set: PresignedSet;
  deposit: Outpoint;
  hot: Uint8Array;
}

async function makeVault(id: string): Promise<Vault> {
  const k = secp256k1.utils.randomSecretKey();
  const hot = secp256k1.utils.randomSecretKey();
  const recoveryKey = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
  const base = { k, recoveryKey, hotKey: secp256k1.getPublicKey(hot, true), delay: DELAY, recoveryScript, unvaultFeerate: 2, cancelFeerates: [2, 5, 20] };
  const script = presign({ ...base, deposit: { txid: new Uint8Array(32), vout: 0, value: 1_500_000 } }).depositScript;
  const txid = await node.send(scriptToAddress(p2wsh(script), 'regtest')!, 1_500_000);
  const tx = parseTx(hex.decode(await node.getRawTransaction(txid)));
  const vout = tx.outputs.findIndex((o) => hex.encode(o.script) === hex.encode(p2wsh(script)));
  const deposit = { txid: txidOf(tx), vout, value: 1_500_000 };
  const set = presign({ ...base, deposit });
  k.fill(0);
  return { id, set, deposit, hot };
}

function seen(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  return lines.find(pred);
}

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  tower?.kill('SIGTERM');
  await node?.close();
});

describe('headless watchtower', () => {
  let thiefVault: Vault;
  let ownVault: Vault;

  it('starts from a keyless package and watches', async () => {
    thiefVault = await makeVault('stolen');
    ownVault = await makeVault('mine');
    await node.mine(1);
    const pkg: TowerPackage = {
      format: 'coffer-watchtower',
      version: 1,
      network: 'regtest',
      announceKey: hex.encode(schnorr.getPublicKey(ANNOUNCE)),
      vaults: [towerVault(thiefVault.id, thiefVault.set, thiefVault.deposit), towerVault(ownVault.id, ownVault.set, ownVault.deposit)],
    };
    const dir = tmpDir('coffer-tower-');
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, JSON.stringify(pkg));
    tower = spawn(process.execPath, [BIN, '--datadir', path.join(dir, 'tower'), 'watchtower', 'run', '--package', file, '--connect', node.address], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    tower.stdout!.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      for (const p of parts) lines.push({ ...(JSON.parse(p) as Record<string, unknown>), receivedAt: Date.now() });
    });
    await waitFor(() => seen((l) => l['event'] === 'watching') !== undefined && seen((l) => l['event'] === 'peer') !== undefined, 20_000, 'the tower to watch, its filter loaded in the peer');
    expect(seen((l) => l['event'] === 'watching')).toMatchObject({ network: 'regtest', vaults: 2 });
  });

  it('cancels an unannounced unvault from the mempool, and the thief gets nothing', async () => {
    const { set, hot } = thiefVault;
    const unvaultTxid = hashToHex(txidOf(set.unvault));
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
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    // After the delay the output is gone: the withdrawal spends nothing that exists.
    await node.mine(DELAY);
    await expect(node.submitTransaction(toHex(steal))).rejects.toThrow();
  });

  it('lets a withdrawal the wallet announced run its course, and refuses forged announcements', async () => {
    const { set, hot, id } = ownVault;
    const unvaultTxid = hashToHex(txidOf(set.unvault));
    tower!.stdin!.write(`${JSON.stringify({ vault: id, unvaultTxid, signature: signAnnouncement(id, unvaultTxid, hot) })}\n`);
    tower!.stdin!.write('not json\n');
    tower!.stdin!.write(`${JSON.stringify({ vault: id, unvaultTxid, signature: signAnnouncement(id, unvaultTxid, ANNOUNCE) })}\n`);
    await waitFor(() => seen((l) => l['event'] === 'announcement' && l['vault'] === id) !== undefined, 10_000, 'the announcement');
    expect(lines.filter((l) => l['event'] === 'announcement-refused')).toHaveLength(2);

    await node.submitTransaction(toHex(set.unvault));
    await waitFor(() => seen((l) => l['event'] === 'unvault' && l['txid'] === unvaultTxid) !== undefined, 15_000, 'the tower to see the unvault');
    expect(seen((l) => l['event'] === 'unvault' && l['txid'] === unvaultTxid)).toMatchObject({ announced: true });
    await node.mine(DELAY);
    const own = withdrawal(set.unvaultOutput, set.unvaultScript, DELAY, hot, thiefScript, 2);
    await node.submitTransaction(toHex(own));
    await node.mine(1);
    expect(seen((l) => l['event'] === 'cancel' && l['vault'] === id)).toBeUndefined();
    expect(node.mempool()).toEqual([]);
  });
});
