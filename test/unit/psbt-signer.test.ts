// The linear PSBT signer: its digests against @scure/btc-signer's, the records it adds read back
// by btc-signer, signatures of every script kind checked by bitcoinjs-lib, and the input cap (a
// PSBT near it signs; one above it is refused). Real wallets in temporary folders, no node.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ecc from '@bitcoinerlab/secp256k1';
import { base64 } from '@scure/base';
import * as btc from '@scure/btc-signer';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { Sighashes } from '../../src/chain/sighash.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { listAccounts, listAddresses } from '../../src/db/wallet-store.js';
import { upsertTx } from '../../src/db/tx-store.js';
import type { ScriptKind } from '../../src/keys/accounts.js';
import { nullLogger } from '../../src/service/log.js';
import { parsePsbt, signAll, signPsbt } from '../../src/service/spend-flows.js';
import { SpendService } from '../../src/service/spend-service.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { loadWalletState } from '../../src/service/wallet-sync.js';
import { MAX_STANDARD_INPUTS } from '../../src/wallet/policy.js';
import { buildPsbt } from '../../src/wallet/psbt-builder.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

bitcoin.initEccLib(ecc);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

/**
 * A restored wallet (which has accounts of every script kind) holding `coins` confirmed coins of
 * 10,000+ sats over the first receive addresses of its `kind` account.
 */
function walletWithCoins(kind: ScriptKind, coins: number): WalletService {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-psbt-signer-'));
  dirs.push(dir);
  const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password' });
  const addresses = listAddresses(wallet.database, listAccounts(wallet.database).find((a) => a.script === kind)!.id, 0);
  wallet.database.transaction(() => {
    for (let t = 0; t * 20 < coins; t++) {
      const tx: Tx = {
        version: 2,
        inputs: [{ prevTxid: new Uint8Array(32).fill(1 + (t % 250)), vout: t, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }],
        outputs: Array.from({ length: Math.min(20, coins - t * 20) }, (_, i) => ({ value: 10_000 + t * 20 + i, script: addresses[i % addresses.length]!.script })),
        locktime: 0,
      };
      upsertTx(wallet.database, txidOf(tx), { raw: serializeTx(tx), firstSeen: 1, confirmation: { blockHash: new Uint8Array(32).fill(9), height: 100, pos: 1, time: 1 } });
    }
    wallet.setMeta('tip_height', '300');
  })();
  wallet.unlock('unit test password');
  return wallet;
}

const TO = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x42));

/** A PSBT of the wallet's first `n` coins (as Coffer builds them, or with previous outputs only). */
function psbtOfCoins(wallet: WalletService, n: number, bare = false): Uint8Array {
  const service = new SpendService(wallet, loadWalletState(wallet), 300);
  const coins = service.spendable().slice(0, n);
  const total = coins.reduce((s, u) => s + u.value, 0);
  if (!bare) return buildPsbt(coins.map((u) => service.inputFor(u)), [{ script: TO, value: total - n * 200 }], 300).toPSBT();
  const tx = new btc.Transaction({ allowUnknownOutputs: true });
  for (const u of coins) tx.addInput({ txid: Uint8Array.from(u.txid).reverse(), index: u.vout, witnessUtxo: { script: u.script, amount: BigInt(u.value) } });
  tx.addOutput({ script: TO, amount: BigInt(total - n * 200) });
  return tx.toPSBT();
}

function verifyAll(signed: string, schnorr = false): void {
  const p = bitcoin.Psbt.fromBase64(signed, { network: bitcoin.networks.regtest });
  p.data.inputs.forEach((_, i) => {
    const ok = p.validateSignaturesOfInput(i, (pub, msg, sig) => (schnorr ? ecc.verifySchnorr(msg, pub, sig) : ecc.verify(msg, pub, sig)));
    expect(ok, `input ${i}`).toBe(true);
  });
}

