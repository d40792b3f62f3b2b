// Relay policy: input/output weights against known sizes and real signed transactions, dust, standardness, fee checks.

import * as btc from '@scure/btc-signer';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { scripts } from '../../src/keys/address.js';
import {
  checkTransaction,
  dustThreshold,
  feeForWeight,
  inputWeight,
  isStandardOutput,
  MAX_FEE_RATE,
  MAX_STANDARD_TX_WEIGHT,
  outputWeight,
  txOverheadWeight,
  vsizeOf,
  type InputKind,
} from '../../src/wallet/policy.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const h20 = new Uint8Array(20).fill(0xab);
const h32 = new Uint8Array(32).fill(0xcd);
const P2PKH = scripts.p2pkh(h20);
const P2SH = scripts.p2sh(h20);
const P2WPKH = scripts.p2wpkh(h20);
const P2WSH = scripts.p2wsh(h32);
const P2TR = scripts.p2tr(h32);
const opReturn = (data: number) => Uint8Array.from([0x6a, ...(data <= 75 ? [data] : [0x4c, data]), ...new Array<number>(data).fill(1)]);

describe('weights', () => {
  it('gives the documented worst-case input weights', () => {
    expect(inputWeight('pkh')).toBe(597);
    expect(inputWeight('sh-wpkh')).toBe(365);
    expect(inputWeight('wpkh')).toBe(273);
    expect(inputWeight('tr')).toBe(230);
  });

  it('gives output weights: P2WPKH 31 bytes, P2TR and P2WSH 43, P2PKH 34, P2SH 32', () => {
    expect(outputWeight(P2WPKH)).toBe(31 * 4);
    expect(outputWeight(P2TR)).toBe(43 * 4);
    expect(outputWeight(P2WSH)).toBe(43 * 4);
    expect(outputWeight(P2PKH)).toBe(34 * 4);
    expect(outputWeight(P2SH)).toBe(32 * 4);
    // A script of 253 bytes needs a 3-byte length prefix.
    expect(outputWeight(new Uint8Array(253))).toBe((8 + 3 + 253) * 4);
  });

  it('counts overhead: 10 bytes, 2 WU of segwit marker, wider counts past 252', () => {
    expect(txOverheadWeight(1, 2, false)).toBe(40);
    expect(txOverheadWeight(1, 2, true)).toBe(42);
    expect(txOverheadWeight(253, 1, true)).toBe((4 + 3 + 1 + 4) * 4 + 2);
  });

  // Widely quoted sizes (e.g. the Bitcoin Optech transaction size calculator), which follow
  // from BIP141's weight = 3 * stripped size + total size: a P2WPKH 1-in 2-out payment is
  // 140.5 vB with 72-byte signatures, 141 rounded up; a P2TR key-path 1-in 1-out is 111 vB.
  it('matches known transaction vsizes', () => {
    const wpkh12 = txOverheadWeight(1, 2, true) + inputWeight('wpkh') + 2 * outputWeight(P2WPKH);
    expect(vsizeOf(wpkh12)).toBe(141);
    const tr11 = txOverheadWeight(1, 1, true) + inputWeight('tr') + outputWeight(P2TR);
    expect(tr11).toBe(444);
    expect(vsizeOf(tr11)).toBe(111);
    // The classic legacy 1-in 2-out P2PKH payment is 226 bytes with 72-byte signatures; our
    // worst case (73-byte signature, 1 WU for an empty witness) may exceed it by 2 vB, never less.
    const pkh12 = txOverheadWeight(1, 2, false) + inputWeight('pkh') + 2 * outputWeight(P2PKH);
    expect(vsizeOf(pkh12)).toBeGreaterThanOrEqual(226);
    expect(vsizeOf(pkh12)).toBeLessThanOrEqual(228);
  });

  it('never underestimates a transaction really signed by @scure/btc-signer', () => {
    const rand = prng(0x5eed);
    const slack: Record<InputKind, number> = { pkh: 4 * 3 + 1, 'sh-wpkh': 3, wpkh: 3, tr: 0 };
    for (const kind of ['pkh', 'sh-wpkh', 'wpkh', 'tr'] as const) {
      for (let trial = 0; trial < 8; trial++) {
        const priv = Uint8Array.from({ length: 32 }, () => rand(256));
        priv[0] = 1; // keeps the key below the curve order
        const pub = secp256k1.getPublicKey(priv, true);
        const xonly = schnorr.getPublicKey(priv);
        const pay =
          kind === 'pkh' ? btc.p2pkh(pub) : kind === 'wpkh' ? btc.p2wpkh(pub) : kind === 'sh-wpkh' ? btc.p2sh(btc.p2wpkh(pub)) : btc.p2tr(xonly);
        const tx = new btc.Transaction({ allowLegacyWitnessUtxo: true });
        tx.addInput({
          txid: Uint8Array.from({ length: 32 }, () => rand(256)),
          index: rand(4),
          witnessUtxo: { script: pay.script, amount: 100_000n },
          ...(kind === 'sh-wpkh' && 'redeemScript' in pay ? { redeemScript: pay.redeemScript } : {}),
          ...(kind === 'tr' ? { tapInternalKey: xonly } : {}),
        });
        tx.addOutput({ script: P2WPKH, amount: 50_000n });
        tx.addOutput({ script: pay.script, amount: 40_000n });
        tx.sign(priv);
        tx.finalize();
        const estimate = txOverheadWeight(1, 2, kind !== 'pkh') + inputWeight(kind) + outputWeight(P2WPKH) + outputWeight(pay.script);
        expect(tx.weight, kind).toBeLessThanOrEqual(estimate);
        expect(estimate - tx.weight, kind).toBeLessThanOrEqual(slack[kind]);
      }
    }
  });
});

