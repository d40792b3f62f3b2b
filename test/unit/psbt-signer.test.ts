// The PSBT signer: the records it adds read back by btc-signer, signatures of every script kind
// checked by bitcoinjs-lib, and the input cap (a
// PSBT near it signs, every signature checked against a BIP143 digest computed here; one above it
// is refused). Real wallets in temporary folders, no node.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ecc from '@bitcoinerlab/secp256k1';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { listAccounts, listAddresses } from '../../src/db/wallet-store.js';
import { upsertTx } from '../../src/db/tx-store.js';
import type { ScriptKind } from '../../src/keys/accounts.js';
import { nullLogger } from '../../src/service/log.js';
import { parsePsbt, signPsbt } from '../../src/service/psbt-flows.js';
import { signAll } from '../../src/service/spend-flows.js';
import { SpendService } from '../../src/service/spend-service.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { loadWalletState } from '../../src/service/wallet-sync.js';
import { MAX_STANDARD_INPUTS } from '../../src/wallet/policy.js';
import { buildPsbt } from '../../src/wallet/psbt-builder.js';
import { expectCode } from '../helpers/errors.js';

bitcoin.initEccLib(ecc);
const dirs: string[] = [];
// One wallet for the file (signing records nothing in it): 2,438 P2WPKH coins, 3 of each other kind.
let wallet: WalletService;
beforeAll(() => {
  wallet = walletWithCoins({ wpkh: MAX_STANDARD_INPUTS, 'sh-wpkh': 3, pkh: 3, tr: 3 });
}, 60_000);
afterAll(() => {
  wallet?.close();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

const WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

/**
 * A restored wallet (which has accounts of every script kind), left unlocked (one scrypt, not two),
 * holding for each kind given that many confirmed coins of 10,000+ sats over the first receive
 * addresses of its account.
 */
function walletWithCoins(coinsOf: Partial<Record<ScriptKind, number>>): WalletService {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-psbt-signer-'));
  dirs.push(dir);
  const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password', unlock: true });
  let t = 0;
  wallet.database.transaction(() => {
    for (const [kind, coins] of Object.entries(coinsOf) as [ScriptKind, number][]) {
      const addresses = listAddresses(wallet.database, listAccounts(wallet.database).find((a) => a.script === kind)!.id, 0);
      for (let made = 0; made < coins; made += 20, t++) {
        const tx: Tx = {
          version: 2,
          inputs: [{ prevTxid: new Uint8Array(32).fill(1 + (t % 250)), vout: t, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }],
          outputs: Array.from({ length: Math.min(20, coins - made) }, (_, i) => ({ value: 10_000 + made + i, script: addresses[i % addresses.length]!.script })),
          locktime: 0,
        };
        upsertTx(wallet.database, txidOf(tx), { raw: serializeTx(tx), firstSeen: 1, confirmation: { blockHash: new Uint8Array(32).fill(9), height: 100, pos: 1, time: 1 } });
      }
    }
    wallet.setMeta('tip_height', '300');
  })();
  return wallet;
}

/** The script kind of an output script of this wallet. */
function kindOf(script: Uint8Array): ScriptKind {
  if (script[0] === 0x00) return 'wpkh';
  if (script[0] === 0x51) return 'tr';
  if (script[0] === 0xa9) return 'sh-wpkh';
  return 'pkh';
}

const le = (bytes: number, n: number | bigint) => {
  const b = new Uint8Array(bytes);
  for (let i = 0, v = BigInt(n); i < bytes; i++, v >>= 8n) b[i] = Number(v & 0xffn);
  return b;
};
const compactSize = (n: number) => (n < 0xfd ? Uint8Array.of(n) : n <= 0xffff ? Uint8Array.of(0xfd, ...le(2, n)) : Uint8Array.of(0xfe, ...le(4, n)));
const dsha = (...parts: Uint8Array[]) => sha256(sha256(concatBytes(...parts)));
const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A PSBT (BIP174) of these coins with their previous outputs only, written directly: btc-signer's
 * addInput and toPSBT take seconds for 2,438 inputs (bitcoinjs-lib's addInput minutes). Coffer
 * parses it with btc-signer, so a bad encoding would fail the test.
 */
function barePsbt(coins: { txid: Uint8Array; vout: number; script: Uint8Array; value: number }[], out: { script: Uint8Array; value: number }): Uint8Array {
  const inputs = coins.map((u) => ({ prevTxid: u.txid, vout: u.vout, scriptSig: new Uint8Array(), sequence: 0xfffffffd, witness: [] }));
  const unsigned = serializeTx({ version: 2, inputs, outputs: [out], locktime: 0 });
  const map = (...pairs: [number, Uint8Array][]) => concatBytes(...pairs.flatMap(([key, value]) => [Uint8Array.of(1, key), compactSize(value.length), value]), Uint8Array.of(0));
  const witnessUtxo = (u: (typeof coins)[number]) => concatBytes(le(8, u.value), compactSize(u.script.length), u.script);
  return concatBytes(Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff), map([0x00, unsigned]), ...coins.map((u) => map([0x01, witnessUtxo(u)])), map());
}

const TO = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x42));

