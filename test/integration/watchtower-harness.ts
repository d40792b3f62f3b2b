// Shared by the watchtower integration tests: vaults presigned straight from vault-tx (no wallet),
// their deposits paid by a bcoin or a btcd node, packages written the way the wallet writes them (temporary file, then rename), and the
// `coffer watchtower run` (or `serve`) process with the JSON lines it prints.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex, hexToHash } from '../../src/chain/bytes.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { p2wsh, presign, type Outpoint, type PresignedSet } from '../../src/vaults/vault-tx.js';
import { signAnnouncement, towerVault, type TowerPackage } from '../../src/vaults/watchtower.js';
import { BIN } from '../helpers/cli.js';
import { BTCD_MINER_KEY, BTCD_MINER_PUBKEY, type BtcdNode } from '../helpers/btcd.js';
import { CORE_REGTEST, waitFor, type RegtestNode } from '../helpers/regtest.js';

export const DELAY = 12;
export const toHex = (tx: Tx) => hex.encode(serializeTx(tx));
export const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x77));
export const thiefScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x66));

export interface TestVault {
  id: string;
  set: PresignedSet;
  deposit: Outpoint;
  /** The hot key: what a thief holds, with the presigned unvault. */
  hot: Uint8Array;
  unvaultTxid: string;
}

/** Presign a vault and pay its deposit (in the mempool; the caller mines). */
export function makeVault(node: RegtestNode, id: string): Promise<TestVault> {
  return makeVaultWith(id, async (script, value) => {
    const tx = parseTx(hex.decode(await node.getRawTransaction(await node.send(scriptToAddress(script, 'regtest')!, value))));
    return { txid: txidOf(tx), vout: tx.outputs.findIndex((o) => hex.encode(o.script) === hex.encode(script)) };
  });
}

/** Presign a vault whose deposit `pay` sends to its output script (on any node). */
export async function makeVaultWith(id: string, pay: (script: Uint8Array, value: number) => Promise<{ txid: Uint8Array; vout: number }>): Promise<TestVault> {
  const k = secp256k1.utils.randomSecretKey();
  const hot = secp256k1.utils.randomSecretKey();
  const recoveryKey = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
  const base = { k, recoveryKey, hotKey: secp256k1.getPublicKey(hot, true), delay: DELAY, recoveryScript, unvaultFeerate: 2, cancelFeerates: [2, 5, 20] };
  const script = presign({ ...base, deposit: { txid: new Uint8Array(32), vout: 0, value: 1_500_000 } }).depositScript;
  const deposit = { ...(await pay(p2wsh(script), 1_500_000)), value: 1_500_000 };
  const set = presign({ ...base, deposit });
  k.fill(0);
  return { id, set, deposit, hot, unvaultTxid: hashToHex(txidOf(set.unvault)) };
}

/** Pays vault deposits on btcd from its miner's coinbases, one after another from height 1 (mine 100 blocks more first). */
export function btcdPayer(b: BtcdNode): (script: Uint8Array, value: number) => Promise<{ txid: Uint8Array; vout: number }> {
  const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;
  let height = 1;
  return async (script, value) => {
    const cb = parseBlock(hex.decode(await b.getBlock(await b.getBlockHash(height++)))).txs[0]!;
    const index = cb.tx.outputs.findIndex((o) => hex.encode(o.script) === hex.encode(minerScript));
    const amount = BigInt(cb.tx.outputs[index]!.value);
    const tx = new Transaction();
    tx.addInput({ txid: hashToHex(cb.txid), index, witnessUtxo: { script: minerScript, amount } });
    tx.addOutput({ script, amount: BigInt(value) });
    tx.addOutput({ script: minerScript, amount: amount - BigInt(value) - 10_000n });
    tx.signIdx(BTCD_MINER_KEY, 0);
    tx.finalize();
    return { txid: hexToHash(await b.submitTransaction(tx.hex))!, vout: 0 };
  };
}

