// Vault scripts and presigned transactions, checked without a node: the BIP143 digest they are
// signed with (@scure/btc-signer's) against BIP143's own examples, the scripts byte by byte, every signature against its key, the ladder's
// amounts and sizes. test/integration/vault-tx.test.ts has a bcoin node accept and refuse them.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import * as btc from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { vsize, type Tx } from '../../src/chain/tx.js';
import { digestView } from '../../src/wallet/psbt-signer.js';
import { bip143Cases } from '../helpers/vectors.js';
import {
  hotKeyIn,
  ANCHOR_SCRIPT,
  ANCHOR_VALUE,
  DEFAULT_CANCEL_FEERATES,
  depositScript,
  p2wsh,
  presign,
  recoverySweep,
  unvaultScript,
  withdrawal,
} from '../../src/vaults/vault-tx.js';
import { CofferError } from '../../src/api/errors.js';

const priv = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? n : 0x11 * ((i % 7) + 1)));
const pub = (k: Uint8Array) => secp256k1.getPublicKey(k, true);
const K = priv(1);
const RECOVERY = priv(2);
const HOT = priv(3);
const deposit = { txid: Uint8Array.from({ length: 32 }, (_, i) => i), vout: 1, value: 1_000_000 };
const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));

function request(over: Partial<Parameters<typeof presign>[0]> = {}) {
  return { deposit, k: K, recoveryKey: pub(RECOVERY), hotKey: pub(HOT), delay: 144, recoveryScript, unvaultFeerate: 5, cancelFeerates: DEFAULT_CANCEL_FEERATES, ...over };
}

/** Checks input 0's witness signature against `key` for the given script and amount. */
function signedBy(tx: Tx, script: Uint8Array, value: number, key: Uint8Array): boolean {
  const sig = tx.inputs[0]!.witness[0]!;
  expect(sig.at(-1)).toBe(1);
  const digest = digestView(tx).preimageWitnessV0(0, script, 1, BigInt(value));
  return secp256k1.verify(sig.subarray(0, -1), digest, pub(key), { prehash: false, format: 'der' });
}

describe('BIP143 digest', () => {
  it("gives every sighash of BIP143's examples (the input, script code, amount and type read from the example's preimage)", () => {
    const all = bip143Cases();
    for (const c of all) {
      const digests = c.inputs.map(({ tx, index }) => hex.encode(digestView(tx).preimageWitnessV0(index, c.scriptCode, c.hashType, BigInt(c.amount))));
      expect(digests, `${c.title}, sighash ${c.sighash}`).toContain(c.sighash);
    }
    expect(all).toHaveLength(13);
  });
});

describe('vault scripts', () => {
  it('spell out the branches of the deposit and of the unvault', () => {
    const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const d = depositScript(pub(K), pub(RECOVERY));
    expect(h(d)).toBe(`6321${h(pub(K))}ac6721${h(pub(RECOVERY))}ac68`);
    // 144 blocks is the two-byte script number 0x9000 (the sign bit needs the extra byte).
    const u = unvaultScript(pub(K), pub(RECOVERY), pub(HOT), 144);
    expect(h(u)).toBe(`6321${h(pub(K))}ac676321${h(pub(RECOVERY))}ac67029000b27521${h(pub(HOT))}ac6868`);
    expect(unvaultScript(pub(K), pub(RECOVERY), pub(HOT), 6)[74]).toBe(0x56); // OP_6
    expect(h(unvaultScript(pub(K), pub(RECOVERY), pub(HOT), 0xffff).subarray(74, 78))).toBe('03ffff00');
    expect(p2wsh(d).length).toBe(34);
    expect(hotKeyIn(u)).toEqual(pub(HOT));
    expect(hotKeyIn(d)).toBeUndefined();
    // An unvault of the old two-branch shape still names its hot key.
    const old = btc.Script.encode(['IF', pub(K), 'CHECKSIG', 'ELSE', 144, 'CHECKSEQUENCEVERIFY', 'DROP', pub(HOT), 'CHECKSIG', 'ENDIF']);
    expect(hotKeyIn(old)).toEqual(pub(HOT));
  });

  it('refuse bad keys and delays with typed errors', () => {
    expect(() => depositScript(new Uint8Array(33), pub(RECOVERY))).toThrow(CofferError);
    expect(() => depositScript(pub(K), pub(RECOVERY).subarray(1))).toThrow(CofferError);
    expect(() => unvaultScript(pub(K), new Uint8Array(33), pub(HOT), 6)).toThrow(CofferError);
    for (const delay of [0, -1, 1.5, 0x10000, Number.NaN]) expect(() => unvaultScript(pub(K), pub(RECOVERY), pub(HOT), delay)).toThrow(CofferError);
  });
});

