// Vault transactions on a real bcoin regtest node (CSV active): the presigned unvault and cancels
// are accepted and mined, the hot key's withdrawal is refused before the delay and accepted after
// it, the emergency cancel and the recovery key's sweep spend a deposit, and the anchor can be
// spent by anyone to bump a presigned transaction.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { ANCHOR_SCRIPT, ANCHOR_WITNESS_SCRIPT, p2wsh, presign, recoverySweep, withdrawal, type Outpoint } from '../../src/vaults/vault-tx.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';

const DELAY = 10;
const hex = (tx: Tx) => Buffer.from(serializeTx(tx)).toString('hex');
const key = () => secp256k1.utils.randomSecretKey();
const pub = (k: Uint8Array) => secp256k1.getPublicKey(k, true);
const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x77));
const outside = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x55));

let node: RegtestNode;
beforeAll(async () => {
  node = await startNode();
  await node.fund();
});
afterAll(async () => node?.close());

/** Pays `value` to the P2WSH of `script` from the harness wallet; the funded outpoint. */
async function fund(script: Uint8Array, value: number): Promise<Outpoint> {
  const out = p2wsh(script);
  const txid = await node.send(scriptToAddress(out, 'regtest')!, value);
  const tx = parseTx(Buffer.from(await node.getRawTransaction(txid), 'hex'));
  const vout = tx.outputs.findIndex((o) => Buffer.from(o.script).equals(Buffer.from(out)));
  return { txid: txidOf(tx), vout, value };
}

/** A vault whose deposit is funded and mined; `k` is thrown away after presigning, as in Coffer. */
async function vault(value = 2_000_000) {
  const k = key();
  const recovery = key();
  const hot = key();
  // The deposit script depends only on the keys: fund it first, then presign against the outpoint.
  const probe = presign({ deposit: { txid: new Uint8Array(32), vout: 0, value }, k, recoveryKey: pub(recovery), hotKey: pub(hot), delay: DELAY, recoveryScript, unvaultFeerate: 2, cancelFeerates: [1, 2, 5] });
  const deposit = await fund(probe.depositScript, value);
  await node.mine(1);
  const set = presign({ deposit, k, recoveryKey: pub(recovery), hotKey: pub(hot), delay: DELAY, recoveryScript, unvaultFeerate: 2, cancelFeerates: [1, 2, 5] });
  k.fill(0);
  return { set, deposit, recovery, hot };
}

describe('vault transactions on bcoin regtest', () => {
  it('withdraws: the unvault is accepted, the hot key must wait the delay, then it is accepted', async () => {
    const { set, hot } = await vault();
    await node.submitTransaction(hex(set.unvault));
    await node.mine(1);
    const early = withdrawal(set.unvaultOutput, set.unvaultScript, DELAY, hot, outside, 2);
    await expect(node.submitTransaction(hex(early))).rejects.toThrow(/non-BIP68-final|final/i);
    // A withdrawal claiming a shorter wait fails the script's CHECKSEQUENCEVERIFY.
    const short = withdrawal(set.unvaultOutput, set.unvaultScript, DELAY - 1, hot, outside, 2);
    await node.mine(DELAY - 1);
    await expect(node.submitTransaction(hex(short))).rejects.toThrow();
    await node.submitTransaction(hex(early));
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
  });

  it('cancels: a presigned cancel spends the unvault output to the recovery destination at once', async () => {
    const { set } = await vault();
    await node.submitTransaction(hex(set.unvault));
    const cancel = set.cancels.at(-1)!.tx;
    await node.submitTransaction(hex(cancel));
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
    const mined = parseTx(Buffer.from(await node.getRawTransaction(hashToHex(txidOf(cancel))), 'hex'));
    expect(Buffer.from(mined.outputs[0]!.script).toString('hex')).toBe(Buffer.from(recoveryScript).toString('hex'));
  });

  it('an emergency cancel spends the deposit directly; the recovery key sweeps a stray deposit', async () => {
    const { set } = await vault();
    await node.submitTransaction(hex(set.emergencies[0]!.tx));
    const { set: other, deposit, recovery } = await vault();
    const stray = await fund(other.depositScript, 300_000);
    await node.submitTransaction(hex(recoverySweep(stray, other.depositScript, recovery, outside, 2)));
    await node.submitTransaction(hex(recoverySweep(deposit, other.depositScript, recovery, outside, 2)));
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
  });

  it('anyone can spend the anchor of a presigned transaction (no key), as a CPFP child does', async () => {
    const { set } = await vault();
    await node.submitTransaction(hex(set.unvault));
    const anchorVout = set.unvault.outputs.findIndex((o) => Buffer.from(o.script).equals(Buffer.from(ANCHOR_SCRIPT)));
    const child: Tx = {
      version: 2,
      inputs: [{ prevTxid: txidOf(set.unvault), vout: anchorVout, scriptSig: new Uint8Array(), sequence: 0xfffffffd, witness: [ANCHOR_WITNESS_SCRIPT] }],
      outputs: [{ value: 0, script: Uint8Array.of(0x6a, 0x04, 0x63, 0x6f, 0x66, 0x66) }],
      locktime: 0,
    };
    await node.submitTransaction(hex(child));
    await node.mine(1);
    expect(node.mempool()).toEqual([]);
  });
});
