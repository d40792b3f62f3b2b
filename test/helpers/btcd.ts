// Test harness: a btcd regtest node (a second, independent implementation beside bcoin) run as a
// child process on 127.0.0.1, with a JSON-RPC client; for integration tests and benchmarks.

/*
 * Usage
 * -----
 *   let b: BtcdNode;
 *   beforeAll(async () => { b = await startBtcd(); });  // P2P and RPC on 127.0.0.1:<random>, temp datadir
 *   afterAll(() => b?.close());                          // ALWAYS; kills btcd and removes its datadir
 *   const hashes = await b.mine(101);                    // coinbases to b.miningAddress (BTCD_MINER_KEY's P2WPKH)
 *   const raw = await b.getBlock(hashes[0]!);            // raw block hex, with witnesses
 *   const filter = await b.getCFilter(hashes[0]!);       // BIP158 basic filter hex
 *
 * The binaries come from scripts/tools.sh (run by `npm test`; run it once by hand before running a
 * single test file), pinned to btcd v0.26.0, in .tools/bin/.
 *
 * Facts about btcd v0.26.0 regtest (from its source and RPC answers)
 * -------------------------------------------------------------------
 *  1. Core's regtest addresses (bcrt1, m/n, 2) and genesis. Segwit, taproot and CSV are active from
 *     height 1; BIP34 too (coinbases push their height). Subsidy halves every 150 blocks; coinbase
 *     maturity is 100 blocks.
 *  2. No generatetoaddress: `generate n` mines to one of the --miningaddr addresses, taking the
 *     mempool's transactions. The harness passes one: miningAddress.
 *  3. BIP157/158 filters (the cf index) are on unless --nocfilters. getcfilter answers the filter as
 *     hex; getcfilterheader the header as a display-order (reversed) hash.
 *  4. Without --configfile btcd writes a default config into the home directory; the harness gives
 *     it an empty one inside the temp datadir, so nothing outside it is touched.
 *  5. getcfilter of a block btcd does not know answers an empty string, not an error (a real filter
 *     is at least one byte, 00); the harness turns that into a rejection.
 *  6. --notls is allowed because RPC listens on loopback only; auth is HTTP basic (rpcuser/rpcpass).
 *     lnd's btcd backend always dials RPC over TLS (lnd v0.20 chainreg: DisableTLS false), so `tls: true`
 *     starts btcd with TLS instead: btcd makes rpc.cert and rpc.key itself when both are missing (a
 *     self-signed certificate for localhost and the machine's addresses, 127.0.0.1 included).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { CORE_REGTEST, freePort } from './regtest.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** In the repository's .tools (this file also runs built, from dist/test/helpers, in benchmarks). */
export const BTCD_BIN = path.join(path.basename(ROOT) === 'dist' ? path.dirname(ROOT) : ROOT, '.tools', 'bin', 'btcd');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The harness miner's private key (regtest coins only, worthless): tests spend its coinbases. */
export const BTCD_MINER_KEY = hexToBytes('b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef');
export const BTCD_MINER_PUBKEY = secp256k1.getPublicKey(BTCD_MINER_KEY, true);

export interface StartBtcdOptions {
  /** Where `generate` pays coinbases (default: BTCD_MINER_KEY's P2WPKH address). */
  miningAddress?: string;
  /** Extra btcd flags, e.g. ['--v2transport']. */
  args?: readonly string[];
  /** RPC over TLS with btcd's own certificate (`rpcCert`), as lnd needs; plain HTTP otherwise. */
  tls?: boolean;
}