/** A PSBT of the wallet's first `n` coins of a kind (as Coffer builds them, or with previous outputs only). */
function psbtOfCoins(wallet: WalletService, kind: ScriptKind, n: number, bare = false): Uint8Array {
  const service = new SpendService(wallet, loadWalletState(wallet), 300);
  const coins = service.spendable().filter((u) => kindOf(u.script) === kind).slice(0, n);
  expect(coins).toHaveLength(n);
  const total = coins.reduce((s, u) => s + u.value, 0);
  const out = { script: TO, value: total - n * 200 };
  return bare ? barePsbt(coins, out) : buildPsbt(coins.map((u) => service.inputFor(u)), [out], 300).toPSBT();
}

function verifyAll(signed: string, schnorr = false): void {
  const p = bitcoin.Psbt.fromBase64(signed, { network: bitcoin.networks.regtest });
  p.data.inputs.forEach((_, i) => {
    const ok = p.validateSignaturesOfInput(i, (pub, msg, sig) => (schnorr ? ecc.verifySchnorr(msg, pub, sig) : ecc.verify(msg, pub, sig)));
    expect(ok, `input ${i}`).toBe(true);
  });
}

/**
 * The inputs of a signed P2WPKH PSBT whose signature does not verify: each must hold one
 * SIGHASH_ALL signature, by the key its coin's script pays, valid (@noble/curves, low S) for the
 * BIP143 digest computed here as the BIP defines it, independently of btc-signer. Linear:
 * the shared hashes are computed once (bitcoinjs-lib's validateSignaturesOfInput re-hashes every
 * input for each one, 13 s at 2,438 inputs), and each distinct key is decompressed once.
 */
function unverifiedWpkhInputs(signed: string): string[] {
  const p = bitcoin.Psbt.fromBase64(signed, { network: bitcoin.networks.regtest });
  const inputs = p.txInputs;
  const outpoint = (i: number) => concatBytes(inputs[i]!.hash, le(4, inputs[i]!.index));
  const hashPrevouts = dsha(...inputs.map((_, i) => outpoint(i)));
  const hashSequence = dsha(...inputs.map((i) => le(4, i.sequence!)));
  const hashOutputs = dsha(...p.txOutputs.map((o) => concatBytes(le(8, o.value), Uint8Array.of(o.script.length), o.script)));
  const points = new Map<string, Uint8Array>();
  const bad: string[] = [];
  p.data.inputs.forEach((input, i) => {
    const sigs = input.partialSig ?? [];
    if (sigs.length !== 1) return bad.push(`${i}: ${sigs.length} signatures`);
    const { pubkey, signature } = sigs[0]!;
    const hash = ripemd160(sha256(pubkey));
    if (!equalBytes(input.witnessUtxo!.script, Uint8Array.of(0x00, 0x14, ...hash))) return bad.push(`${i}: the key does not pay to the coin's script`);
    if (signature.at(-1) !== 0x01) return bad.push(`${i}: sighash ${signature.at(-1)}`);
    const scriptCode = Uint8Array.of(0x19, 0x76, 0xa9, 0x14, ...hash, 0x88, 0xac);
    const digest = dsha(le(4, p.version), hashPrevouts, hashSequence, outpoint(i), scriptCode, le(8, input.witnessUtxo!.value), le(4, inputs[i]!.sequence!), hashOutputs, le(4, p.locktime), le(4, 1));
    const key = Buffer.from(pubkey).toString('hex');
    if (!points.has(key)) points.set(key, secp256k1.Point.fromBytes(pubkey).toBytes(false));
    if (!secp256k1.verify(signature.subarray(0, -1), digest, points.get(key)!, { prehash: false, format: 'der' })) bad.push(`${i}: invalid signature`);
    return undefined;
  });
  return bad;
}

describe('signing each script kind', () => {
  for (const kind of ['wpkh', 'sh-wpkh', 'pkh', 'tr'] as const) {
    it(`${kind}: a PSBT of the wallet's coins signs, bitcoinjs-lib verifies, and the records read back as btc-signer writes them`, () => {
      const bytes = psbtOfCoins(wallet, kind, 3);
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
    });
  }
});

describe('the input cap', () => {
  it('refuses a PSBT with more inputs than a standard transaction holds, before parsing it', () => {
    const coins = Array.from({ length: MAX_STANDARD_INPUTS + 1 }, (_, i) => ({ txid: new Uint8Array(32).fill(1 + (i % 250)), vout: i, script: TO, value: 1_000 }));
    const e = expectCode(() => parsePsbt(barePsbt(coins, { script: TO, value: 500 })), 'transaction-too-large');
    expect(e.details).toMatchObject({ inputs: MAX_STANDARD_INPUTS + 1, maxInputs: MAX_STANDARD_INPUTS });
  });

  it(`signs a PSBT of ${MAX_STANDARD_INPUTS.toLocaleString('en-US')} of the wallet's coins, every signature valid`, () => {
    const { psbt: signed, signed: count } = signPsbt(wallet, psbtOfCoins(wallet, 'wpkh', MAX_STANDARD_INPUTS, true));
    expect(count).toBe(MAX_STANDARD_INPUTS);
    expect(unverifiedWpkhInputs(signed)).toEqual([]);
  }, 300_000);
});
