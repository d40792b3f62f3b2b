// `wallet psbt sign` on hostile PSBTs, with a real funded wallet: only the wallet's own coins are
// signed (never a vault or Lightning key, another account, or a foreign script holding a wallet
// key), amounts are checked against the previous transaction and the wallet's records, and what is
// signed is printed first. Signatures are checked with bitcoinjs-lib.

import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import * as ecc from '@bitcoinerlab/secp256k1';
import type { HDKey } from '@scure/bip32';
import * as btc from '@scure/btc-signer';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterFromSeed } from '../../src/keys/accounts.js';
import { hash160, scripts, scriptToAddress } from '../../src/keys/address.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { BIN, coffer, type RunResult } from '../helpers/cli.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

bitcoin.initEccLib(ecc);
const env = { COFFER_PASSWORD: 'integration password' };
let a: RegtestNode;
let dir: string;
let run: (args: string[]) => Promise<RunResult>;
let master: HDKey;
let coin: { txid: string; vout: number; value: number; address: string };

const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};
const H = (n: number) => n + 0x80000000;
const fp = () => master.fingerprint;
const keyAt = (path: number[]) => path.reduce((k, step) => k.deriveChild(step), master);
const p2wpkh = (pub: Uint8Array) => scripts.p2wpkh(hash160(pub));

beforeAll(async () => {
  a = await startNode();
  await a.fund();
  dir = tmpDir();
  run = (args) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env });
  const { mnemonic } = ok(await run(['wallet', 'create']));
  master = masterFromSeed(mnemonicToSeed(parseMnemonic(mnemonic).entropy, 'english', ''), 'regtest');
  await a.send(ok(await run(['wallet', 'address'])).address, 250_000);
  await a.mine(1);
  ok(await run(['--connect', a.address, 'sync', '--mempool-wait', '0']));
  coin = ok(await run(['wallet', 'utxos']))[0];
}, 120_000);
afterAll(async () => a?.close());

