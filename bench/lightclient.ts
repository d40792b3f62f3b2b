// The light client against btcd: a regtest chain of 5,000 blocks holding 1,000 wallet transactions,
// synced from genesis by a wallet restored from fixed words over compact filters (BIP157/158, v1
// and BIP324 v2) and over BIP37, with the time and the bytes received through a counting relay;
// then the bytes that listening to relayed transactions costs per 1,000 transactions not ours.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { hashToHex } from '../src/chain/bytes.js';
import { genesisStart } from '../src/chain/header-chain.js';
import { chainParams } from '../src/chain/params.js';
import { parseTx, txid as txidOf } from '../src/chain/tx.js';
import { HeaderStore } from '../src/db/header-store.js';
import { parseDescriptor, ScriptDeriver } from '../src/keys/descriptors.js';
import { FiltersSource } from '../src/node/filters.js';
import { sourceFactory, type BackendChoice } from '../src/node/source-factory.js';
import type { Transport } from '../src/p2p/peer.js';
import { nullLogger } from '../src/service/log.js';
import { WalletService } from '../src/service/wallet-service.js';
import { WalletSync } from '../src/service/wallet-sync.js';
import { BTCD_MINER_KEY, BTCD_MINER_PUBKEY, startBtcd, type BtcdNode } from '../test/helpers/btcd.js';
import { CORE_REGTEST } from '../test/helpers/regtest.js';
import { rssMiB, type Figure } from './measure.js';

/** BIP39's first test sentence: the wallet's addresses are known before it exists. */
export const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PASSWORD = 'benchmark password';
const FANOUT_VALUE = 1_000_000n;
const FEE = 1_000n;
const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;

/** A TCP relay in front of btcd counting the bytes it passes to the client: what the client received on the wire. */
async function countingRelay(target: BtcdNode): Promise<{ address: string; received: () => number; close: () => void }> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (d: Buffer) => {
      received += d.length;
      client.write(d);
    });
    client.on('data', (d: Buffer) => upstream.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    received: () => received,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A signed transaction spending fan-out output `vout` (1 BTC / 100): `amount` to `script`, the rest back to the miner. */
function spend(fanout: string, vout: number, script: Uint8Array, amount: bigint): string {
  const tx = new Transaction();
  tx.addInput({ txid: fanout, index: vout, witnessUtxo: { script: minerScript, amount: FANOUT_VALUE } });
  tx.addOutput({ script, amount });
  tx.addOutput({ script: minerScript, amount: FANOUT_VALUE - amount - FEE });
  tx.signIdx(BTCD_MINER_KEY, 0);
  tx.finalize();
  return tx.hex;
}

/** The first coinbase split into `n` outputs of FANOUT_VALUE to the miner, mined; its txid (display hex). */
async function fanOut(b: BtcdNode, n: number): Promise<string> {
  const block = await b.rpc<{ tx: string[] }>('getblock', [await b.getBlockHash(1)]);
  const cb = await b.rpc<{ vout: { value: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [block.tx[0], 1]);
  const index = cb.vout.findIndex((o) => o.scriptPubKey.hex === Buffer.from(minerScript).toString('hex'));
  const value = BigInt(Math.round(cb.vout[index]!.value * 1e8));
  const tx = new Transaction();
  tx.addInput({ txid: block.tx[0]!, index, witnessUtxo: { script: minerScript, amount: value } });
  for (let i = 0; i < n; i++) tx.addOutput({ script: minerScript, amount: FANOUT_VALUE });
  tx.addOutput({ script: minerScript, amount: value - FANOUT_VALUE * BigInt(n) - 200_000n });
  tx.signIdx(BTCD_MINER_KEY, 0);
  tx.finalize();
  const id = await b.submitTransaction(tx.hex);
  await b.mine(1);
  return id;
}

/** Restore the fixed words into a fresh data directory. */
export function restore(dir: string): { wallet: WalletService; receive: string } {
  const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  const r = wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: PASSWORD, birthday: 0, unlock: true });
  return { wallet, receive: r.descriptors.find((d) => !d.internal && d.desc.startsWith('wpkh('))!.desc };
}