export interface BtcdNode {
  readonly host: string;
  /** P2P port. */
  readonly port: number;
  /** `127.0.0.1:PORT`, the P2P endpoint. */
  readonly address: string;
  readonly rpcPort: number;
  /** RPC's user and password (HTTP basic). */
  readonly rpcUser: string;
  readonly rpcPass: string;
  /** With `tls`: the file of btcd's self-signed RPC certificate. */
  readonly rpcCert?: string;
  readonly miningAddress: string;
  readonly datadir: string;
  readonly closed: boolean;
  /** One JSON-RPC call; rejects with btcd's error message. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Mine n blocks (with the mempool's transactions); block hashes, display hex. */
  mine(n: number): Promise<string[]>;
  tipHeight(): Promise<number>;
  getBlockHash(height: number): Promise<string>;
  /** Raw block (with witness), hex. */
  getBlock(hash: string): Promise<string>;
  /** BIP158 basic filter, hex. */
  getCFilter(hash: string): Promise<string>;
  /** BIP157 basic filter header, display-order hex. */
  getCFilterHeader(hash: string): Promise<string>;
  /** Submit a raw transaction (rejects with btcd's reason); its txid, display hex. */
  submitTransaction(hex: string): Promise<string>;
  /** The last lines btcd wrote (for failed tests). */
  log(): string;
  /** Kill btcd and remove its datadir; safe to call more than once. */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function btcdAvailable(): boolean {
  return fs.existsSync(BTCD_BIN);
}

export async function startBtcd(opts: StartBtcdOptions = {}): Promise<BtcdNode> {
  if (!btcdAvailable()) throw new Error(`btcd is not built (${BTCD_BIN}): run scripts/tools.sh (npm test runs it)`);
  const miningAddress = opts.miningAddress ?? p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).address!;
  const datadir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-btcd-'));
  const configFile = path.join(datadir, 'btcd.conf');
  fs.writeFileSync(configFile, '');
  const [port, rpcPort] = [await freePort(), await freePort()];
  const user = 'coffer';
  const pass = randomBytes(16).toString('hex');
  const rpcCert = path.join(datadir, 'rpc.cert');
  const child = spawn(
    BTCD_BIN,
    [
      '--regtest',
      `--configfile=${configFile}`,
      `--datadir=${path.join(datadir, 'data')}`,
      `--logdir=${path.join(datadir, 'logs')}`,
      `--listen=127.0.0.1:${port}`,
      `--rpclisten=127.0.0.1:${rpcPort}`,
      `--rpcuser=${user}`,
      `--rpcpass=${pass}`,
      ...(opts.tls ? [`--rpccert=${rpcCert}`, `--rpckey=${path.join(datadir, 'rpc.key')}`] : ['--notls']),
      '--txindex',
      // Tests ask many things at once (a filter per block of a chain): btcd's defaults (10 clients)
      // answer the rest "503 Too busy" under load.
      '--rpcmaxclients=200',
      '--rpcmaxconcurrentreqs=200',
      `--miningaddr=${miningAddress}`,
      '--debuglevel=info',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-8_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed = false;
  let id = 0;
  const auth = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

  /** One POST over TLS, trusting btcd's certificate only (fetch takes no CA of its own). */
  function postTls(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: rpcPort, method: 'POST', ca: fs.readFileSync(rpcCert), headers: { authorization: auth, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const request = JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params });
    let status: number;
    let text: string;
    if (opts.tls) {
      ({ status, text } = await postTls(request));
    } else {
      const res = await fetch(`http://127.0.0.1:${rpcPort}/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: request });
      status = res.status;
      text = await res.text();
    }
    let body: { result?: T; error?: { code: number; message: string } | null };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`btcd ${method}: HTTP ${status}: ${text.slice(0, 200)}`);
    }
    if (body.error) throw new Error(`btcd ${method}: ${body.error.message} (${body.error.code})`);
    return body.result as T;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    fs.rmSync(datadir, { recursive: true, force: true });
  }

  // Ready once RPC answers; fail early if btcd exits.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`btcd exited with ${child.exitCode}:\n${output}`);
    }
    try {
      await rpc('getblockcount');
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`btcd did not answer RPC within ${START_TIMEOUT_MS} ms (${String(e)}):\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    rpcPort,
    rpcUser: user,
    rpcPass: pass,
    ...(opts.tls ? { rpcCert } : {}),
    miningAddress,
    datadir,
    get closed() {
      return closed;
    },
    rpc,
    mine: (n) => rpc<string[]>('generate', [n]),
    tipHeight: () => rpc<number>('getblockcount'),
    getBlockHash: (height) => rpc<string>('getblockhash', [height]),
    getBlock: (hash) => rpc<string>('getblock', [hash, 0]),
    getCFilter: async (hash) => {
      const hex = await rpc<string>('getcfilter', [hash, 0]);
      if (hex === '') throw new Error(`btcd getcfilter: no filter for block ${hash}`);
      return hex;
    },
    getCFilterHeader: (hash) => rpc<string>('getcfilterheader', [hash, 0]),
    submitTransaction: (hex) => rpc<string>('sendrawtransaction', [hex]),
    log: () => output,
    close,
  };
}

export interface CoinbasePayment {
  script: Uint8Array;
  amount: number;
}

/**
 * Pays from the harness miner's coinbases, one coinbase per payment, oldest first (start past
 * the heights a test spent some other way); the change goes back to the miner. `feeRate` in
 * sat/vB of the signed transaction (default: a flat 10,000 sats).
 */
export function coinbaseSpender(node: BtcdNode, firstHeight = 1): (outputs: readonly CoinbasePayment[], feeRate?: number) => Promise<string> {
  const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;
  let next = firstHeight;
  return async (outputs, feeRate) => {
    const cb = parseBlock(hexToBytes(await node.getBlock(await node.getBlockHash(next++)))).txs[0]!;
    const index = cb.tx.outputs.findIndex((o) => bytesToHex(o.script) === bytesToHex(minerScript));
    if (index < 0) throw new Error(`the coinbase at height ${next - 1} does not pay the harness miner`);
    const value = BigInt(cb.tx.outputs[index]!.value);
    const build = (fee: bigint) => {
      const tx = new Transaction();
      tx.addInput({ txid: hashToHex(cb.txid), index, witnessUtxo: { script: minerScript, amount: value } });
      for (const o of outputs) tx.addOutput({ script: o.script, amount: BigInt(o.amount) });
      tx.addOutput({ script: minerScript, amount: value - outputs.reduce((n, o) => n + BigInt(o.amount), 0n) - fee });
      tx.signIdx(BTCD_MINER_KEY, 0);
      tx.finalize();
      return tx;
    };
    let tx = build(10_000n);
    // The size does not depend on the fee (a signature may be a byte shorter: one more pass settles it).
    if (feeRate !== undefined) for (let i = 0; i < 2; i++) tx = build(BigInt(Math.ceil(tx.vsize * feeRate)));
    return node.submitTransaction(tx.hex);
  };
}