function displayTxid(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** A PSBT spending the wallet's real coin (input 0) and `extra` inputs, paying `outputs`. */
function psbtFile(name: string, ...args: Parameters<typeof psbtOf>): string {
  const file = path.join(dir, `${name}.psbt`);
  fs.writeFileSync(file, Buffer.from(psbtOf(...args)).toString('base64'));
  return file;
}

function psbtOf( extra: Parameters<btc.Transaction['addInput']>[0][], outputs: { script: Uint8Array; amount: bigint }[], own: Partial<Parameters<btc.Transaction['addInput']>[0]> = {}): Uint8Array {
  const tx = new btc.Transaction({ allowUnknownOutputs: true });
  tx.addInput({ txid: displayTxid(coin.txid), index: coin.vout, witnessUtxo: { script: p2wpkhOf(coin.address), amount: BigInt(coin.value) }, ...own });
  for (const input of extra) tx.addInput(input);
  for (const o of outputs) tx.addOutput(o);
  return tx.toPSBT();
}

function p2wpkhOf(address: string): Uint8Array {
  return bitcoin.address.toOutputScript(address, bitcoin.networks.regtest);
}

/** A foreign input (made-up previous transaction) whose script and key origin name `pub` at `path`. */
function foreign(n: number, script: Uint8Array, pub: Uint8Array, path: number[], more: Record<string, unknown> = {}) {
  return {
    txid: new Uint8Array(32).fill(n),
    index: 0,
    witnessUtxo: { script, amount: 100_000n },
    bip32Derivation: [[pub, { fingerprint: fp(), path }]] as [Uint8Array, { fingerprint: number; path: number[] }][],
    ...more,
  };
}

const verify = (p: bitcoin.Psbt, i: number) => p.validateSignaturesOfInput(i, (pub, msg, sig) => ecc.verify(msg, pub, sig));

describe('psbt sign signs only what the wallet owns', () => {
  it('leaves vault, Lightning, other-account and foreign-script inputs under our fingerprint unsigned', async () => {
    const vault = [H(1776), H(1), H(0), H(0)];
    const lightning = [H(9735), H(1), H(0)];
    const otherAccount = [H(84), H(1), H(5), 0, 0];
    const receive0 = [H(84), H(1), H(0), 0, 0];
    const k0 = keyAt(receive0).publicKey!;
    const multisig = btc.p2ms(1, [k0]).script;
    const file = psbtFile(
      'hostile',
      [
        foreign(1, p2wpkh(keyAt(vault).publicKey!), keyAt(vault).publicKey!, vault),
        foreign(2, p2wpkh(keyAt(lightning).publicKey!), keyAt(lightning).publicKey!, lightning),
        foreign(3, p2wpkh(keyAt(otherAccount).publicKey!), keyAt(otherAccount).publicKey!, otherAccount),
        // The wallet's own receive key at its true path, but inside a 1-of-1 P2WSH multisig.
        foreign(4, btc.p2wsh(btc.p2ms(1, [k0])).script, k0, receive0, { witnessScript: multisig }),
        // A wallet script (receive 0) whose origin claims another wallet path with that key.
        foreign(5, p2wpkh(k0), k0, [H(84), H(1), H(0), 0, 7]),
      ],
      [{ script: p2wpkhOf(a.walletAddress), amount: 200_000n }],
    );
    const r = await run(['wallet', 'psbt', 'sign', '--yes', file]);
    const signed = bitcoin.Psbt.fromBase64(ok(r), { network: bitcoin.networks.regtest });
    expect(signed.data.inputs[0]!.partialSig).toHaveLength(1);
    expect(verify(signed, 0)).toBe(true);
    for (let i = 1; i <= 5; i++) expect(signed.data.inputs[i]!.partialSig ?? [], `input ${i}`).toEqual([]);
    expect(r.stderr).toMatch(/input 1: .* not signed: not this wallet's coin/);
    expect(r.stderr).toMatch(/input 4: .* not signed: not this wallet's coin/);
    expect(r.stderr).toMatch(/input 5: .* not signed: its key origin does not match/);
    expect(r.stderr).toContain('signing 1 of 6 inputs');

    // Alone, none of them is signed at all.
    const only = psbtFile('vault-only', [], [{ script: p2wpkhOf(a.walletAddress), amount: 90_000n }], {
      txid: new Uint8Array(32).fill(9),
      index: 0,
      witnessUtxo: { script: p2wpkh(keyAt(vault).publicKey!), amount: 100_000n },
      bip32Derivation: [[keyAt(vault).publicKey!, { fingerprint: fp(), path: vault }]],
    });
    const refused = await run(['wallet', 'psbt', 'sign', '--yes', only]);
    expect(refused.stderr).toMatch(/^error: invalid-psbt: None of the inputs can be signed/m);
  });

  it('prints the outputs, change, fee and inputs before signing, matching the transaction', async () => {
    const change = keyAt([H(84), H(1), H(0), 1, 0]).publicKey!;
    const outputs = [
      { script: p2wpkhOf(a.walletAddress), amount: 120_000n },
      { script: p2wpkh(change), amount: 129_000n },
    ];
    const file = psbtFile('summary', [], outputs);
    const r = await run(['wallet', 'psbt', 'sign', '--yes', file]);
    const signed = bitcoin.Psbt.fromBase64(ok(r), { network: bitcoin.networks.regtest });
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('This PSBT spends 1 input and pays 2 outputs:');
    expect(lines).toContain(`  input 0: ${coin.txid}:${coin.vout} ${coin.value.toLocaleString('en-US')} sats from ${coin.address}  SIGN with m/84'/1'/0'/0/0`);
    signed.txOutputs.forEach((o, n) => {
      const address = scriptToAddress(o.script, 'regtest')!;
      const mine = n === 1 ? '  change back to this wallet' : '';
      expect(lines).toContain(`  output ${n}: ${Number(o.value).toLocaleString('en-US')} sats to ${address}${mine}`);
    });
    expect(lines).toContain(`  fee: ${(coin.value - 249_000).toLocaleString('en-US')} sats`);
    expect(lines).toContain('  sent to others: 120,000 sats');
    expect(verify(signed, 0)).toBe(true);
  });

  it('refuses amounts that disagree with the previous transaction or the wallet', async () => {
    const to = [{ script: p2wpkhOf(a.walletAddress), amount: 100_000n }];
    // Only a witness UTXO, claiming less than the coin holds: the wallet knows better.
    const lower = psbtFile('lower', [], to, { witnessUtxo: { script: p2wpkhOf(coin.address), amount: BigInt(coin.value - 50_000) } });
    const r1 = await run(['wallet', 'psbt', 'sign', '--yes', lower]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^error: invalid-psbt: Input 0 claims to spend 200,?000 sats, but the wallet's own record of that coin says 250,?000/);
    // The whole previous transaction, and a witness UTXO that disagrees with it.
    const prev = Uint8Array.from(Buffer.from(await a.getRawTransaction(coin.txid), 'hex'));
    const bin = Buffer.from(psbtOf([], to, { nonWitnessUtxo: prev }));
    const amount = Buffer.alloc(8);
    amount.writeBigUInt64LE(BigInt(coin.value));
    const wrong = Buffer.alloc(8);
    wrong.writeBigUInt64LE(BigInt(coin.value - 50_000));
    // The witness UTXO record (key 0x01) is the one whose value starts with the amount after its length.
    const at = bin.indexOf(Buffer.concat([Buffer.from([0x01, 0x01, 8 + 1 + 22]), amount]));
    expect(at).toBeGreaterThan(0);
    wrong.copy(bin, at + 3);
    const file = path.join(dir, 'mismatch.psbt');
    fs.writeFileSync(file, bin.toString('base64'));
    const r2 = await run(['wallet', 'psbt', 'sign', '--yes', file]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^error: invalid-psbt: /);
  });

  it('asks on a terminal, and refuses to sign unasked without one', async () => {
    const file = psbtFile('ask', [], [{ script: p2wpkhOf(a.walletAddress), amount: 100_000n }]);
    const unasked = await run(['wallet', 'psbt', 'sign', file]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/^error: usage: .*--yes/);

    // A real pseudo-terminal (script(1)); the answer is typed after the question appears.
    const onTerminal = (answer: string) =>
      new Promise<string>((resolve, reject) => {
        const command = [process.execPath, BIN, '--datadir', dir, '--network', 'regtest', 'wallet', 'psbt', 'sign', file].map((s) => `'${s}'`).join(' ');
        const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`);
        });
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    const no = await onTerminal('n');
    expect(no).toContain('Sign 1 input? [y/N]');
    expect(no).toContain('error: usage: Not signed.');
    const yes = await onTerminal('y');
    const base64 = /"(cHNidP8[A-Za-z0-9+/=]+)"/.exec(yes)?.[1];
    expect(base64, yes).toBeDefined();
    expect(verify(bitcoin.Psbt.fromBase64(base64!, { network: bitcoin.networks.regtest }), 0)).toBe(true);
  });
});
