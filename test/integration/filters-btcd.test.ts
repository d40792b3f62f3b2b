// The compact-filters client (BIP157/158, `--backend filters`) against btcd, beside the backend
// suite (backends-filters.test.ts): a restore from the words widening the gap, unconfirmed
// payments off (--no-tx-relay); and lying peers in front of btcd found out and banned.

import fs from 'node:fs';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { encodeFilter } from '../../src/chain/bip158.js';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex, hexToHash } from '../../src/chain/bytes.js';
import { genesisStart } from '../../src/chain/header-chain.js';
import { chainParams } from '../../src/chain/params.js';
import { sha256d } from '../../src/chain/tx.js';
import { HeaderStore } from '../../src/db/header-store.js';
import { addressToScript, scriptToAddress } from '../../src/keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { nextHeader } from '../../src/node/filter-headers.js';
import { FiltersSource } from '../../src/node/filters.js';
import { outpointBytes } from '../../src/node/source.js';
import type { ProvenBlock } from '../../src/node/source.js';
import { BTCD_MINER_PUBKEY, coinbaseSpender, startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { EMPTY_FILTER, startFilterProxy } from '../helpers/filter-proxy.js';
import { CORE_REGTEST, waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
const params = chainParams('regtest');
const FEE = 10_000n;
const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;

let b: BtcdNode;
let spend: ReturnType<typeof coinbaseSpender>;

beforeAll(async () => {
  b = await startBtcd();
  await b.mine(120);
  spend = coinbaseSpender(b);
});
afterAll(() => b?.close());

/** Pay `outputs` from the next unspent coinbase, the rest back to the miner; the txid (display hex). */
const pay = (outputs: { script: Uint8Array; amount: number }[]) => spend(outputs);

describe('backend filters (btcd)', () => {
  const dir = tmpDir();
  const run = (args: string[], d = dir) => coffer(['--datadir', d, '--network', 'regtest', '--backend', 'filters', '--connect', b.address, ...args], { env });
  const ok = (r: RunResult) => {
    expect(r.code, r.stderr).toBe(0);
    return r.json;
  };
  const sync = async (d = dir) => ok(await run(['sync', '--mempool-wait', '1'], d));
  let mnemonic: string;
  let birthday: number;

  beforeAll(async () => {
    const created = ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env }));
    mnemonic = created.mnemonic;
    birthday = await b.tipHeight();
  });

  it('restores from the words, scanning from the birthday and widening the gap', async () => {
    const receive = ok(await run(['wallet', 'descriptors'])).find((d: { internal: boolean }) => !d.internal).desc;
    const deriver = new ScriptDeriver(parseDescriptor(receive, 'regtest'), 'regtest');
    // Each used address within 20 of the one before: 0..60 in one block, 75 in a later one.
    await pay([0, 15, 30, 45, 60].map((i) => ({ script: deriver.scriptAt(i), amount: 10_000 + i })));
    await b.mine(1);
    await pay([{ script: deriver.scriptAt(75), amount: 20_000 }]);
    await b.mine(1);
    const restored = tmpDir();
    fs.writeFileSync(path.join(restored, 'words'), mnemonic);
    ok(await coffer(['--datadir', restored, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', path.join(restored, 'words'), '--birthday', String(birthday)], { env }));
    const s = await sync(restored);
    const expected = [0, 15, 30, 45, 60].reduce((n, i) => n + 10_000 + i, 0) + 20_000;
    expect(s.balance).toEqual({ confirmed: expected, unconfirmed: 0 });
    // Both payments, the second beyond the gap of the first scan.
    expect(ok(await run(['wallet', 'history'], restored))).toHaveLength(2);
    const next = ok(await run(['wallet', 'address'], restored));
    expect(next).toMatchObject({ index: 76, address: scriptToAddress(deriver.scriptAt(76), 'regtest') });
  });

  it('--no-tx-relay: an incoming payment shows at its first confirmation; the flag needs --backend filters', async () => {
    const before = (await sync()).balance;
    const { address } = ok(await run(['wallet', 'address']));
    await pay([{ script: addressToScript(address, 'regtest'), amount: 40_000 }]);
    expect(ok(await run(['sync', '--mempool-wait', '1', '--no-tx-relay'])).balance).toEqual(before);
    await b.mine(1);
    expect(ok(await run(['sync', '--mempool-wait', '1', '--no-tx-relay'])).balance).toEqual({ confirmed: before.confirmed + 40_000, unconfirmed: before.unconfirmed });
    const r = await coffer(['--datadir', dir, '--network', 'regtest', '--no-tx-relay', 'sync'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: usage: --no-tx-relay needs --backend filters/);
  });
});

describe('a lying peer (filters for blocks it hides)', () => {
  const watchOf = (script: Uint8Array) => () => ({ elements: [], scripts: [script], outpoints: [], txids: [] });

  async function target() {
    const key = secp256k1.utils.randomSecretKey();
    const script = p2wpkh(secp256k1.getPublicKey(key, true), CORE_REGTEST).script;
    const txid = await pay([{ script, amount: 70_000 }]);
    const [hash] = await b.mine(1);
    const filterHash = sha256d(hexToBytes(await b.getCFilter(hash!)));
    return { script, txid, hash: hash!, blockHash: hexToHash(hash!)!, filterHash };
  }

  it('wrong filter headers and a filter missing the block\'s scripts: found out with the block, banned; the scan completes from btcd', async () => {
    const t = await target();
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [t], mode: 'headers' });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const bans: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => event === 'p2p.ban' && bans.push(`${fields['peer']}: ${fields['reason']}`);
    const source = new FiltersSource({ params, store, connect: [proxy.address, b.address], log });
    try {
      await source.start();
      await waitFor(() => source.pool.peers.length === 2, 10_000, 'both peers');
      await source.syncHeaders(() => undefined);
      const found: ProvenBlock[] = [];
      await source.scan(0, store.chain.height, watchOf(t.script), (blocks) => {
        found.push(...blocks.filter((x) => x.txs.length > 0));
        return {};
      });
      expect(found.map((x) => [hashToHex(x.hash), x.txs.map((tx) => hashToHex(tx.txid))])).toEqual([[t.hash, [t.txid]]]);
      expect(proxy.lies).toBeGreaterThan(0);
      expect(source.pool.isBanned(proxy.address)).toBe(true);
      expect(source.pool.isBanned(b.address)).toBe(false);
      expect(bans).toEqual([`${proxy.address}: a filter that does not fit block ${store.chain.heightOf(t.blockHash)}`]);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
    }
  });

  it('past 1,000 blocks: filter headers that contradict the agreed checkpoints get their peer banned; the scan completes from btcd', async () => {
    const t = await target();
    await b.mine(2_100);
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [t], mode: 'headers' });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const bans: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => event === 'p2p.ban' && bans.push(`${fields['peer']}: ${fields['reason']}`);
    const source = new FiltersSource({ params, store, connect: [proxy.address, b.address], log });
    try {
      await source.start();
      await waitFor(() => source.pool.peers.length === 2, 10_000, 'both peers');
      await source.syncHeaders(() => undefined);
      expect(store.chain.height).toBeGreaterThan(2_000);
      const found: ProvenBlock[] = [];
      let blocks = 0;
      await source.scan(0, store.chain.height, watchOf(t.script), (batch) => {
        blocks += batch.length;
        found.push(...batch.filter((x) => x.txs.length > 0));
        return {};
      });
      expect(blocks).toBe(store.chain.height + 1);
      expect(found.map((x) => [hashToHex(x.hash), x.txs.map((tx) => hashToHex(tx.txid))])).toEqual([[t.hash, [t.txid]]]);
      // The proxy passes btcd's checkpoints through, so its changed filter hashes miss the first one.
      expect(bans).toEqual([`${proxy.address}: filter headers that miss the checkpoint at 1000`]);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
    }
  });

  it('past 1,000 blocks, a lie carried into the checkpoints: settled on the block where the peers part, the liar banned', async () => {
    const t = await target();
    // The earlier case left the tip past 2,000: a checkpoint at 1000 or 2000 stays true, the next ones lie.
    await b.mine(1_000);
    // The checkpoints the lie leads to: the filter headers from the target on, with its filter empty.
    const at = (await b.rpc<{ height: number }>('getblockheader', [t.hash])).height;
    let header = nextHeader(sha256d(EMPTY_FILTER), hexToHash(await b.getCFilterHeader(await b.getBlockHash(at - 1)))!);
    const tip = await b.tipHeight();
    const checkpoints: Uint8Array[] = [];
    for (let h = 1000; h < at; h += 1000) checkpoints.push(hexToHash(await b.getCFilterHeader(await b.getBlockHash(h)))!);
    for (let from = at + 1; from <= tip; from += 100) {
      const heights = Array.from({ length: Math.min(100, tip - from + 1) }, (_, i) => from + i);
      const filters = await Promise.all(heights.map(async (h) => hexToBytes(await b.getCFilter(await b.getBlockHash(h)))));
      filters.forEach((f, i) => {
        header = nextHeader(sha256d(f), header);
        if (heights[i]! % 1000 === 0) checkpoints.push(header);
      });
    }
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [t], mode: 'headers', checkpoints });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const bans: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => event === 'p2p.ban' && bans.push(`${fields['peer']}: ${fields['reason']}`);
    const source = new FiltersSource({ params, store, connect: [proxy.address, b.address], log });
    try {
      await source.start();
      await waitFor(() => source.pool.peers.length === 2, 10_000, 'both peers');
      await source.syncHeaders(() => undefined);
      const found: ProvenBlock[] = [];
      await source.scan(0, store.chain.height, watchOf(t.script), (batch) => {
        found.push(...batch.filter((x) => x.txs.length > 0));
        return {};
      });
      expect(found.map((x) => [hashToHex(x.hash), x.txs.map((tx) => hashToHex(tx.txid))])).toEqual([[t.hash, [t.txid]]]);
      expect(bans).toEqual([`${proxy.address}: a filter that does not fit block ${at}`]);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
    }
  });

  it('a filter that fits the block\'s outputs but hides a spend: no one banned, the block fetched whole, the spend found', async () => {
    const key = secp256k1.utils.randomSecretKey();
    const script = p2wpkh(secp256k1.getPublicKey(key, true), CORE_REGTEST).script;
    const paid = await pay([{ script, amount: 70_000 }]);
    const [paidIn] = await b.mine(1);
    const spend = new Transaction();
    spend.addInput({ txid: paid, index: 0, witnessUtxo: { script, amount: 70_000n } });
    spend.addOutput({ script: minerScript, amount: 70_000n - FEE });
    spend.signIdx(key, 0);
    spend.finalize();
    const spent = await b.submitTransaction(spend.hex);
    const [spentIn] = await b.mine(1);
    const block = parseBlock(hexToBytes(await b.getBlock(spentIn!)));
    // The true filter holds the spent script too; this one only the outputs', which all fit.
    const outputs = [...new Map(block.txs.flatMap((x) => x.tx.outputs.map((o) => o.script)).filter((s) => s.length > 0 && s[0] !== 0x6a).map((s) => [bytesToHex(s), s])).values()];
    const lie = encodeFilter(block.hash, outputs);
    const t = { blockHash: block.hash, filterHash: sha256d(hexToBytes(await b.getCFilter(spentIn!))), filter: lie };
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [t], mode: 'headers' });
    // btcd behind a slower honest relay: the liar is the first peer, so its answer is the one that stands.
    const slow = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [], mode: 'headers', delayMs: 500 });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const events: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => events.push(`${event} ${fields['honestA'] ?? ''} ${fields['honestB'] ?? ''} ${fields['peerA'] ?? ''}`.trim());
    const source = new FiltersSource({ params, store, connect: [proxy.address, slow.address], log });
    try {
      await source.start();
      await waitFor(() => source.pool.peers.length === 2, 10_000, 'both peers');
      await source.syncHeaders(() => undefined);
      const from = store.chain.heightOf(hexToHash(paidIn!)!)!;
      const found: ProvenBlock[] = [];
      const watch = () => ({ elements: [], scripts: [script], outpoints: [outpointBytes(hexToHash(paid)!, 0)], txids: [] });
      await source.scan(from, store.chain.height, watch, (batch) => {
        found.push(...batch.filter((x) => x.txs.length > 0));
        return {};
      });
      expect(found.map((x) => [hashToHex(x.hash), x.txs.map((tx) => hashToHex(tx.txid))])).toEqual([
        [paidIn, [paid]],
        [spentIn, [spent]],
      ]);
      expect(events.filter((e) => e.startsWith('filters.dispute') || e.startsWith('p2p.ban'))).toEqual([`filters.dispute true true ${proxy.address}`]);
      expect(proxy.lies).toBeGreaterThan(0);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
      await slow.close();
    }
  });

  it('a peer that withholds filters and filter headers is dropped, not banned; the scan completes from btcd', async () => {
    const t = await target();
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [], mode: 'withhold' });
    // btcd behind a slower honest relay: the withholding peer is the first one asked.
    const slow = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [], mode: 'headers', delayMs: 500 });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const events: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => events.push(`${event} ${fields['peer']} ${fields['banned'] ?? ''}`.trim());
    const source = new FiltersSource({ params, store, connect: [proxy.address, slow.address], log });
    try {
      await source.start();
      await waitFor(() => source.pool.peers.length === 2, 10_000, 'both peers');
      await source.syncHeaders(() => undefined);
      const height = store.chain.heightOf(t.blockHash)!;
      const found: ProvenBlock[] = [];
      await source.scan(height - 5, store.chain.height, watchOf(t.script), (batch) => {
        found.push(...batch.filter((x) => x.txs.length > 0));
        return {};
      });
      expect(found.map((x) => [hashToHex(x.hash), x.txs.map((tx) => hashToHex(tx.txid))])).toEqual([[t.hash, [t.txid]]]);
      expect(proxy.lies).toBeGreaterThan(0);
      expect(events).toContain(`filters.peer-dropped ${proxy.address} false`);
      expect(events.filter((e) => e.startsWith('p2p.ban'))).toEqual([]);
      expect(source.pool.isBanned(proxy.address)).toBe(false);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
      await slow.close();
    }
  });

  it('filters of a chain we do not follow get their peer banned', async () => {
    const t = await target();
    const stale = { ...t, staleHash: Uint8Array.from(t.blockHash).reverse(), filter: hexToBytes(await b.getCFilter(t.hash)) };
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [stale], mode: 'filter' });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const bans: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => event === 'p2p.ban' && bans.push(String(fields['reason']));
    const source = new FiltersSource({ params, store, connect: [proxy.address], log });
    try {
      await source.start();
      await source.syncHeaders(() => undefined);
      const height = store.chain.height;
      const err = await source.scan(height, height, watchOf(t.script), () => ({})).catch((e: unknown) => e);
      expect((err as CofferError).code).toBe('no-peers');
      expect(bans).toEqual(['a filter we did not ask for']);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
    }
  });

  it('a filter that does not hash to the agreed filter header gets its peer banned', async () => {
    const t = await target();
    const proxy = await startFilterProxy({ magic: params.magic, upstream: { host: b.host, port: b.port }, targets: [t], mode: 'filter' });
    const store = HeaderStore.open(tmpDir(), params, genesisStart());
    const bans: string[] = [];
    const log = (event: string, fields: Record<string, string | number | boolean>) => event === 'p2p.ban' && bans.push(String(fields['reason']));
    const source = new FiltersSource({ params, store, connect: [proxy.address], log });
    try {
      await source.start();
      await source.syncHeaders(() => undefined);
      const height = store.chain.height;
      const err = await source.scan(height, height, watchOf(t.script), () => ({})).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CofferError);
      expect((err as CofferError).code).toBe('no-peers');
      expect(source.pool.isBanned(proxy.address)).toBe(true);
      expect(bans).toEqual([`a filter for block ${height} that is not the agreed one`]);
    } finally {
      source.stop();
      store.close();
      await proxy.close();
    }
  });
});