/** The wallet's package: its vaults, its announce key, and the withdrawals it announced. */
export function towerPackage(announceSecret: Uint8Array, vaults: TestVault[], opts: { height?: number; announced?: TestVault[] } = {}): TowerPackage {
  return {
    format: 'coffer-watchtower',
    version: 1,
    network: 'regtest',
    announceKey: hex.encode(schnorr.getPublicKey(announceSecret)),
    ...(opts.height === undefined ? {} : { height: opts.height }),
    vaults: vaults.map((v) => towerVault(v.id, v.set, v.deposit)),
    ...(opts.announced ? { announcements: opts.announced.map((v) => ({ vault: v.id, unvaultTxid: v.unvaultTxid, signature: signAnnouncement(v.id, v.unvaultTxid, announceSecret) })) } : {}),
  };
}

/** As the wallet does it: a reader sees the old file or the new one, never half of one. */
export function writeAtomically(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

export type Line = Record<string, unknown> & { event?: string; receivedAt: number };

export interface TowerStartOptions {
  /**
   * 'pipe' (default): the test can write announcements; 'ignore': stdin is /dev/null from the start,
   * as under systemd, nohup or docker.
   */
  stdin?: 'pipe' | 'ignore';
  /** The chain source's flags; default `--connect` to the node (SPV). */
  backend?: string[];
}

/** `--backend rpc` flags for the node's JSON-RPC, with a cookie file written in `dir`. */
export function rpcFlags(node: RegtestNode, dir: string, port = node.httpPort): string[] {
  const cookie = `${dir}/rpc.cookie`;
  fs.writeFileSync(cookie, `coffer:${node.apiKey}`);
  return ['--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${port}/`, '--rpc-cookie', cookie];
}

export class TowerProcess {
  readonly lines: Line[] = [];
  /** Everything the tower wrote on stderr. */
  stderr = '';
  /** Set once the process is gone. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      for (const p of parts) this.lines.push({ ...(JSON.parse(p) as Record<string, unknown>), receivedAt: Date.now() });
    });
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      }),
    );
  }

  static start(datadir: string, packageFile: string, node: { address: string }, opts: TowerStartOptions = {}): TowerProcess {
    const args = [BIN, '--datadir', datadir, '--network', 'regtest', 'watchtower', 'run', '--package', packageFile, ...(opts.backend ?? ['--connect', node.address])];
    return new TowerProcess(spawn(process.execPath, args, { stdio: [opts.stdin ?? 'pipe', 'pipe', 'pipe'] }));
  }

  /** `coffer watchtower serve --listen LISTEN` on `datadir`, SPV to `connect` (a node's address); `extra` flags after. */
  static serve(datadir: string, connect: string, listen = '127.0.0.1:0', extra: string[] = []): TowerProcess {
    const args = [BIN, '--datadir', datadir, '--network', 'regtest', '--connect', connect, 'watchtower', 'serve', '--listen', listen, ...extra];
    return new TowerProcess(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The number of lines so far: `find` and `waitFor` can look only at what comes after. */
  mark(): number {
    return this.lines.length;
  }

  find(pred: (l: Line) => boolean, after = 0): Line | undefined {
    return this.lines.slice(after).find(pred);
  }

  filter(pred: (l: Line) => boolean, after = 0): Line[] {
    return this.lines.slice(after).filter(pred);
  }

  /** Waits for a line; a tower that exits meanwhile fails the wait at once, with its status and stderr. */
  async waitFor(pred: (l: Line) => boolean, timeoutMs: number, what: string, after = 0): Promise<Line> {
    await waitFor(
      () => {
        if (this.find(pred, after) !== undefined) return true;
        if (this.exit) throw new Error(`the tower exited (status ${this.exit.code ?? this.exit.signal}) while waiting for ${what}; stderr: ${this.stderr.trim() || '(nothing)'}`);
        return false;
      },
      timeoutMs,
      what,
    );
    return this.find(pred, after)!;
  }

  /** Wait until the tower scanned the node's tip (so that mining again does not race its header sync). */
  scannedTip(node: RegtestNode, after = 0): Promise<Line> {
    const tip = node.tipHeight();
    return this.waitFor((l) => l.event === 'scanned' && l['to'] === tip, 20_000, `the tower to scan up to ${tip}`, after);
  }

  write(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** SIGTERM, as a service manager stops it; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
