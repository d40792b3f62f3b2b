// The headless watchtower on a node's JSON-RPC (`--backend rpc`) instead of SPV peers: it finds a
// thief's unvault in the node's mempool and cancels it; restarted after an unvault was mined while
// it was down, it finds it in the blocks and cancels it; a node it cannot reach does not end it (it
// asks again, less often, and goes on when the node is back), while a node that refuses its
// credentials does, with one error line.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeVault, recoveryScript, rpcFlags, toHex, TowerProcess, towerPackage, writeAtomically } from './watchtower-harness.js';

const ANNOUNCE = secp256k1.utils.randomSecretKey();

let node: RegtestNode;
const towers: TowerProcess[] = [];

function startTower(datadir: string, file: string, backend: string[]): TowerProcess {
  const t = TowerProcess.start(datadir, file, node, { backend });
  towers.push(t);
  return t;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A TCP relay to the node's RPC port that can be cut and opened again on the same port, as a node restarting would look. */
async function rpcRelay(target: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const open = async (port: number) => {
    server = net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(s);
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    return (server.address() as net.AddressInfo).port;
  };
  const port = await open(0);
  return {
    port,
    cut: async () => {
      const closed = new Promise((r) => server!.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    reopen: () => open(port),
  };
}

beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => {
  for (const t of towers) await t.stop();
  await node?.close();
});

describe('a watchtower on --backend rpc', () => {
  it('cancels an unvault from the mempool, and one mined while it was down', async () => {
    const inMempool = await makeVault(node, 'mempool');
    const inBlock = await makeVault(node, 'block');
    await node.mine(1);
    const dir = tmpDir('coffer-tower-rpc-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [inMempool, inBlock], { height: node.tipHeight() })));
    const datadir = path.join(dir, 'tower');
    const flags = rpcFlags(node, dir);
    let tower = startTower(datadir, file, flags);
    await tower.waitFor((l) => l.event === 'watching', 20_000, 'the tower to watch');
    await tower.scannedTip(node);

    await node.submitTransaction(toHex(inMempool.set.unvault));
    const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === inMempool.unvaultTxid, 20_000, 'the cancel');
    expect(cancel).toMatchObject({ vault: 'mempool', backend: 'rpc' });
    expect(node.mempool()).toContain(cancel['cancelTxid']);
    await node.mine(1);
    await tower.waitFor((l) => l.event === 'cancelled' && l['txid'] === cancel['cancelTxid'], 20_000, 'the tower to see its cancel mined');
    const mined = parseTx(hex.decode(await node.getRawTransaction(cancel['cancelTxid'] as string)));
    expect(hex.encode(mined.outputs[0]!.script)).toBe(hex.encode(recoveryScript));
    await tower.scannedTip(node);

    // Down while the second unvault is mined; restarted, it scans the blocks it missed.
    await tower.stop();
    expect(tower.exit).toEqual({ code: 0, signal: null });
    await node.submitTransaction(toHex(inBlock.set.unvault));
    await node.mine(1);
    const unvaultHeight = node.tipHeight();
    tower = startTower(datadir, file, flags);
    const late = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === inBlock.unvaultTxid, 30_000, 'the cancel of the mined unvault');
    expect(tower.find((l) => l.event === 'unvault' && l['txid'] === inBlock.unvaultTxid)).toMatchObject({ announced: false, height: unvaultHeight });
    await waitFor(() => node.mempool().includes(late['cancelTxid'] as string), 10_000, 'the cancel in the mempool');
    await node.mine(1);
    await tower.waitFor((l) => l.event === 'cancelled' && l['txid'] === late['cancelTxid'], 20_000, 'the second cancel mined');
    expect(tower.exit).toBeUndefined();
    expect(tower.stderr).toBe('');
  });

  it('waits for a node it cannot reach, and ends with an error line when the node refuses it', async () => {
    const dir = tmpDir('coffer-tower-rpc-down-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [])));
    const down = startTower(path.join(dir, 'down'), file, rpcFlags(node, dir, await closedPort()));
    const unavailable = await down.waitFor((l) => l.event === 'backend-unavailable', 20_000, 'the tower to say the node is unreachable');
    expect(unavailable['retryInSeconds']).toBe(2);
    expect(down.exit).toBeUndefined();
    await down.stop();
    expect(down.exit).toEqual({ code: 0, signal: null });
    expect(down.stderr).toBe('');

    const wrongCookie = path.join(dir, 'wrong.cookie');
    fs.writeFileSync(wrongCookie, 'coffer:not-the-key');
    const refused = startTower(path.join(dir, 'refused'), file, ['--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${node.httpPort}/`, '--rpc-cookie', wrongCookie]);
    await waitFor(() => refused.exit !== undefined, 20_000, 'the tower to give up');
    expect(refused.exit).toEqual({ code: 1, signal: null });
    expect(refused.stderr).toMatch(/^error: backend-error: [^\n]*\n$/);
  });

  it('goes on when its node comes back, and still cancels an unvault', async () => {
    const v = await makeVault(node, 'node-loss');
    await node.mine(1);
    const dir = tmpDir('coffer-tower-rpc-loss-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(ANNOUNCE, [v], { height: node.tipHeight() })));
    const relay = await rpcRelay(node.httpPort);
    const tower = startTower(path.join(dir, 'tower'), file, rpcFlags(node, dir, relay.port));
    await tower.scannedTip(node);

    await relay.cut();
    const mark = tower.mark();
    await tower.waitFor((l) => l.event === 'backend-unavailable', 20_000, 'the tower to lose its node', mark);
    await relay.reopen();
    await tower.waitFor((l) => l.event === 'backend-reachable', 30_000, 'the tower to reach its node again', mark);

    await node.submitTransaction(toHex(v.set.unvault));
    const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === v.unvaultTxid, 20_000, 'the cancel', mark);
    expect(node.mempool()).toContain(cancel['cancelTxid']);
    expect(tower.exit).toBeUndefined();
    expect(tower.stderr).toBe('');
    await relay.cut();
  });
});
