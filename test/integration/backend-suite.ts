// The same receive/send suite against every backend: SPV peers, Bitcoin Core-style RPC (bcoin's
// RPC server stands in for Core), the embedded node, and the compact-filters client. Real regtest
// nodes throughout, bcoin or btcd (two independent implementations); one file per backend and node
// (backends-*.test.ts), so that the test workers can run them side by side.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx } from '../../src/chain/tx.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { addressToScript } from '../../src/keys/address.js';
import { coinbaseSpender, startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

export const env = { COFFER_PASSWORD: 'integration password' };

export type Backend = 'spv' | 'rpc' | 'node' | 'filters' | 'electrum';

/** What the suite asks of the node it runs against. */
export interface SuiteNode {
  readonly name: 'bcoin' | 'btcd';
  /** P2P endpoint. */
  readonly address: string;
  /** Where the suite's sends go (not the wallet's). */
  readonly walletAddress: string;
  /** bcoin's Core-style RPC, for the rpc backend. */
  readonly rpc?: { httpPort: number; apiKey: string };
  /** Pay an address; the transaction is in the node's mempool when this resolves. */
  send(address: string, sats: number, opts?: { feeRate?: number }): Promise<string>;
  mine(n: number): Promise<string[]>;
  mempool(): Promise<string[]>;
  tipHeight(): Promise<number>;
  tipHash(): Promise<string>;
  getRawTransaction(txid: string): Promise<string>;
  /** invalidateblock: the node leaves the block's branch. */
  invalidate(hash: string): Promise<void>;
  submitTransaction(hex: string): Promise<string>;
}

function txOf(hex: string) {
  return parseTx(Uint8Array.from(Buffer.from(hex, 'hex')));
}

/** A funded bcoin regtest node for one file's tests, torn down after them. */
export function fundedNode(): () => RegtestNode {
  let a: RegtestNode | undefined;
  beforeAll(async () => {
    a = await startNode();
    await a.fund();
  });
  afterAll(async () => a?.close());
  return () => a!;
}

/** The suite's view of a bcoin harness node. */
export function bcoin(node: () => RegtestNode): () => SuiteNode {
  return () => {
    const a = node();
    return {
      name: 'bcoin',
      address: a.address,
      walletAddress: a.walletAddress,
      rpc: { httpPort: a.httpPort, apiKey: a.apiKey },
      send: (address, sats, opts) => a.send(address, sats, opts),
      mine: (n) => a.mine(n),
      mempool: async () => a.mempool(),
      tipHeight: async () => a.tipHeight(),
      tipHash: async () => a.tipHash(),
      getRawTransaction: (txid) => a.getRawTransaction(txid),
      invalidate: (hash) => a.invalidate(hash),
      submitTransaction: (hex) => a.submitTransaction(hex),
    };
  };
}

/** A btcd regtest node for one file's tests (its miner's coinbases pay the suite's sends), torn down after them. */
export function fundedBtcd(args: readonly string[] = []): () => SuiteNode & { btcd: BtcdNode } {
  let b: BtcdNode | undefined;
  let pay: ReturnType<typeof coinbaseSpender>;
  beforeAll(async () => {
    b = await startBtcd({ args });
    await b.mine(120);
    pay = coinbaseSpender(b);
  });
  afterAll(async () => b?.close());
  return () => ({
    name: 'btcd',
    btcd: b!,
    address: b!.address,
    walletAddress: b!.miningAddress,
    send: (address, sats, opts) => pay([{ script: addressToScript(address, 'regtest'), amount: sats }], opts?.feeRate),
    mine: (n) => b!.mine(n),
    mempool: () => b!.rpc<string[]>('getrawmempool'),
    tipHeight: () => b!.tipHeight(),
    tipHash: async () => b!.getBlockHash(await b!.tipHeight()),
    getRawTransaction: (txid) => b!.rpc<string>('getrawtransaction', [txid, 0]),
    invalidate: async (hash) => {
      await b!.rpc('invalidateblock', [hash]);
    },
    submitTransaction: (hex) => b!.submitTransaction(hex),
  });
}

/** Receive, send, coin control, fee bumps, PSBTs and crash recovery through one backend. */
export interface SuiteOptions {
  /** The node, in the test titles (default bcoin). */
  on?: 'bcoin' | 'btcd';
  /** More flags for the backend (asked once the node runs). */
  flags?: () => string[];
  /** The wallet's data directory (default: a new temporary one). */
  dir?: string;
  /** Waits until the source has what the node has (an Electrum server indexes after the node). */
  settle?: () => Promise<void>;
  /**
   * The cases that test the wallet's own planning (several recipients, coin control and frozen
   * coins, refused sends): the same code whatever the source, so run on the SPV and compact-filters
   * files only (default true); every file still receives, sends, bumps, broadcasts, reorgs and restores.
   */
  walletCases?: boolean;
}

export function backendSuite(backend: Backend, node: () => SuiteNode, opts: SuiteOptions = {}): void {
  describe(`backend ${backend} (${opts.on ?? 'bcoin'})`, () => {
    let a: SuiteNode;
    const dir = opts.dir ?? tmpDir();
    let mnemonic: string;
    let birthday: number;
    let flags: string[] = [];
    const run = (args: string[], extra: Record<string, string> = {}) =>
      coffer(['--datadir', dir, '--network', 'regtest', ...flags, ...args], { env: { ...env, ...extra } });
    const ok = (r: RunResult) => {
      expect(r.code, r.stderr).toBe(0);
      return r.json;
    };
    const errorCode = (r: RunResult) => /^error: ([a-z-]+):/.exec(r.stderr)?.[1];

    /** For the embedded node: wait until it has the blocks node `a` has. */
    const caughtUp = async () => {
      await opts.settle?.();
      if (backend !== 'node') return;
      await waitFor(async () => (await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'status'])).json?.height === (await a.tipHeight()), 30_000, 'embedded node catching up');
    };
    const sync = async () => {
      await caughtUp();
      return ok(await run(['sync', '--mempool-wait', '1']));
    };
    /** The tx reached node `a` (directly, or relayed by the embedded node). */
    const inMempool = (txid: string) => waitFor(async () => (await a.mempool()).includes(txid), 15_000, `tx ${txid} in mempool`);
    const mine = async (n = 1) => {
      await a.mine(n);
      await caughtUp();
    };

    beforeAll(async () => {
      a = node();
      mnemonic = ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env })).mnemonic;
      birthday = await a.tipHeight();
      if (backend === 'spv') flags = ['--connect', a.address];
      if (backend === 'filters') flags = ['--backend', 'filters', '--connect', a.address, ...(opts.flags?.() ?? [])];
      if (backend === 'electrum') flags = ['--backend', 'electrum', ...(opts.flags?.() ?? [])];
      if (backend === 'rpc') {
        const cookie = path.join(dir, 'rpc.cookie');
        fs.writeFileSync(cookie, `coffer:${a.rpc!.apiKey}`);
        flags = ['--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${a.rpc!.httpPort}/`, '--rpc-cookie', cookie];
      }
      if (backend === 'node') {
        ok(await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'start', '--connect', a.address]));
        flags = ['--backend', 'node'];
        await caughtUp();
      }
    });
    afterAll(async () => {
      if (backend === 'node') await coffer(['--datadir', dir, '--network', 'regtest', 'node', 'stop']);
    });

    it('receives: unconfirmed, then confirmed', async () => {
      const amounts = [300_000, 200_000, 100_000, 50_000];
      const txids: string[] = [];
      for (const sats of amounts) txids.push(await a.send(ok(await run(['wallet', 'address'])).address, sats));
      if (backend === 'node') await waitFor(async () => (await sync()).balance.unconfirmed === 650_000, 30_000, 'unconfirmed receive');
      else expect((await sync()).balance).toEqual({ confirmed: 0, unconfirmed: 650_000 });
      await mine();
      expect((await sync()).balance).toEqual({ confirmed: 650_000, unconfirmed: 0 });
      expect(ok(await run(['wallet', 'utxos'])).map((u: { value: number }) => u.value)).toEqual(amounts);
    });

    it('sends with change coming back, at the requested fee rate', async () => {
      const before = (await sync()).balance.confirmed;
      const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '100000', '--feerate', '5']));
      expect(r.feerate).toBeGreaterThanOrEqual(5);
      expect(r.feerate).toBeLessThan(6);
      // Sizes are estimated with worst-case signatures, so the fee may cover a byte or two more.
      expect(r.fee).toBeGreaterThanOrEqual(Math.ceil(r.vsize * 5));
      expect(r.fee).toBeLessThanOrEqual(Math.ceil((r.vsize + 3) * 5));
      await inMempool(r.txid);
      const tx = txOf(await a.getRawTransaction(r.txid));
      expect(tx.outputs).toHaveLength(2);
      await mine();
      const after = (await sync()).balance;
      expect(after).toEqual({ confirmed: before - 100_000 - r.fee, unconfirmed: 0 });
      const h = ok(await run(['wallet', 'history']));
      expect(h.at(-1)).toMatchObject({ txid: r.txid, amount: -100_000 - r.fee, fee: r.fee, confirmations: 1 });
    });

    if (opts.walletCases ?? true) {
      it('sends to several recipients at once', async () => {
        const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '11000', '--to', a.walletAddress, '--amount', '12000', '--feerate', '2']));
        await inMempool(r.txid);
        const tx = txOf(await a.getRawTransaction(r.txid));
        expect(tx.outputs.map((o) => o.value).filter((v) => v === 11_000 || v === 12_000).sort()).toEqual([11_000, 12_000]);
        await mine();
        await sync();
      });

      it('coin control spends exactly the chosen coin; frozen coins are never spent', async () => {
        const utxos = ok(await run(['wallet', 'utxos']));
        const smallest = utxos.at(-1);
        const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '20000', '--feerate', '2', '--input', `${smallest.txid}:${smallest.vout}`]));
        await inMempool(r.txid);
        const tx = txOf(await a.getRawTransaction(r.txid));
        expect(tx.inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`)).toEqual([`${smallest.txid}:${smallest.vout}`]);
        await mine();
        await sync();

        const coins = ok(await run(['wallet', 'utxos']));
        const biggest = coins[0];
        ok(await run(['wallet', 'freeze', `${biggest.txid}:${biggest.vout}`]));
        const rest = coins.slice(1).reduce((n: number, c: { value: number }) => n + c.value, 0);
        const refused = await run(['wallet', 'send', '--to', a.walletAddress, '--amount', String(rest + 1000), '--feerate', '2']);
        expect(errorCode(refused)).toBe('insufficient-funds');
        const frozen = await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '1000', '--feerate', '2', '--input', `${biggest.txid}:${biggest.vout}`]);
        expect(errorCode(frozen)).toBe('invalid-outpoint');
        expect(ok(await run(['wallet', 'utxos']))[0].frozen).toBe(true);
        ok(await run(['wallet', 'unfreeze', `${biggest.txid}:${biggest.vout}`]));
      });

      it('refuses bad sends with typed errors', async () => {
        const send = async (to: string, amount: string, feerate: string, more: string[] = []) =>
          run(['wallet', 'send', '--to', to, '--amount', amount, '--feerate', feerate, '--dry-run', ...more]);
        const balance = (await sync()).balance.confirmed;
        const short = await send(a.walletAddress, String(balance + 1), '2');
        expect(errorCode(short)).toBe('insufficient-funds');
        expect(short.stderr).toMatch(/short/);
        expect(errorCode(await send('bcrt1qnotanaddress', '1000', '2'))).toBe('invalid-address');
        expect(errorCode(await send('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', '1000', '2'))).toBe('wrong-network');
        expect(errorCode(await send(a.walletAddress, '100', '2'))).toBe('amount-below-dust');
        expect(errorCode(await send(a.walletAddress, '10000', '0.5'))).toBe('fee-too-low');
        expect(errorCode(await send(a.walletAddress, '10000', '20000'))).toBe('fee-too-high');
        const steep = await send(a.walletAddress, '2000', '50');
        expect(errorCode(steep)).toBe('fee-too-high');
        expect(steep.stderr).toMatch(/% of the .* --accept-high-fee/);
        ok(await send(a.walletAddress, '2000', '50', ['--accept-high-fee']));
        expect(errorCode(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '1000', '--input', 'nonsense']))).toBe('invalid-outpoint');
      });
    }

    it('CPFP lifts an unconfirmed incoming payment', async () => {
      const address = ok(await run(['wallet', 'address'])).address;
      const parent = await a.send(address, 80_000, { feeRate: 1 });
      await caughtUp();
      await waitFor(async () => (await sync()).balance.unconfirmed === 80_000, 30_000, 'unconfirmed parent');
      const vout = txOf(await a.getRawTransaction(parent)).outputs.findIndex((o) => o.value === 80_000);
      const r = ok(await run(['wallet', 'cpfp', `${parent}:${vout}`, '--feerate', '20']));
      expect(r.packageFeerate).toBeGreaterThanOrEqual(20);
      expect(r.parentFeeKnown).toBe(false);
      await inMempool(r.txid);
      await mine();
      const s = await sync();
      expect(s.balance.unconfirmed).toBe(0);
      expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === r.txid)).toMatchObject({ confirmations: 1 });
    });

    it('PSBT round trip: create, sign, finalize, broadcast', async () => {
      const files = ['unsigned', 'signed', 'final'].map((n) => path.join(dir, `${n}.psbt`));
      const created = await run(['wallet', 'psbt', 'create', '--to', a.walletAddress, '--amount', '30000', '--feerate', '3']);
      fs.writeFileSync(files[0]!, ok(created));
      fs.writeFileSync(files[1]!, ok(await run(['wallet', 'psbt', 'sign', '--yes', files[0]!])));
      fs.writeFileSync(files[2]!, ok(await run(['wallet', 'psbt', 'finalize', files[1]!])));
      const { txid } = ok(await run(['wallet', 'psbt', 'broadcast', files[2]!]));
      await inMempool(txid);
      expect(errorCode(await run(['wallet', 'psbt', 'sign', '--yes', path.join(dir, 'rpc.cookie-missing')]))).toBe('file-unreadable');
      fs.writeFileSync(path.join(dir, 'junk.psbt'), 'cHNidP8BAAo=');
      expect(errorCode(await run(['wallet', 'psbt', 'finalize', path.join(dir, 'junk.psbt')]))).toBe('invalid-psbt');
      await mine();
      await sync();
    });

    it('killed between signing and broadcast: pending on restart, then rebroadcast', async () => {
      const killed = await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '15000', '--feerate', '2'], { COFFER_FAULT: 'send:signed' });
      expect(killed.signal).toBe('SIGKILL');
      const pending = ok(await run(['wallet', 'history'])).at(-1);
      expect(pending).toMatchObject({ amount: -15_000 - pending.fee, confirmations: 0 });
      expect(await a.mempool()).not.toContain(pending.txid);
      await sync();
      await inMempool(pending.txid);
      await mine();
      expect(ok(await run(['wallet', 'history'])).at(-1)).toMatchObject({ txid: pending.txid });
    });

    it('concurrent sends never spend the same coin', async () => {
      const [x, y] = await Promise.all([
        run(['wallet', 'send', '--to', a.walletAddress, '--amount', '10000', '--feerate', '2']),
        run(['wallet', 'send', '--to', a.walletAddress, '--amount', '10001', '--feerate', '2']),
      ]);
      const rx = ok(x);
      const ry = ok(y);
      await inMempool(rx.txid);
      await inMempool(ry.txid);
      const ix = txOf(await a.getRawTransaction(rx.txid)).inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`);
      const iy = txOf(await a.getRawTransaction(ry.txid)).inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`);
      expect(ix.filter((i) => iy.includes(i))).toEqual([]);
      await mine();
      await sync();
    });

    it('send-max empties the wallet', async () => {
      const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', 'max', '--feerate', '2']));
      await inMempool(r.txid);
      expect(txOf(await a.getRawTransaction(r.txid)).outputs).toHaveLength(1);
      await mine();
      expect((await sync()).balance).toEqual({ confirmed: 0, unconfirmed: 0 });
      expect(ok(await run(['wallet', 'history'])).at(-1)).toMatchObject({ txid: r.txid, confirmations: 1 });
      expect(ok(await run(['wallet', 'utxos']))).toEqual([]);
    });

    it('follows a reorg: a payment whose block leaves the best chain leaves with it, and is confirmed where the new branch has it', async () => {
      const start = (await sync()).balance;
      const address = ok(await run(['wallet', 'address'])).address;
      const txid = await a.send(address, 120_000);
      const hex = await a.getRawTransaction(txid);
      const [stale] = await a.mine(1);
      await caughtUp();
      const height = await a.tipHeight();
      const confirmed = await sync();
      expect(confirmed.tipHash).toBe(stale);
      expect(confirmed.balance).toEqual({ confirmed: start.confirmed + 120_000, unconfirmed: start.unconfirmed });
      expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 1, blockHeight: height });

      // The node drops the block and mines a longer branch, in one call; an embedded node follows
      // over P2P. bcoin empties its mempool on the rewind, so the payment goes too and the wallet
      // must show it unconfirmed; btcd puts it back in its mempool, so the new branch's first block
      // holds it again and the wallet must move it there.
      await a.invalidate(stale!);
      const kept = (await a.mempool()).includes(txid);
      expect(kept).toBe(a.name === 'btcd');
      const [replacement] = await a.mine(2);
      await caughtUp();
      const reorged = await sync();
      expect(reorged.tipHash).toBe(await a.tipHash());
      expect(reorged.tipHeight).toBe(height + 1);
      if (kept) {
        expect(replacement).not.toBe(stale);
        expect(reorged.balance).toEqual({ confirmed: start.confirmed + 120_000, unconfirmed: start.unconfirmed });
        expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 2, blockHeight: height });
        return;
      }
      expect(reorged.balance).toEqual({ confirmed: start.confirmed, unconfirmed: start.unconfirmed + 120_000 });
      expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 0, blockHeight: null });
      expect(ok(await run(['wallet', 'utxos'])).filter((u: { txid: string }) => u.txid === txid)).toMatchObject([{ value: 120_000, confirmations: 0 }]);

      // Mined again on the winning branch: confirmed at its new height.
      await a.submitTransaction(hex);
      await a.mine(1);
      await caughtUp();
      const again = await sync();
      expect(again.tipHash).toBe(await a.tipHash());
      expect(again.balance).toEqual({ confirmed: start.confirmed + 120_000, unconfirmed: start.unconfirmed });
      expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 1, blockHeight: height + 2 });
    });

    // The embedded node is one per data directory: a restored one would sync the chain again
    // from its peer, which the node's own tests cover; every other backend restores here.
    if (backend !== 'node') {
      it('restores from the words: the same balance, history and coins', async () => {
        const restored = tmpDir();
        const words = path.join(restored, 'words');
        fs.writeFileSync(words, mnemonic);
        ok(await coffer(['--datadir', restored, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', words, '--birthday', String(birthday)], { env }));
        const inRestored = (args: string[]) => coffer(['--datadir', restored, '--network', 'regtest', ...flags, ...args], { env });
        const s = ok(await inRestored(['sync', '--mempool-wait', '1']));
        expect(s.balance).toEqual((await sync()).balance);
        expect(ok(await inRestored(['wallet', 'history']))).toEqual(ok(await run(['wallet', 'history'])));
        expect(ok(await inRestored(['wallet', 'utxos']))).toEqual(ok(await run(['wallet', 'utxos'])));
      });
    }
  });
}