describe('fees for a weight', () => {
  it('rounds the vsize up, then the fee up', () => {
    expect(feeForWeight(561, 1)).toBe(141);
    expect(feeForWeight(444, 2.5)).toBe(278); // 111 * 2.5 = 277.5
    expect(feeForWeight(444, 0)).toBe(0);
  });

  it('does not overpay when the float product lands just above an integer', () => {
    expect(1.1 * 110).toBeGreaterThan(121); // the float trap this guards against
    expect(feeForWeight(440, 1.1)).toBe(121);
  });

  it('always gives the least fee meeting the rate, for random rates and sizes', () => {
    const rand = prng(42);
    for (let i = 0; i < 5000; i++) {
      const weight = 1 + rand(400_000);
      const feeRate = rand(100_000) / 1000;
      const fee = feeForWeight(weight, feeRate);
      const vsize = vsizeOf(weight);
      expect(fee / vsize).toBeGreaterThanOrEqual(feeRate);
      if (fee > 0) expect((fee - 1) / vsize).toBeLessThan(feeRate);
    }
  });
});

describe('dust', () => {
  it("matches Bitcoin Core's thresholds at 3 sat/vB", () => {
    expect(dustThreshold(P2PKH)).toBe(546);
    expect(dustThreshold(P2SH)).toBe(540);
    expect(dustThreshold(P2WPKH)).toBe(294);
    expect(dustThreshold(P2WSH)).toBe(330);
    expect(dustThreshold(P2TR)).toBe(330);
    expect(dustThreshold(opReturn(20))).toBe(0);
  });
});

describe('standard outputs', () => {
  it('accepts the address types and future witness versions', () => {
    for (const s of [P2PKH, P2SH, P2WPKH, P2WSH, P2TR]) expect(isStandardOutput(s)).toBe(true);
    expect(isStandardOutput(scripts.witness(2, new Uint8Array(2)))).toBe(true);
    expect(isStandardOutput(scripts.witness(16, new Uint8Array(40)))).toBe(true);
  });

  it('refuses v0 programs of odd lengths, v1 programs that are not taproot, and bare scripts', () => {
    expect(isStandardOutput(scripts.witness(0, new Uint8Array(21)))).toBe(false);
    expect(isStandardOutput(scripts.witness(1, new Uint8Array(20)))).toBe(false);
    expect(isStandardOutput(scripts.witness(2, new Uint8Array(41)))).toBe(false);
    expect(isStandardOutput(Uint8Array.from([0x21, ...new Uint8Array(33).fill(2), 0xac]))).toBe(false); // P2PK
    expect(isStandardOutput(new Uint8Array(0))).toBe(false);
    expect(isStandardOutput(Uint8Array.from([0x51]))).toBe(false);
  });

  it('accepts OP_RETURN data up to 83 bytes of script, pushes only', () => {
    expect(isStandardOutput(Uint8Array.from([0x6a]))).toBe(true);
    expect(isStandardOutput(opReturn(80))).toBe(true); // 1 + 2 + 80 = 83
    expect(opReturn(80).length).toBe(83);
    expect(isStandardOutput(opReturn(81))).toBe(false);
    expect(isStandardOutput(Uint8Array.from([0x6a, 0x04, 1, 2, 3, 4, 0x51]))).toBe(true);
    expect(isStandardOutput(Uint8Array.from([0x6a, 0x04, 1, 2, 3]))).toBe(false); // truncated push
    expect(isStandardOutput(Uint8Array.from([0x6a, 0x4d, 0x01]))).toBe(false); // truncated PUSHDATA2 length
    expect(isStandardOutput(Uint8Array.from([0x6a, 0xac]))).toBe(false); // not a push
  });
});

