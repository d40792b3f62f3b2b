// The fuzz suites' world: a regtest wallet with coins, history, a label and a vault, synced once
// from a real bcoin node that is then shut down (so no later call can reach a chain), and a
// sandbox of hostile files: empty, binary, deeply nested JSON, a 1 GiB sparse file, a directory,
// a FIFO, /dev/zero, a missing path.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HDKey } from '@scure/bip32';
import type { AppStatus } from '../../src/api/contract.js';
import type { Result } from '../../src/api/errors.js';
import { keyParams } from '../../src/keys/networks.js';
import { Core } from '../../src/service/core.js';
import { Presigner } from '../../src/service/vault-signer.js';
import { scriptToAddress, startNode, type RegtestNode } from '../helpers/regtest.js';
import { deepJson } from './fuzz-kit.js';

/**
 * A worker thread cannot load the TypeScript sources vitest runs: the vault presigner's worker is
 * the built one (`npm run build`), as in test/unit/vault-signer.test.ts.
 */
const BUILT_WORKER = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/src/service/vault-signer-worker.js'));
const openPresigner = Presigner.open.bind(Presigner);
Presigner.open = (url = BUILT_WORKER) => openPresigner(url);

/** Where every chain source of the fuzzed wallets points: nothing listens on port 1. */
export const CLOSED = '127.0.0.1:1';
export const PASSWORD = 'fuzz wallet password';
/** BIP39's own test phrase: a restore needs no reveal (a second scrypt) to learn the words. */
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

export interface FuzzWallet {
  datadir: string;
  password: string;
  mnemonic: string;
  /** The wallet's own receive addresses. */
  own: string[];
  /** Valid regtest addresses of someone else, other networks' addresses, near misses. */
  foreign: string[];
  txids: string[];
  outpoints: string[];
  vaults: string[];
  descriptors: string[];
  /** A recovery destination (ranged descriptor) and its extended private key. */
  recovery: { descriptor: string; xprv: string };
}

