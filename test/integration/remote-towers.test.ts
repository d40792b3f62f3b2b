// Two remote towers (`coffer watchtower serve` on loopback) and a wallet that pushes to both: the
// pushes reach them (one tower down at vault creation gets its push once back), a tower that does
// not hold the pinned id is refused before anything is sent, another wallet of the same tower
// cannot replace or silence this one's package; then the wallet's machine is gone
// (its `coffer daemon` killed, data directory deleted), a thief broadcasts the presigned unvault, both towers
// cancel, and the coins reach the recovery destination.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TowerInfo } from '../../src/api/towers.js';
import { CofferError } from '../../src/api/errors.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx, txid as txidOf } from '../../src/chain/tx.js';
import { keyParams } from '../../src/keys/networks.js';
import { signPush, type StoredPush } from '../../src/net/tower-protocol.js';
import { signAnnouncement, type TowerPackage } from '../../src/vaults/watchtower.js';
import { sendPush } from '../../src/service/remote-towers.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { party, startDaemon, type Party } from '../helpers/daemon.js';
import { tmpDir } from '../helpers/tmp.js';
import { TowerProcess, type Line } from './watchtower-harness.js';

let node: RegtestNode;
let wallet: Party | undefined;
const towers: TowerProcess[] = [];
const recovery = HDKey.fromMasterSeed(secp256k1.utils.randomSecretKey(), keyParams('regtest').bip32);
const recoveryDescriptor = `wpkh(${recovery.publicExtendedKey}/0/*)`;
const recoveryScript = (i: number) => Uint8Array.of(0x00, 0x14, ...new HDKey({ publicKey: recovery.deriveChild(0).deriveChild(i).publicKey! }).identifier!);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function serve(dir: string, listen?: string): Promise<{ tower: TowerProcess; id: string; address: string }> {
  const tower = TowerProcess.serve(dir, node.address, listen);
  towers.push(tower);
  const line = await tower.waitFor((l) => l.event === 'listening', 20_000, 'the tower to listen');
  await tower.waitFor((l) => l.event === 'watching', 20_000, 'the tower to watch');
  return { tower, id: line['id'] as string, address: line['address'] as string };
}

const call = <T>(method: string, params: unknown = {}): Promise<T> => wallet!.call<T>(method, params);

const list = async () => (await call<{ towers: TowerInfo[] }>('tower.list')).towers;

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  wallet?.daemon?.child.kill('SIGKILL');
  await Promise.all(towers.map((t) => t.stop()));
  await node?.close();
});