export async function benchLightClient(blocks = 5_000, txs = 1_000, relayed = 1_000): Promise<Figure[]> {
  const b = await startBtcd({ args: ['--v2transport', '--trickleinterval=100ms'] });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-lightclient-'));
  const relay = await countingRelay(b);
  try {
    const setupStart = performance.now();
    const probe = restore(path.join(tmp, 'probe'));
    const deriver = new ScriptDeriver(parseDescriptor(probe.receive, 'regtest'), 'regtest');
    probe.wallet.close();
    await b.mine(101);
    const fanout = await fanOut(b, txs + relayed);
    const perTx = (blocks - (await b.tipHeight())) / txs;
    let owed = 0;
    let expected = 0;
    for (let i = 0; i < txs; i++) {
      await b.submitTransaction(spend(fanout, i, deriver.scriptAt(i), BigInt(10_000 + i)));
      expected += 10_000 + i;
      owed += perTx;
      const n = Math.floor(owed);
      if (n > 0) {
        await b.mine(n);
        owed -= n;
      }
    }
    const tip = await b.tipHeight();
    if (tip < blocks) await b.mine(blocks - tip);
    const setupS = (performance.now() - setupStart) / 1000;

    const figures: Figure[] = [];
    const runs: { name: string; kind: BackendChoice['kind'] & ('spv' | 'filters'); transport: Transport }[] = [
      { name: 'compact filters (BIP157/158), v1', kind: 'filters', transport: 'v1' },
      { name: 'compact filters (BIP157/158), v2', kind: 'filters', transport: 'v2' },
      { name: 'bloom filters (BIP37), v1', kind: 'spv', transport: 'v1' },
    ];
    for (const run of runs) {
      const { wallet } = restore(path.join(tmp, `${run.kind}-${run.transport}`));
      const bytesBefore = relay.received();
      const start = performance.now();
      const choice: BackendChoice = { kind: run.kind, connect: [relay.address], transport: run.transport };
      const result = await new WalletSync(wallet, { datadir: path.join(tmp, `${run.kind}-${run.transport}`), source: sourceFactory(choice, nullLogger), log: nullLogger, mempoolWaitMs: 0 }).run();
      const seconds = (performance.now() - start) / 1000;
      const mib = (relay.received() - bytesBefore) / 2 ** 20;
      wallet.close();
      if (result.balance.confirmed !== expected || result.tipHeight !== blocks) {
        throw new Error(`lightclient benchmark: ${run.name}: wrong result ${JSON.stringify(result)} (expected ${expected} at ${blocks})`);
      }
      figures.push(
        { name: `${run.name}: sync ${blocks.toLocaleString('en')} blocks, ${txs.toLocaleString('en')} txs`, value: seconds, unit: 's', note: `${(blocks / seconds).toFixed(0)} blocks/s` },
        { name: `${run.name}: bytes received`, value: mib, unit: 'MiB', note: `${((mib * 2 ** 20) / blocks).toFixed(0)} bytes a block` },
      );
    }
    figures.push({ name: 'resident memory after the three syncs', value: rssMiB(), unit: 'MiB', note: `chain built in ${setupS.toFixed(0)} s` });
    figures.push(await relayCost(b, relay, fanout, txs, relayed));
    return figures;
  } finally {
    relay.close();
    await b.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The filters client listening to relay (its default), its watch set known, while btcd relays
 * `relayed` transactions that are not the wallet's (1 input, 2 P2WPKH outputs): the bytes received
 * until the last one came, per 1,000 transactions.
 */
async function relayCost(b: BtcdNode, relay: { address: string; received: () => number }, fanout: string, from: number, relayed: number): Promise<Figure> {
  const params = chainParams('regtest');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-relay-'));
  const source = new FiltersSource({ params, store: HeaderStore.open(dir, params, genesisStart()), connect: [relay.address] });
  try {
    await source.start();
    // A wallet of 1,000 P2WPKH scripts, none of them paid.
    const ours = Array.from({ length: 1_000 }, () => Uint8Array.from([0x00, 0x14, ...randomBytes(20)]));
    await source.mempool({ elements: [], scripts: ours, outpoints: [], txids: [] }, () => undefined, 0);
    const raws = Array.from({ length: relayed }, (_, i) => spend(fanout, from + i, minerScript, 500_000n));
    const ids = new Set(raws.map((hex) => hashToHex(txidOf(parseTx(Buffer.from(hex, 'hex'))))));
    const got = new Set<string>();
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    for (const peer of source.pool.peers) {
      peer.on('message', (m) => {
        if (m.type === 'tx' && ids.has(hashToHex(m.txid))) got.add(hashToHex(m.txid));
        if (got.size === ids.size) done();
      });
    }
    const before = relay.received();
    const start = performance.now();
    const bytesOfTxs = raws.reduce((n, hex) => n + hex.length / 2, 0);
    for (const hex of raws) await b.submitTransaction(hex);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`relay benchmark: ${got.size} of ${relayed} transactions came`)), 120_000)));
    await Promise.race([all, late]).finally(() => clearTimeout(timer));
    const perThousand = ((relay.received() - before) * 1000) / relayed;
    return { name: `listening to relay: bytes received per 1,000 relayed txs`, value: perThousand / 1024, unit: 'KiB', note: `transactions of ${(bytesOfTxs / relayed).toFixed(0)} bytes, relayed in ${((performance.now() - start) / 1000).toFixed(0)} s` };
  } finally {
    source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