describe('signature hashes', () => {
  it('match @scure/btc-signer for BIP143, BIP341 key path and legacy, on random transactions', () => {
    const rand = prng(7);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand(256));
    for (let round = 0; round < 20; round++) {
      const nIn = 1 + rand(6);
      const nOut = 1 + rand(4);
      const prevouts = Array.from({ length: nIn }, () => ({ script: Uint8Array.of(0x51, 0x20, ...bytes(32)), value: 1_000 + rand(1_000_000) }));
      const psbt = new btc.Transaction({ version: 1 + rand(2), lockTime: rand(500_000), allowUnknownOutputs: true });
      prevouts.forEach((p) => psbt.addInput({ txid: bytes(32), index: rand(5), sequence: 0xfffffff0 + rand(15), witnessUtxo: { script: p.script, amount: BigInt(p.value) } }));
      for (let o = 0; o < nOut; o++) psbt.addOutput({ script: Uint8Array.of(0x00, 0x14, ...bytes(20)), amount: BigInt(546 + rand(100_000)) });
      const tx = parseTx(psbt.unsignedTx);
      const ours = new Sighashes(tx, prevouts);
      const theirs = psbt as unknown as {
        preimageWitnessV0(i: number, s: Uint8Array, h: number, a: bigint): Uint8Array;
        preimageWitnessV1(i: number, s: Uint8Array[], h: number, a: bigint[]): Uint8Array;
        preimageLegacy(i: number, s: Uint8Array, h: number): Uint8Array;
      };
      for (let i = 0; i < nIn; i++) {
        const code = Uint8Array.of(0x76, 0xa9, 0x14, ...bytes(20), 0x88, 0xac);
        expect(ours.segwitV0(i, code, prevouts[i]!.value)).toEqual(theirs.preimageWitnessV0(i, code, 1, BigInt(prevouts[i]!.value)));
        expect(ours.taprootKeyPath(i)).toEqual(theirs.preimageWitnessV1(i, prevouts.map((p) => p.script), 0, prevouts.map((p) => BigInt(p.value))));
        expect(ours.legacy(i, code)).toEqual(theirs.preimageLegacy(i, code, 1));
      }
    }
  });
});

describe('signing each script kind', () => {
  for (const kind of ['wpkh', 'sh-wpkh', 'pkh', 'tr'] as const) {
    it(`${kind}: a PSBT of the wallet's coins signs, bitcoinjs-lib verifies, and the records read back as btc-signer writes them`, () => {
      const wallet = walletWithCoins(kind, 3);
      const bytes = psbtOfCoins(wallet, 3);
      const { psbt: signed, signed: count } = signPsbt(wallet, bytes);
      expect(count).toBe(3);
      verifyAll(signed, kind === 'tr');
      // The same signatures put in by btc-signer's own updateInput (our planned-spend path).
      const own = parsePsbt(bytes);
      signAll(wallet, own, 3);
      const spliced = parsePsbt(base64.decode(signed));
      for (let i = 0; i < 3; i++) {
        const a = own.getInput(i);
        const b = spliced.getInput(i);
        for (const field of ['witnessUtxo', 'redeemScript', 'bip32Derivation', 'tapInternalKey', 'tapBip32Derivation'] as const) expect(b[field], field).toEqual(a[field]);
        expect(b.partialSig?.map(([k]) => k)).toEqual(a.partialSig?.map(([k]) => k));
        expect(Boolean(b.tapKeySig)).toBe(kind === 'tr');
      }
      spliced.finalize();
      expect(() => spliced.extract()).not.toThrow();
      wallet.close();
    });
  }
});

describe('the input cap', () => {
  it('refuses a PSBT with more inputs than a standard transaction holds, before parsing it', () => {
    const tx = new btc.Transaction({ allowUnknownOutputs: true });
    for (let i = 0; i <= MAX_STANDARD_INPUTS; i++) tx.addInput({ txid: new Uint8Array(32).fill(1 + (i % 250)), index: i, witnessUtxo: { script: TO, amount: 1_000n } });
    tx.addOutput({ script: TO, amount: 500n });
    const e = expectCode(() => parsePsbt(tx.toPSBT()), 'transaction-too-large');
    expect(e.details).toMatchObject({ inputs: MAX_STANDARD_INPUTS + 1, maxInputs: MAX_STANDARD_INPUTS });
  });

  it(`signs a PSBT of ${MAX_STANDARD_INPUTS.toLocaleString('en-US')} of the wallet's coins, every signature valid`, () => {
    const wallet = walletWithCoins('wpkh', MAX_STANDARD_INPUTS);
    const { psbt: signed, signed: count } = signPsbt(wallet, psbtOfCoins(wallet, MAX_STANDARD_INPUTS, true));
    expect(count).toBe(MAX_STANDARD_INPUTS);
    verifyAll(signed);
    wallet.close();
  }, 300_000);
});
