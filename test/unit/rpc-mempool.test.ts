// The RPC source's mempool reads: every transaction matching the watch set is handed over on every
// read, and one that matched nothing is not fetched again while the watch set stays the same (a
// watchtower reads the mempool every second). A fake node answering getrawmempool and
// getrawtransaction from a map stands in for the JSON-RPC server.

import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { chainParams } from '../../src/chain/params.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import type { HeaderStore } from '../../src/db/header-store.js';
import type { RpcClient } from '../../src/node/rpc-client.js';
import { RpcSource } from '../../src/node/rpc-source.js';
import { outpointBytes, type WatchSet } from '../../src/node/source.js';

const script = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(n));

function tx(prev: Uint8Array, vout: number, outScript: Uint8Array): Tx {
  return { version: 2, inputs: [{ prevTxid: prev, vout, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }], outputs: [{ value: 1_000, script: outScript }], locktime: 0 };
}

/** A node whose mempool is `pool` (txid -> raw hex), counting the transactions it was asked for. */
function fakeNode(pool: Map<string, string>) {
  const asked: string[] = [];
  const answer = (id: string) => {
    asked.push(id);
    return pool.get(id) ?? '';
  };
  const rpc = {
    call: async (method: string, params: unknown[] = []) => (method === 'getrawmempool' ? [...pool.keys()] : answer(params[0] as string)),
    batch: async (calls: { method: string; params: unknown[] }[]) => calls.map((c) => answer(c.params[0] as string)),
  } as unknown as RpcClient;
  return { rpc, asked };
}

function add(pool: Map<string, string>, t: Tx): string {
  const id = hashToHex(txidOf(t));
  pool.set(id, hex.encode(serializeTx(t)));
  return id;
}

describe('RPC mempool reads', () => {
  it('fetch a transaction that matched nothing once per watch set, and hand over matches every time', async () => {
    const watched = new Uint8Array(32).fill(7);
    const watch: WatchSet = { elements: [], scripts: [], outpoints: [outpointBytes(watched, 0)], txids: [] };
    const pool = new Map<string, string>();
    const spend = add(pool, tx(watched, 0, script(1)));
    const other = add(pool, tx(new Uint8Array(32).fill(8), 0, script(2)));
    const { rpc, asked } = fakeNode(pool);
    const source = new RpcSource({ kind: 'rpc', params: chainParams('regtest'), store: {} as HeaderStore, rpc });
    const read = async (w: WatchSet) => {
      const seen: string[] = [];
      asked.length = 0;
      await source.mempool(w, (raw) => seen.push(hashToHex(txidOf(parseTx(raw)))));
      return { seen, asked: [...asked].sort() };
    };

    expect(await read(watch)).toEqual({ seen: [spend], asked: [spend, other].sort() });
    expect(await read(watch)).toEqual({ seen: [spend], asked: [spend] });
    const newcomer = add(pool, tx(new Uint8Array(32).fill(9), 1, script(3)));
    expect(await read(watch)).toEqual({ seen: [spend], asked: [spend, newcomer].sort() });
    // Another watch set: what matched nothing before may match now.
    const wider: WatchSet = { ...watch, outpoints: [...watch.outpoints, outpointBytes(new Uint8Array(32).fill(8), 0)] };
    expect(await read(wider)).toEqual({ seen: expect.arrayContaining([spend, other]), asked: [spend, other, newcomer].sort() });
  });

  it('asks again next time about what it missed while a match added outputs to watch (a child seen before its parent)', async () => {
    const pool = new Map<string, string>();
    const parent = tx(new Uint8Array(32).fill(1), 0, script(5));
    const child = tx(txidOf(parent), 0, script(6));
    const childId = add(pool, child); // listed first: checked before its parent made its outpoint watched
    const parentId = add(pool, parent);
    const { rpc, asked } = fakeNode(pool);
    const source = new RpcSource({ kind: 'rpc', params: chainParams('regtest'), store: {} as HeaderStore, rpc });
    const watch: WatchSet = { elements: [script(5).subarray(2)], scripts: [script(5)], outpoints: [], txids: [] };
    await source.mempool(watch, () => {});
    asked.length = 0;
    await source.mempool(watch, () => {});
    expect(asked.sort()).toEqual([childId, parentId].sort());
  });
});