describe('remote watchtowers', () => {
  const walletDir = tmpDir('coffer-remote-wallet-');
  const dirA = tmpDir('coffer-tower-a-');
  const dirB = tmpDir('coffer-tower-b-');
  const mallory = secp256k1.utils.randomSecretKey();
  let a: Awaited<ReturnType<typeof serve>>;
  let b: Awaited<ReturnType<typeof serve>>;
  let portB: number;
  const wrongId = hex.encode(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
  let unvaultHex = '';

  it('a wallet pins two towers; a tower without the pinned key is refused before anything is sent', async () => {
    a = await serve(dirA);
    portB = await freePort();
    b = await serve(dirB, `127.0.0.1:${portB}`);
    expect(a.id).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(b.address).toBe(`127.0.0.1:${portB}`);

    wallet = await party(node, walletDir, [3_000_000]);
    await startDaemon(node, wallet);
    for (const t of [a, b]) expect(await call<TowerInfo>('tower.add', { address: t.address, id: t.id })).toEqual({ address: t.address, id: t.id, stale: false });
    // Tower A's address with an id whose key A does not hold.
    await call('tower.add', { address: a.address, id: wrongId });
    await expect(call('tower.add', { address: a.address, id: a.id })).rejects.toMatchObject({ code: 'invalid-setting' });

    // Straight through the wire: the handshake fails on the tower's side, nothing but act one went out.
    const push = signPush(hex.decode(wrongId), 1, '{}', secp256k1.utils.randomSecretKey());
    const refused = await sendPush(a.address, wrongId, push, 5_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CofferError);
    expect((refused as CofferError).code).toBe('invalid-peer');
    expect(a.tower.find((l) => l.event === 'push')).toBeUndefined();
  });

  it('creating a vault pushes to the towers that are up; a tower that was down gets it once back', async () => {
    await b.tower.stop();
    const created = await call<{ id: string; towersUnconfirmed?: string[] }>('vault.create', { amount: 1_000_000, delay: 10, recovery: recoveryDescriptor, feeRate: 2 });
    expect(created.towersUnconfirmed?.sort()).toEqual([b.id, wrongId].sort());
    const pushA = await a.tower.waitFor((l) => l.event === 'push', 10_000, 'the push to A');
    expect(pushA['vaults']).toBe(1);
    let now = await list();
    expect(now.find((t) => t.id === a.id)).toMatchObject({ stale: false, confirmedVersion: pushA['version'] });
    expect(now.find((t) => t.id === a.id)!.lastConfirmedAt).toBeGreaterThan(0);
    expect(now.find((t) => t.id === b.id)).toMatchObject({ pendingVersion: pushA['version'] });
    expect(now.find((t) => t.id === wrongId)!.lastError).toMatch(/does not hold the key of the id you pinned/);

    // B comes back on its port with its key: same id; the core's retries reach it.
    const again = await serve(dirB, `127.0.0.1:${portB}`);
    expect(again.id).toBe(b.id);
    b = again;
    await waitFor(async () => (await list()).find((t) => t.id === b.id)?.confirmedVersion === pushA['version'], 30_000, 'the retried push to B');
    expect(b.tower.find((l) => l.event === 'push')).toMatchObject({ vaults: 1, version: pushA['version'] });
    await call('tower.remove', { id: wrongId });
    now = await list();
    expect(now.map((t) => [t.id, t.stale, t.pendingVersion])).toEqual([
      [a.id, false, undefined],
      [b.id, false, undefined],
    ]);

    // Mallory, another wallet of tower A, copies Alice's vault into her own package (its deposit and
    // unvault are public once on chain) and announces its unvault with her key: A keeps both apart.
    const aliceFile = path.join(dirA, 'regtest', 'watchtower', 'wallets', `${pushA['wallet'] as string}.json`);
    const alice = JSON.parse(fs.readFileSync(aliceFile, 'utf8')) as StoredPush;
    const copied = JSON.parse(alice.package) as TowerPackage;
    const v = copied.vaults[0]!;
    const forged: TowerPackage = { ...copied, announceKey: hex.encode(schnorr.getPublicKey(mallory)), announcements: [{ vault: v.id, unvaultTxid: v.unvaultTxid, signature: signAnnouncement(v.id, v.unvaultTxid, mallory) }] };
    const text = JSON.stringify(forged);
    expect(await sendPush(a.address, a.id, signPush(hex.decode(a.id), Date.now(), text, mallory), 5_000)).toMatchObject({ type: 'ack' });
    await a.tower.waitFor((l) => l.event === 'announcement' && l['vault'] === `${forged.announceKey}:${v.id}`, 10_000, "Mallory's announcement of her copy");
    expect(JSON.parse(fs.readFileSync(aliceFile, 'utf8'))).toEqual(alice);
    // Her key cannot replace Alice's package either.
    const asAlice = await sendPush(a.address, a.id, { ...signPush(hex.decode(a.id), Date.now() + 1, alice.package, mallory), announceKey: pushA['wallet'] as string }, 5_000);
    expect(asAlice).toMatchObject({ type: 'refused', reason: 'signature' });

    // The thief's copy: the presigned unvault as the wallet stored it.
    const db = new Database(path.join(walletDir, 'regtest', 'wallet.sqlite'), { readonly: true });
    unvaultHex = hex.encode((db.prepare('SELECT unvault_raw FROM vault_vaults').get() as { unvault_raw: Buffer }).unvault_raw);
    db.close();
    await node.mine(1);
    for (const t of [a, b]) await t.tower.scannedTip(node);
  });

  it('with the wallet machine gone, both towers cancel a stolen unvault and the coins reach the recovery destination', async () => {
    const child = wallet!.daemon!.child;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    fs.rmSync(walletDir, { recursive: true, force: true });

    const marks = [a.tower.mark(), b.tower.mark()];
    const sentAt = Date.now();
    await node.submitTransaction(unvaultHex);
    const unvaultTxid = hashToHex(txidOf(parseTx(hex.decode(unvaultHex))));
    // Both towers answer it at once; the node takes the first cancel to reach it (the other
    // tower's copy is the same transaction, so no peer asks for it again: that tower retries it).
    const aliceVault = (l: Line) => !String(l['vault']).startsWith(hex.encode(schnorr.getPublicKey(mallory)));
    await Promise.all([a, b].map((t, i) => t.tower.waitFor((l) => l.event === 'unvault' && l['txid'] === unvaultTxid && l['announced'] === false && aliceVault(l), 15_000, 'the unvault', marks[i])));
    // Mallory's announcement silenced only her own copy.
    expect(await a.tower.waitFor((l) => l.event === 'unvault' && l['txid'] === unvaultTxid && !aliceVault(l), 15_000, "Mallory's copy", marks[0])).toMatchObject({ announced: true });
    await waitFor(() => [a, b].some((t) => t.tower.find((l) => l.event === 'cancel' && l['unvaultTxid'] === unvaultTxid) !== undefined), 15_000, 'a cancel');
    const first = [a, b].flatMap((t) => t.tower.filter((l) => l.event === 'cancel' && l['unvaultTxid'] === unvaultTxid)).sort((x, y) => x.receivedAt - y.receivedAt)[0]!;
    console.log(`remote tower, unvault submitted -> cancel broadcast: ${first.receivedAt - sentAt} ms`);
    const cancelTxid = first['cancelTxid'] as string;
    await waitFor(() => node.mempool().includes(cancelTxid), 10_000, 'the cancel in the mempool');
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancelTxid)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript(0)));
    expect(mined.outputs[0]!.value).toBeGreaterThan(900_000);
    // Each tower says the vault is cancelled once: seen relayed before the block (no height, the
    // other tower's copy reached it first) or in the block (its height).
    for (const t of [a, b]) {
      await t.tower.scannedTip(node);
      const seen = t.tower.find((l) => l.event === 'cancelled' && l['txid'] === cancelTxid);
      expect(seen).toBeDefined();
      if (seen!['height'] !== undefined) expect(seen!['height']).toBe(node.tipHeight());
    }
  });
});