describe('the presigned set', () => {
  const set = presign(request());

  it('unvaults the deposit with k, paying the unvault output and an anchor', () => {
    const u = set.unvault;
    expect(u.version).toBe(2);
    expect(u.inputs[0]!.prevTxid).toEqual(deposit.txid);
    expect(u.inputs[0]!.vout).toBe(1);
    expect(u.outputs[0]!.script).toEqual(p2wsh(set.unvaultScript));
    expect(u.outputs[1]).toEqual({ value: ANCHOR_VALUE, script: ANCHOR_SCRIPT });
    expect(u.inputs[0]!.witness[1]).toEqual(Uint8Array.of(1));
    expect(signedBy(u, set.depositScript, deposit.value, K)).toBe(true);
    const fee = deposit.value - u.outputs[0]!.value - ANCHOR_VALUE;
    expect(fee / vsize(u)).toBeGreaterThanOrEqual(5);
    expect(fee / vsize(u)).toBeLessThan(5.1);
  });

  it('has a cancel ladder and an emergency ladder at every rate, each paying the recovery destination', () => {
    expect(set.cancels.map((r) => r.feerate)).toEqual([...DEFAULT_CANCEL_FEERATES]);
    expect(set.emergencies.map((r) => r.feerate)).toEqual([...DEFAULT_CANCEL_FEERATES]);
    for (const r of set.cancels) {
      expect(r.tx.inputs[0]!.prevTxid).toEqual(set.unvaultOutput.txid);
      expect(r.tx.outputs[0]!.script).toEqual(recoveryScript);
      expect(r.tx.outputs[1]).toEqual({ value: ANCHOR_VALUE, script: ANCHOR_SCRIPT });
      expect(r.tx.outputs[0]!.value + ANCHOR_VALUE + r.fee).toBe(set.unvaultOutput.value);
      expect(r.fee / r.vsize).toBeGreaterThanOrEqual(r.feerate);
      expect(signedBy(r.tx, set.unvaultScript, set.unvaultOutput.value, K)).toBe(true);
    }
    for (const r of set.emergencies) {
      expect(r.tx.inputs[0]!.prevTxid).toEqual(deposit.txid);
      expect(r.tx.outputs[0]!.value + ANCHOR_VALUE + r.fee).toBe(deposit.value);
      expect(signedBy(r.tx, set.depositScript, deposit.value, K)).toBe(true);
    }
  });

  it('stops the ladder where a rung would leave dust, and refuses a deposit too small for any', () => {
    const small = presign(request({ deposit: { ...deposit, value: 40_000 } }));
    expect(small.cancels.length).toBeLessThan(DEFAULT_CANCEL_FEERATES.length);
    expect(small.cancels.length).toBeGreaterThan(0);
    for (const r of small.cancels) expect(r.tx.outputs[0]!.value).toBeGreaterThanOrEqual(294);
    expect(() => presign(request({ deposit: { ...deposit, value: 1_000 } }))).toThrow(CofferError);
    for (const bad of [0, -5, 0.5, Number.NaN, 20_000]) {
      expect(() => presign(request({ cancelFeerates: [2, bad] })), String(bad)).toThrow(/Fee rates must be/);
      expect(() => presign(request({ unvaultFeerate: bad })), String(bad)).toThrow(/Fee rates must be/);
    }
  });

  it('a signature by k does not cover a changed transaction', () => {
    const r = set.cancels[0]!;
    const forged: Tx = { ...r.tx, outputs: [{ ...r.tx.outputs[0]!, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(9)) }, r.tx.outputs[1]!] };
    expect(signedBy(forged, set.unvaultScript, set.unvaultOutput.value, K)).toBe(false);
  });

  it('the withdrawal waits `delay` blocks (BIP68) and is signed by the hot key through the ELSE branch', () => {
    const to = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(5));
    const w = withdrawal(set.unvaultOutput, set.unvaultScript, 144, HOT, to, 3);
    expect(w.version).toBe(2);
    expect(w.inputs[0]!.sequence).toBe(144);
    expect(w.inputs[0]!.witness[1]!.length).toBe(0);
    expect(signedBy(w, set.unvaultScript, set.unvaultOutput.value, HOT)).toBe(true);
    const s = recoverySweep(deposit, set.depositScript, RECOVERY, to, 3);
    expect(signedBy(s, set.depositScript, deposit.value, RECOVERY)).toBe(true);
  });
});