function value<T>(r: Result<unknown>, what: string): T {
  if (!r.ok) throw new Error(`fixture: ${what}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function foreignAddresses(): string[] {
  const b = (n: number, fill: number) => new Uint8Array(n).fill(fill);
  return [
    scriptToAddress(Uint8Array.from([0x00, 0x14, ...b(20, 7)])),
    scriptToAddress(Uint8Array.from([0x51, 0x20, ...b(32, 9)])),
    scriptToAddress(Uint8Array.from([0x00, 0x20, ...b(32, 3)])),
    scriptToAddress(Uint8Array.from([0x76, 0xa9, 0x14, ...b(20, 5), 0x88, 0xac])),
    scriptToAddress(Uint8Array.from([0xa9, 0x14, ...b(20, 6), 0x87])),
    'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
    '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
    'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
    'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt081',
    'BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080',
    'bcrt1qW508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
  ];
}

/**
 * Restore a regtest wallet in `datadir` through the core, fund it from a fresh bcoin node, make a
 * vault, leave one payment unconfirmed, sync, then point the wallet at a closed port and lock it.
 * `extra` runs after the core stopped and before the node does (the CLI suite builds a PSBT there).
 */
export async function fundedWallet(datadir: string, extra?: (node: RegtestNode, w: FuzzWallet) => Promise<void>): Promise<FuzzWallet> {
  const node = await startNode();
  try {
    await node.fund();
    const core = new Core(datadir);
    let w: FuzzWallet;
    try {
      await core.start();
      const call = async <T>(method: string, params: unknown) => value<T>(await core.call(method, params), method);
      await call('wallet.restore', { network: 'regtest', mnemonic: MNEMONIC, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: [node.address] } });
      const own: string[] = [];
      for (let i = 0; i < 4; i++) own.push((await call<{ address: string }>('wallet.address', { fresh: true })).address);
      await node.sendMany(own.slice(0, 3).map((address, i) => ({ address, sats: 5_000_000 * (i + 1) })));
      await node.mine(1);
      await syncUntil(core, (s) => s.confirmed > 0);
      const root = HDKey.fromMasterSeed(new Uint8Array(32).fill(0x42), keyParams('regtest').bip32);
      const recovery = { descriptor: `wpkh(${root.publicExtendedKey}/0/*)`, xprv: root.privateExtendedKey };
      await call('vault.create', { amount: 1_000_000, delay: 6, recovery: recovery.descriptor, feeRate: 2 });
      await node.mine(1);
      await node.send(own[3]!, 70_000);
      await syncUntil(core, (s) => s.unconfirmed > 0);
      await call('wallet.setLabel', { type: 'addr', ref: own[0], label: 'savings' });
      const history = await call<{ txid: string }[]>('wallet.history', {});
      const utxos = await call<{ txid: string; vout: number }[]>('wallet.utxos', {});
      const vaults = await call<{ vaults: { id: string }[] }>('vault.list', {});
      const descriptors = await call<{ desc: string }[]>('wallet.descriptors', {});
      w = {
        datadir,
        password: PASSWORD,
        mnemonic: MNEMONIC,
        own,
        foreign: foreignAddresses(),
        txids: history.map((h) => h.txid),
        outpoints: utxos.map((u) => `${u.txid}:${u.vout}`),
        vaults: vaults.vaults.map((v) => v.id),
        descriptors: descriptors.map((d) => d.desc),
        recovery,
      };
      if (w.vaults.length === 0 || w.outpoints.length < 3) throw new Error('fixture: the wallet has no vault or too few coins');
      await call('settings.set', { backend: { kind: 'spv', connect: [CLOSED] } });
      await call('wallet.lock', {});
    } finally {
      await core.stop();
    }
    await extra?.(node, w);
    return w;
  } finally {
    await node.close();
  }
}

async function syncUntil(core: Core, done: (s: { confirmed: number; unconfirmed: number }) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await core.call('sync.now', {});
    const r = await core.call('wallet.summary', {});
    if (r.ok && done(r.value as { confirmed: number; unconfirmed: number })) return;
    if (Date.now() > deadline) {
      const s = await core.call('app.status', {});
      throw new Error(`fixture: sync did not get there: ${JSON.stringify(r)} ${JSON.stringify((s as { value?: AppStatus }).value?.sync)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Sandbox {
  /** The working directory of the fuzzed code: relative names land here. */
  cwd: string;
  /** Files to read: name -> absolute path. */
  files: Record<string, string>;
  /** Paths to write to: inside the sandbox, hostile ones included. */
  writable: string[];
  /** Make the FIFO and the /dev/zero link among `writable` what they were (a write may replace them). */
  restoreWritable(): void;
}

/**
 * Hostile files in a sandbox three levels deep (so `..` and `../..` stay inside the test's
 * temporary directory). `more` adds the suite's own files (name -> content).
 */
export function makeSandbox(root: string, more: Record<string, string | Uint8Array> = {}): Sandbox {
  const cwd = path.join(root, 'a', 'b', 'cwd');
  fs.mkdirSync(cwd, { recursive: true });
  const at = (name: string) => path.join(cwd, name);
  const write = (name: string, data: string | Uint8Array) => {
    fs.writeFileSync(at(name), data);
    return at(name);
  };
  const bytes = new Uint8Array(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
  const files: Record<string, string> = {
    empty: write('empty', ''),
    text: write('text.txt', 'hello\n'),
    binary: write('binary.bin', bytes),
    nul: write('nul.txt', 'a\u0000b\u0000\n'),
    badUtf8: write('bad-utf8.txt', Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0x0a])),
    deepArray: write('deep-array.json', deepJson(100_000)),
    deepObject: write('deep-object.json', deepJson(50_000, 'object')),
    proto: write('proto.json', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}\n'),
    jsonLines: write('lines.jsonl', `${'{"type":"tx","ref":"00","label":"x"}\n'.repeat(1000)}`),
    unicodeName: write('ümlaut-עברית-\u200b-🪙.txt', 'x'),
    longLine: write('long-line.txt', 'a'.repeat(2_000_000)),
    overTenMiB: write('over-10-mib.txt', `${'x'.repeat(1023)}\n`.repeat(10 * 1024 + 1)),
    dir: at('a-directory'),
    missing: at('no-such-file'),
    missingDir: at('no-such-dir/file'),
    fifo: at('a-fifo'),
    huge: at('huge-sparse.bin'),
    zeroLink: at('zero-link'),
    devZero: '/dev/zero',
    devNull: '/dev/null',
  };
  fs.mkdirSync(files['dir']!);
  execFileSync('mkfifo', [files['fifo']!]);
  fs.closeSync(fs.openSync(files['huge']!, 'w'));
  fs.truncateSync(files['huge']!, 1024 ** 3);
  fs.symlinkSync('/dev/zero', files['zeroLink']!);
  for (const [name, data] of Object.entries(more)) files[name] = write(name, data);
  // Write targets of their own: a command that replaces one (write, then rename) leaves the read ones alone.
  const writable = [at('out-file'), at('ünï-out\u200b'), write('w-text', 'not a backup\n'), write('w-empty', ''), at('w-fifo'), at('w-zero-link'), files['dir']!, files['missingDir']!, '.', '..', ''];
  const restore = () => {
    const kind = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false });
    if (!kind(at('w-fifo'))?.isFIFO()) {
      fs.rmSync(at('w-fifo'), { force: true, recursive: true });
      execFileSync('mkfifo', [at('w-fifo')]);
    }
    if (!kind(at('w-zero-link'))?.isSymbolicLink()) {
      fs.rmSync(at('w-zero-link'), { force: true, recursive: true });
      fs.symlinkSync('/dev/zero', at('w-zero-link'));
    }
  };
  restore();
  return { cwd, files, writable, restoreWritable: restore };
}