describe('checkTransaction', () => {
  const ok = { weight: 563, fee: 141, outputs: [{ script: P2WPKH, value: 10_000 }, { script: P2TR, value: 5_000 }], amountSent: 1_000_000 };

  it('passes a normal payment and reports its vsize and rate', () => {
    expect(checkTransaction(ok)).toEqual({ vsize: 141, feeRate: 1 });
    expect(checkTransaction({ ...ok, fee: 282 }).feeRate).toBe(2);
  });

  it('refuses a non-standard output, naming its index', () => {
    const e = expectCode(() => checkTransaction({ ...ok, outputs: [...ok.outputs, { script: Uint8Array.from([0x51]), value: 1000 }] }), 'nonstandard-output');
    expect(e.details).toEqual({ index: 2 });
    const two = [{ script: opReturn(4), value: 0 }, { script: opReturn(4), value: 0 }];
    expect(expectCode(() => checkTransaction({ ...ok, outputs: two }), 'nonstandard-output').details).toEqual({ index: 1 });
  });

  it('checks standardness before dust', () => {
    const outputs = [{ script: P2WPKH, value: 1 }, { script: Uint8Array.from([0x51]), value: 1000 }];
    expectCode(() => checkTransaction({ ...ok, outputs }), 'nonstandard-output');
  });

  it('refuses dust with the threshold, and accepts exactly the threshold', () => {
    const e = expectCode(() => checkTransaction({ ...ok, outputs: [ok.outputs[0]!, { script: P2PKH, value: 545 }] }), 'amount-below-dust');
    expect(e.details).toEqual({ index: 1, valueSat: 545, dustThresholdSat: 546 });
    expect(e.message).toContain('546 sats');
    expect(() => checkTransaction({ ...ok, outputs: [{ script: P2PKH, value: 546 }] })).not.toThrow();
    expect(() => checkTransaction({ ...ok, outputs: [{ script: opReturn(10), value: 0 }] })).not.toThrow();
  });

  it('refuses a transaction above the standard weight', () => {
    const big = { ...ok, weight: MAX_STANDARD_TX_WEIGHT + 1, fee: 200_000 };
    expect(expectCode(() => checkTransaction(big), 'transaction-too-large').details).toEqual({ weightWu: 400_001, maxWeightWu: 400_000 });
    expect(() => checkTransaction({ ...big, weight: MAX_STANDARD_TX_WEIGHT, amountSent: 0 })).not.toThrow();
  });

  it('refuses a fee below the minimum rate; exactly the minimum passes', () => {
    const e = expectCode(() => checkTransaction({ ...ok, fee: 140 }), 'fee-too-low');
    expect(e.details).toEqual({ feeRateSatPerVb: 140 / 141, requiredSatPerVb: 1 });
    expect(e.message).toContain('0.992 sat/vB');
    expect(() => checkTransaction({ ...ok, fee: 141 })).not.toThrow();
    expectCode(() => checkTransaction({ ...ok, fee: 704, minFeeRate: 5 }), 'fee-too-low');
    expect(checkTransaction({ ...ok, fee: 705, minFeeRate: 5 }).feeRate).toBe(5);
    expect(checkTransaction({ ...ok, fee: 156, minFeeRate: 1.1 }).feeRate).toBeCloseTo(1.106, 3); // 141 * 1.1 = 155.1
    expectCode(() => checkTransaction({ ...ok, fee: 155, minFeeRate: 1.1 }), 'fee-too-low');
  });

  it('always refuses a rate above the maximum, even with consent', () => {
    const fee = 141 * MAX_FEE_RATE + 1;
    const e = expectCode(() => checkTransaction({ ...ok, fee, amountSent: 1e12, acceptHighFee: true }), 'fee-too-high');
    expect(e.details).toEqual({ feeRateSatPerVb: fee / 141, maxSatPerVb: 10_000, requiresConfirmation: false });
    expect(() => checkTransaction({ ...ok, fee: 141 * MAX_FEE_RATE, amountSent: 1e12 })).not.toThrow();
  });

  it('asks for consent above 5% of the amount sent; exactly 5% is fine', () => {
    const base = { ...ok, amountSent: 100_000 };
    expect(() => checkTransaction({ ...base, fee: 5_000 })).not.toThrow();
    const e = expectCode(() => checkTransaction({ ...base, fee: 5_001 }), 'fee-too-high');
    expect(e.details).toEqual({ feeSat: 5_001, amountSentSat: 100_000, percent: 5, requiresConfirmation: true });
    expect(e.message).toContain('5,001 sats');
    expect(() => checkTransaction({ ...base, fee: 5_001, acceptHighFee: true })).not.toThrow();
    // A self-transfer sends nothing to others; the share rule does not apply.
    expect(() => checkTransaction({ ...base, fee: 50_000, amountSent: 0 })).not.toThrow();
    expect(expectCode(() => checkTransaction({ ...base, fee: 7_777 }), 'fee-too-high').details['percent']).toBe(7.78);
  });

  it('checks in order: standardness, dust, weight, low fee, high fee', () => {
    const bad = { script: Uint8Array.from([0x51]), value: 1 };
    const dust = { script: P2WPKH, value: 1 };
    const t = { weight: 500_000, fee: 1, outputs: [dust, bad], amountSent: 1 };
    expectCode(() => checkTransaction(t), 'nonstandard-output');
    expectCode(() => checkTransaction({ ...t, outputs: [dust] }), 'amount-below-dust');
    expectCode(() => checkTransaction({ ...t, outputs: [] }), 'transaction-too-large');
    expectCode(() => checkTransaction({ ...t, outputs: [], weight: 400 }), 'fee-too-low');
  });
});
