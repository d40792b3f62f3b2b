// The presigning key in its own worker thread: its public key comes out, then one signed set, and
// the thread is gone; a bad request is a typed error and still ends the key. Runs the built
// worker (dist/), since a worker thread loads JavaScript.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { Presigner } from '../../src/service/vault-signer.js';
import { digestView } from '../../src/wallet/psbt-signer.js';

const WORKER = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/src/service/vault-signer-worker.js'));
const pub = (n: number) => secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : 0x31 + i)), true);
const request = {
  deposit: { txid: new Uint8Array(32).fill(9), vout: 0, value: 3_000_000 },
  recoveryKey: pub(1),
  hotKey: pub(2),
  delay: 144,
  recoveryScript: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(3)),
  unvaultFeerate: 5,
  cancelFeerates: [2, 10, 50],
};

describe('presigner worker', () => {
  it('hands out a fresh public key, signs one set with it, and refuses a second', async () => {
    const a = await Presigner.open(WORKER);
    const b = await Presigner.open(WORKER);
    expect(a.kPub).toHaveLength(33);
    expect(a.kPub).not.toEqual(b.kPub);
    await b.close();
    const set = await a.sign(request);
    expect(set.cancels.map((c) => c.feerate)).toEqual([2, 10, 50]);
    // The unvault is signed by the key whose public half the deposit script holds.
    const sig = set.unvault.inputs[0]!.witness[0]!;
    const digest = digestView(set.unvault).preimageWitnessV0(0, set.depositScript, 1, BigInt(request.deposit.value));
    expect(secp256k1.verify(sig.subarray(0, -1), digest, a.kPub, { prehash: false, format: 'der' })).toBe(true);
    expect(Buffer.from(set.depositScript).includes(Buffer.from(a.kPub))).toBe(true);
    await expect(a.sign(request)).rejects.toThrow(/one vault only/);
  });

  it('turns a bad request into a typed error, and the presigner cannot be used again', async () => {
    const p = await Presigner.open(WORKER);
    const err = await p.sign({ ...request, deposit: { ...request.deposit, value: 500 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CofferError);
    expect((err as CofferError).code).toBe('amount-below-dust');
    await expect(p.sign(request)).rejects.toThrow(/one vault only/);
  });
});
