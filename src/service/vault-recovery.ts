// What the recovery key does alone, with no presigned transaction: sweep a vault before its
// withdrawal (from its deposit, or from its unvault output during the delay) and sweep a stray
// payment to a vault's deposit address. Works for a vault found on chain after a restore from the
// words (its note gives `k`, the vault number and the delay; the key file gives the recovery key).

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CofferError } from '../api/errors.js';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { addressToScript } from '../keys/address.js';
import { recoverySecret } from '../vaults/recovery.js';
import { hotKey } from '../vaults/vault-keys.js';
import { depositScript, p2wsh, recoveryKeyIn, recoverySweep, unvaultScript, type Outpoint } from '../vaults/vault-tx.js';
import { checkFeeRate } from './spend-service.js';
import { notReady, tipOf } from './vault-service.js';
import { vaultSnapshots, type FoundSnapshot } from './vault-tracker.js';
import type { WalletSync } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

const SWEEPABLE: ReadonlySet<string> = new Set(['funded', 'unvaulting', 'withdrawable']);

const same = (a: Uint8Array) => (b: Uint8Array) => equalBytes(a, b);

function noBranch(): CofferError {
  return new CofferError('invalid-descriptor', 'This vault output has no recovery branch (the vault was made with a recovery address, or before the recovery key could spend its unvault); use its presigned cancel (coffer vault cancel).', { reason: 'no-recovery-branch' });
}

function unvaultOutput(unvault: Tx): Outpoint {
  return { txid: txidOf(unvault), vout: 0, value: unvault.outputs[0]!.value };
}

interface Sweep {
  vault: string;
  from: Outpoint;
  script: Uint8Array;
  secret: Uint8Array;
}

/** A found vault: the note's `k` with the key file's key must give its deposit output; an unvault's own script also needs the hot key. */
async function foundSweep(wallet: WalletService, f: FoundSnapshot, keyText: string, unlock: () => void | Promise<void>): Promise<Sweep> {
  const { found: v } = f;
  if (f.view.status === 'funded') {
    if (!f.depositOutput) throw notReady('funding', 'its deposit is not in this wallet yet; sync first');
    const output = f.depositOutput;
    const secret = recoverySecret(keyText, '', wallet.network, v.seq, (pub) => same(output)(p2wsh(depositScript(v.kPub, pub))));
    return { vault: v.id, from: { txid: v.depositTxid, vout: v.depositVout, value: v.amount }, script: depositScript(v.kPub, secp256k1.getPublicKey(secret, true)), secret };
  }
  // The unvault script also holds the hot key: the wallet's seed rebuilds it, the key file's key must fit it.
  const unvault = f.unvault!;
  await unlock();
  const hot = wallet.withSeed((seed) => {
    const h = hotKey(seed, wallet.network, v.seq);
    h.secret.fill(0);
    return h.pub;
  });
  const output = unvault.outputs[0]!.script;
  const secret = recoverySecret(keyText, '', wallet.network, v.seq, (pub) => same(output)(p2wsh(unvaultScript(v.kPub, pub, hot, v.delay))));
  return { vault: v.id, from: unvaultOutput(unvault), script: unvaultScript(v.kPub, secp256k1.getPublicKey(secret, true), hot, v.delay), secret };
}

/**
 * Send vault `id` to `to` with the recovery key read from `keyText` (WIF or xprv), before its
 * withdrawal: from the deposit while funded, from the unvault output during and after the delay.
 * `unlock` runs only when the wallet's hot key is needed (a found vault's unvault script), after
 * the vault's own checks.
 */
export async function recoverVault(wallet: WalletService, sync: WalletSync, req: { id: string; to: string; keyText: string; feeRate: number }, unlock: () => void | Promise<void>): Promise<{ txid: string }> {
  const toScript = addressToScript(req.to, wallet.network);
  checkFeeRate(req.feeRate);
  const snaps = vaultSnapshots(wallet, tipOf(wallet));
  const full = snaps.vaults.find((s) => s.vault.id === req.id);
  const found = snaps.found.find((f) => f.found.id === req.id);
  const status = full?.view.status ?? found?.view.status;
  if (status === undefined) throw new CofferError('unknown-vault', `This wallet has no vault ${req.id}.`, { id: req.id });
  if (status === 'funding') throw notReady(status, 'its deposit has not reached the network; abandon the deposit instead');
  if (!SWEEPABLE.has(status)) throw notReady(status, 'there is nothing left to recover');
  let sweep: Sweep;
  if (full) {
    const v = full.vault;
    const unvault = parseTx(v.unvaultRaw);
    const [from, script] = status === 'funded' ? [{ txid: v.depositTxid, vout: v.depositVout, value: v.amount }, v.depositScript] : [unvaultOutput(unvault), v.unvaultScript];
    const recovery = recoveryKeyIn(script);
    if (!recovery) throw noBranch();
    sweep = { vault: v.id, from, script, secret: recoverySecret(req.keyText, v.recovery, wallet.network, v.seq, same(recovery)) };
  } else {
    sweep = await foundSweep(wallet, found!, req.keyText, unlock);
  }
  let raw: Uint8Array;
  try {
    raw = serializeTx(recoverySweep(sweep.from, sweep.script, sweep.secret, toScript, req.feeRate));
  } finally {
    sweep.secret.fill(0);
  }
  await sync.relay(raw);
  sync.vaults.record(sweep.vault, raw);
  return { txid: hashToHex(txidOf(parseTx(raw))) };
}

/** Sweep a stray deposit to `to` with the recovery key read from `keyText` (WIF or xprv). */
export async function sweepStray(wallet: WalletService, sync: WalletSync, strayId: string, to: string, keyText: string, feeRate: number): Promise<{ txid: string }> {
  const s = vaultSnapshots(wallet, tipOf(wallet)).strays.find((x) => x.id === strayId);
  if (!s) throw new CofferError('unknown-vault', `This wallet has no stray deposit ${strayId}.`, { id: strayId });
  if (s.sweptBy) throw notReady('swept', `it was swept by ${s.sweptBy}`);
  const toScript = addressToScript(to, wallet.network);
  const recovery = recoveryKeyIn(s.vault.depositScript);
  if (!recovery) throw new CofferError('invalid-descriptor', 'This vault was made with a recovery address, not a key: a stray payment to it cannot be swept.', { reason: 'no-recovery-branch' });
  const secret = recoverySecret(keyText, s.vault.recovery, wallet.network, s.vault.seq, same(recovery));
  let raw: Uint8Array;
  try {
    raw = serializeTx(recoverySweep({ txid: s.txid, vout: s.vout, value: s.value }, s.vault.depositScript, secret, toScript, feeRate));
  } finally {
    secret.fill(0);
  }
  await sync.relay(raw);
  sync.vaults.record(s.vault.id, raw);
  return { txid: hashToHex(txidOf(parseTx(raw))) };
}
