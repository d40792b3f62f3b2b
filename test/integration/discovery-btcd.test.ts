// Finding peers with real btcd v0.26.0 nodes on loopback: a pool without pinned peers that asks
// for compact filters completes the handshake with a node serving them (sendaddrv2 before verack,
// getaddr after), keeps it in <dir>/peers.dat and finds it there on the next start without any
// seed; a node started with --nocfilters is dropped right after its version. (The nodes listen on
// 127.0.0.1, one /16; pool-discovery.test.ts tests the group rule with other loopback /16s.)

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainParams } from '../../src/chain/params.js';
import { peerFileStore, PEER_FILE } from '../../src/node/peer-file.js';
import { decodePeerFile } from '../../src/p2p/addrman.js';
import { NODE_COMPACT_FILTERS, NODE_NETWORK, NODE_WITNESS } from '../../src/p2p/messages.js';
import { Pool } from '../../src/p2p/pool.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { tmpDir } from '../helpers/tmp.js';

const params = chainParams('regtest');
const FILTERS = NODE_NETWORK | NODE_WITNESS | NODE_COMPACT_FILTERS;

describe('peer discovery against btcd', () => {
  let serving: BtcdNode;
  let plain: BtcdNode;
  beforeAll(async () => {
    [serving, plain] = await Promise.all([startBtcd(), startBtcd({ args: ['--nocfilters'] })]);
    await serving.mine(3);
  });
  afterAll(async () => {
    await Promise.all([serving?.close(), plain?.close()]);
  });

  it('connects to a filter-serving node from the seeds, saves it, and finds it again from peers.dat alone', async () => {
    const dir = tmpDir();
    const seeds: string[] = [];
    const discover = async () => {
      seeds.push('asked');
      return [{ host: serving.host, port: serving.port, source: 'dns:seed.test' }];
    };
    const first = new Pool({ params, ourHeight: () => 0, requiredServices: FILTERS, store: peerFileStore(dir), discover });
    await first.start();
    const peer = await first.waitForPeer(10_000);
    expect(peer?.address).toBe(serving.address);
    expect(peer!.version!.services & FILTERS).toBe(FILTERS);
    // The connection is usable: the node answered our getaddr and sendaddrv2 without closing.
    await peer!.ping();
    expect(peer!.closed).toBeUndefined();
    first.stop();

    const saved = decodePeerFile(fs.readFileSync(path.join(dir, PEER_FILE)), params.magic);
    expect(saved.table.get(serving.address)).toMatchObject({ tried: true, attempts: 0, source: 'dns:seed.test' });
    expect(fs.existsSync(path.join(dir, `${PEER_FILE}.tmp`))).toBe(false);

    const second = new Pool({ params, ourHeight: () => 0, requiredServices: FILTERS, store: peerFileStore(dir), discover });
    await second.start();
    try {
      expect((await second.waitForPeer(10_000))?.address).toBe(serving.address);
      expect(seeds).toHaveLength(1);
    } finally {
      second.stop();
    }
  });

  it('drops a node without compact filters after its version: no peer, one failure counted', async () => {
    const pool = new Pool({ params, ourHeight: () => 0, requiredServices: FILTERS, discover: async () => [{ host: plain.host, port: plain.port }] });
    await pool.start();
    try {
      expect(await pool.waitForPeer(10_000)).toBeUndefined();
      expect(pool.peers).toEqual([]);
      expect(pool.addresses!.get(plain.address)).toMatchObject({ tried: false, attempts: 1 });
    } finally {
      pool.stop();
    }
  });
});
