// Vaults as the CLI and the UI use them: create (the crash-safe order below), list, withdraw,
// complete, cancel, sweep a stray deposit, and the watchtower package.
//
// Creating a vault, step by step; a crash at any step leaves either nothing spent or a stored
// vault with its whole presigned set, never funded coins without it:
//   1. A worker thread creates the presigning key `k` and hands out only its public key.
//   2. Inside the write lock: plan and sign the deposit from the wallet's coins (nothing stored
//      but the change address handed out).
//   3. The worker signs the unvault and both cancel ladders for the deposit's outpoint, wipes `k`
//      and ends.
//   4. Inside the write lock again (the deposit's coins checked still free): the deposit is
//      recorded as pending together with the vault and its presigned set, not yet served.
//   5. Every configured watchtower file is rewritten with the new vault; then it counts as served.
//      The vault backup file, when one is set, is rewritten too (vault-backups.ts).
//   6. The deposit is broadcast. A sync broadcasts a pending deposit only once its vault is served.
//      A vault backup that could not be written is reported then (`backup-failing`).

import { hex } from '@scure/base';
import fs from 'node:fs';
import path from 'node:path';
import type { VaultInfo } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import { parseTx, serializeTx as serialize, txid as txidOf } from '../chain/tx.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { insertVault, listVaults, nextVaultSeq, setWithdrawStarted, type StoredRung, type VaultRow } from '../db/vault-store.js';
import { addressToScript } from '../keys/address.js';
import { parseRecovery } from '../vaults/recovery.js';
import { announceKey, hotKey, vaultNoteKey } from '../vaults/vault-keys.js';
import { MAX_NOTE_SEQ, NOTE_PLACEHOLDER, noteScript } from '../vaults/vault-note.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ANCHOR_SCRIPT, ANCHOR_VALUE, ANCHOR_WITNESS_SCRIPT, checkDelay, DEFAULT_CANCEL_FEERATES, depositScript, p2wsh, presign, withdrawal, withdrawalValue, type Rung } from '../vaults/vault-tx.js';
import { chooseRung, signAnnouncement } from '../vaults/watchtower.js';
import { faultPoint } from './fault.js';
import { broadcastRecorded, checkUnsigned, finish, previewSend, randomTape, rolledBack, signAll, type Unlock } from './spend-flows.js';
import { checkFeeRate, outpointKey, SpendService } from './spend-service.js';
import { signedTx } from '../wallet/change-set.js';
import { buildPsbt, RBF_SEQUENCE } from '../wallet/psbt-builder.js';
import { dustThreshold, feeForWeight, inputWeight, outputWeight, signedWeight, txOverheadWeight, vsizeOf } from '../wallet/policy.js';
import { Presigner } from './vault-signer.js';
import { rewriteVaultBackup } from './vault-backups.js';
import { INLINE_PUSH_MS, pushTowers, signTowerPushes } from './remote-towers.js';
import { ANNOUNCE_KEY_META, VAULT_NOTE_META, serveTowers, TOWER_FILES_META, towerFiles, towerPackage, vaultSnapshots, writePackageFile, type FoundSnapshot, type Stray } from './vault-tracker.js';
import type { VaultView } from '../vaults/vault-status.js';
import { loadWalletState, type WalletSync } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';
import type { Network } from '../keys/networks.js';

export interface CreateVaultRequest {
  amount: number;
  delay: number;
  recovery: string;
  feeRate: number;
  cancelFeerates?: readonly number[];
}

/** A P2WSH output of a deposit's size, for planning before the real one (which needs k) exists. */
const DEPOSIT_PLACEHOLDER = p2wsh(Uint8Array.of(0x51));

/** A vault or stray deposit as `vault list` and the UI show it. */
export type VaultEntry = VaultInfo;

export function tipOf(wallet: WalletService): number {
  return Number(wallet.meta('tip_height') ?? '0');
}

function storedRung(r: Rung): StoredRung {
  return { feerate: r.feerate, fee: r.fee, vsize: r.vsize, hex: hex.encode(serialize(r.tx)) };
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new CofferError('invalid-amount', 'The vault amount is a positive whole number of satoshis.');
}

/**
 * A vault request's own checks, which need neither the wallet's coins nor a key: amount, delay,
 * fee rate, recovery destination. The CLI makes them before it asks for the password.
 */
export function checkVaultRequest(req: Omit<CreateVaultRequest, 'feeRate'> & { feeRate?: number | undefined }, network: Network): void {
  checkAmount(req.amount);
  checkDelay(req.delay);
  if (req.feeRate !== undefined) checkFeeRate(req.feeRate);
  parseRecovery(req.recovery, network, 0);
}

/**
 * Create a vault. The wallet must be unlocked, or `unlock` given: it runs once every check that
 * needs no key has passed (the request's, the presigned set's fees, the deposit's plan and policy).
 */
export async function createVault(
  wallet: WalletService,
  sync: WalletSync,
  req: CreateVaultRequest,
  unlock?: Unlock,
): Promise<{ id: string; depositTxid: string; delay: number; cancelFeerates: number[]; towersUnconfirmed?: string[] }> {
  checkAmount(req.amount);
  checkDelay(req.delay);
  checkFeeRate(req.feeRate);
  const db = wallet.database;
  const seq = withDbErrors(() => nextVaultSeq(db));
  if (seq > MAX_NOTE_SEQ) throw new CofferError('invalid-setting', `This wallet has made ${MAX_NOTE_SEQ + 1} vaults, the most one wallet can make.`);
  const recovery = parseRecovery(req.recovery, wallet.network, seq);
  // The presigned set's fees against the amount, with throwaway keys (sizes do not depend on them).
  previewVault(wallet, req);
  const tape = randomTape();
  // The deposit pays the vault and carries its note (what the recovery key needs besides the words).
  const planDeposit = (depositSpk: Uint8Array, note: Uint8Array) => {
    const recipients = [{ script: depositSpk, amount: req.amount }, { script: note, amount: 0 }];
    const plan = new SpendService(wallet, loadWalletState(wallet), tipOf(wallet)).plan({ recipients, feeRate: req.feeRate, random: tape() });
    checkUnsigned(plan.psbt, { signedWeight: plan.signedWeight, amountSent: plan.amountSent, acceptHighFee: false });
    return plan;
  };
  // The deposit's coins and policy, before any key: planned to a P2WSH output of the same size
  // (the real one needs k), rolled back. The real plan below draws the same coins.
  rolledBack(wallet, () => planDeposit(DEPOSIT_PLACEHOLDER, NOTE_PLACEHOLDER));
  unlock?.();
  const { hot, announce, noteKey } = wallet.withSeed((seed) => {
    const h = hotKey(seed, wallet.network, seq);
    const a = announceKey(seed, wallet.network);
    h.secret.fill(0);
    a.secret.fill(0);
    return { hot: h.pub, announce: hex.encode(a.pub), noteKey: vaultNoteKey(seed, wallet.network) };
  });
  const presigner = await Presigner.open();
  faultPoint('vault:key-created');
  let signedDeposit: { txid: Uint8Array; raw: Uint8Array };
  let id: string;
  try {
    const dScript = depositScript(presigner.kPub, recovery.key);
    const depositSpk = p2wsh(dScript);
    const note = noteScript(noteKey, depositSpk, { kPub: presigner.kPub, seq, delay: req.delay });
    const deposit = withDbErrors(() =>
      db.transaction(() => {
        const plan = planDeposit(depositSpk, note);
        signAll(wallet, plan.psbt, plan.inputs.length);
        const done = finish(plan.psbt, plan.amountSent, false);
        const vout = parseTx(done.raw).outputs.findIndex((o) => equalBytes(o.script, depositSpk));
        return { ...done, vout, inputs: plan.inputs.map((i) => outpointKey(i.txid, i.vout)) };
      }).immediate(),
    );
    faultPoint('vault:deposit-signed');
    const set = await presigner.sign({
      deposit: { txid: deposit.txid, vout: deposit.vout, value: req.amount },
      recoveryKey: recovery.key,
      hotKey: hot,
      delay: req.delay,
      recoveryScript: recovery.script,
      unvaultFeerate: req.feeRate,
      cancelFeerates: req.cancelFeerates ?? DEFAULT_CANCEL_FEERATES,
    });
    faultPoint('vault:presigned');
    // Named by its deposit, so that a restore finds it on chain under the same id.
    id = hashToHex(deposit.txid).slice(0, 12);
    const row: VaultRow = {
      id,
      seq,
      createdAt: Math.floor(Date.now() / 1000),
      amount: req.amount,
      delay: req.delay,
      recovery: req.recovery.trim(),
      recoveryScript: recovery.script,
      depositTxid: deposit.txid,
      depositVout: deposit.vout,
      depositScript: set.depositScript,
      unvaultScript: set.unvaultScript,
      unvaultRaw: serialize(set.unvault),
      cancels: set.cancels.map(storedRung),
      emergencies: set.emergencies.map(storedRung),
      towersServed: false,
    };
    withDbErrors(() =>
      db.transaction(() => {
        // Another spend may have taken these coins while the worker signed: then nothing is stored.
        const free = new Set(new SpendService(wallet, loadWalletState(wallet), tipOf(wallet)).spendable().map((u) => outpointKey(u.txid, u.vout)));
        if (!deposit.inputs.every((k) => free.has(k))) {
          throw new CofferError('database-busy', 'Another spend took some of these coins while the vault was being signed; nothing was sent. Try again.');
        }
        if (nextVaultSeq(db) !== seq) throw new CofferError('database-busy', 'Another vault was created at the same time; nothing was sent. Try again.');
        persistChangeSet(db, signedTx(deposit.txid, deposit.raw));
        insertVault(db, row);
        if (!wallet.meta(ANNOUNCE_KEY_META)) wallet.setMeta(ANNOUNCE_KEY_META, announce);
        if (!wallet.meta(VAULT_NOTE_META)) wallet.setMeta(VAULT_NOTE_META, hex.encode(noteKey));
      }).immediate(),
    );
    faultPoint('vault:stored');
    signedDeposit = deposit;
  } finally {
    await presigner.close();
  }
  serveTowers(wallet);
  faultPoint('vault:towers-served');
  // Remote towers get one short try; one that is down gets it from the core's retries.
  const unconfirmed = await signAndPush(wallet, sync);
  const backupFailed = rewriteVaultBackup(wallet);
  const stored = withDbErrors(() => listVaults(db)).find((v) => v.id === id)!;
  await broadcastRecorded(sync, signedDeposit.txid, signedDeposit.raw);
  if (backupFailed) throw createdBut(backupFailed, `Vault ${id} was created and its deposit ${hashToHex(stored.depositTxid)} sent`);
  return { id, depositTxid: hashToHex(stored.depositTxid), delay: stored.delay, cancelFeerates: stored.cancels.map((r) => r.feerate), ...unconfirmed };
}

/**
 * What a vault of `amount` would cost, for the create form: the unvault's fee and each cancel
 * rung's. Signed with throwaway keys (the sizes do not depend on them); nothing is stored.
 */
export function previewVault(wallet: WalletService, req: Omit<CreateVaultRequest, 'feeRate'> & { feeRate: number }): {
  unvaultFee: number;
  cancels: { feerate: number; fee: number }[];
  emergencyCancels: { feerate: number; fee: number }[];
} {
  checkAmount(req.amount);
  checkDelay(req.delay);
  const recovery = parseRecovery(req.recovery, wallet.network, withDbErrors(() => nextVaultSeq(wallet.database)));
  const k = secp256k1.utils.randomSecretKey();
  try {
    const set = presign({
      deposit: { txid: new Uint8Array(32), vout: 0, value: req.amount },
      k,
      recoveryKey: recovery.key,
      hotKey: secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true),
      delay: req.delay,
      recoveryScript: recovery.script,
      unvaultFeerate: req.feeRate,
      cancelFeerates: req.cancelFeerates ?? DEFAULT_CANCEL_FEERATES,
    });
    const fee = (r: Rung) => ({ feerate: r.feerate, fee: r.fee });
    return { unvaultFee: req.amount - set.unvaultOutput.value - ANCHOR_VALUE, cancels: set.cancels.map(fee), emergencyCancels: set.emergencies.map(fee) };
  } finally {
    k.fill(0);
  }
}

/**
 * The deposit of a vault of `amount` at `feeRate`, as createVault will plan it (an output of the
 * real one's size, the note's placeholder), checked and rolled back: no key, nothing kept.
 */
export function previewDeposit(wallet: WalletService, amount: number, feeRate: number): { fee: number; vsize: number; feerate: number } {
  const recipients = [{ script: DEPOSIT_PLACEHOLDER, amount }, { script: NOTE_PLACEHOLDER, amount: 0 }];
  const { plan, vsize, feeRate: paid } = previewSend(wallet, { recipients, feeRate });
  return { fee: plan.fee, vsize, feerate: Math.round(paid * 100) / 100 };
}

function entry(v: Pick<VaultRow, 'id' | 'amount' | 'delay' | 'depositTxid' | 'recovery'>, view: VaultView): VaultEntry {
  return {
    id: v.id,
    amount: v.amount,
    status: view.status,
    delay: v.delay,
    depositTxid: hashToHex(v.depositTxid),
    ...(view.unvaultTxid ? { unvaultTxid: view.unvaultTxid } : {}),
    ...(view.withdrawableAtHeight !== undefined ? { withdrawableAtHeight: view.withdrawableAtHeight } : {}),
    ...(view.cancelTxid ? { cancelTxid: view.cancelTxid } : {}),
    ...(view.withdrawTxid ? { withdrawTxid: view.withdrawTxid } : {}),
    confirmations: view.confirmations,
    recovery: v.recovery,
    ...(view.alert ? { alert: true as const } : {}),
  };
}

function strayEntry(s: Stray, tip: number): VaultEntry {
  return {
    id: s.id,
    amount: s.value,
    status: s.sweptBy ? 'swept' : 'stray',
    delay: s.vault.delay,
    depositTxid: hashToHex(s.txid),
    confirmations: s.height !== undefined ? tip - s.height + 1 : 0,
    recovery: s.vault.recovery,
    vault: s.vault.id,
  };
}

/** A vault found on chain after a restore: no recovery destination is known until its key is given. */
function foundEntry(f: FoundSnapshot): VaultEntry {
  return { ...entry({ ...f.found, recovery: '' }, f.view), found: true };
}

export function listVaultEntries(wallet: WalletService): VaultEntry[] {
  wallet.info();
  const tip = tipOf(wallet);
  const { vaults, strays, found } = vaultSnapshots(wallet, tip);
  return [...vaults.map((s) => entry(s.vault, s.view)), ...found.map(foundEntry), ...strays.map((s) => strayEntry(s, tip))];
}

function find(wallet: WalletService, id: string) {
  const tip = tipOf(wallet);
  const snaps = vaultSnapshots(wallet, tip);
  const snap = snaps.vaults.find((s) => s.vault.id === id);
  if (!snap) {
    const found = snaps.found.find((f) => f.found.id === id);
    if (found) {
      throw new CofferError('vault-not-ready', `Vault ${id} was found on the chain after a restore; its presigned transactions are not in this wallet. Restore its vault backup (coffer vault restore FILE) to withdraw or cancel it, or sweep it with the recovery key (coffer vault recover ${id}).`, { status: found.view.status });
    }
    throw new CofferError('unknown-vault', `This wallet has no vault ${id}.`, { id });
  }
  return { ...snap, tip };
}

/** A vault change that went through, but the vault backup file could not follow it. */
function createdBut(e: CofferError, done: string): CofferError {
  return new CofferError('backup-failing', `${done}, but ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`, e.details as { file: string });
}

export function notReady(status: string, what: string): CofferError {
  return new CofferError('vault-not-ready', `The vault is ${status}: ${what}.`, { status });
}

/** A new signed version for each remote tower, pushed once; the towers that did not ack, if any. */
async function signAndPush(wallet: WalletService, sync: WalletSync): Promise<{ towersUnconfirmed?: string[] }> {
  signTowerPushes(wallet);
  const ids = await pushTowers(wallet, INLINE_PUSH_MS, { proxy: sync.proxy });
  return ids.length > 0 ? { towersUnconfirmed: ids } : {};
}

/**
 * Start a withdrawal: sign the announcement, give it to every configured tower, then broadcast
 * the presigned unvault. The wallet must be unlocked (the announcement key comes from the seed),
 * or `unlock` given: it runs once the vault is known to be ready.
 */
export async function withdrawVault(wallet: WalletService, sync: WalletSync, id: string, unlock?: Unlock): Promise<{ unvaultTxid: string; withdrawableAtHeight: number; towersUnconfirmed?: string[] }> {
  const { vault: v, view, tip } = find(wallet, id);
  if (view.status === 'funding') throw notReady(view.status, 'its deposit has not reached the network yet');
  if (view.status !== 'funded' && !(view.status === 'unvaulting' && !view.alert) && !(view.status === 'withdrawable' && !view.alert)) {
    throw notReady(view.status, 'only a funded vault can start a withdrawal');
  }
  unlock?.();
  const unvaultTxid = hashToHex(txidOf(parseTx(v.unvaultRaw)));
  if (v.announcement === undefined) {
    const signature = wallet.withSeed((seed) => {
      const a = announceKey(seed, wallet.network);
      try {
        return signAnnouncement(v.id, unvaultTxid, a.secret);
      } finally {
        a.secret.fill(0);
      }
    });
    withDbErrors(() => setWithdrawStarted(wallet.database, v.id, Math.floor(Date.now() / 1000), signature));
  }
  const backupFailed = v.announcement === undefined ? rewriteVaultBackup(wallet) : undefined;
  // The towers must know before the unvault is seen, or they cancel it.
  serveTowers(wallet);
  // A remote tower that does not take the announcement now may cancel this withdrawal when it
  // sees the unvault before a retry reaches it (the coins then go to the recovery destination).
  const unconfirmed = await signAndPush(wallet, sync);
  faultPoint('vault:announced');
  if (view.status === 'funded') {
    await sync.relay(v.unvaultRaw);
    sync.vaults.record(v.id, v.unvaultRaw);
  }
  if (backupFailed) throw createdBut(backupFailed, `The withdrawal of vault ${v.id} was started (unvault ${unvaultTxid})`);
  return { unvaultTxid, withdrawableAtHeight: view.withdrawableAtHeight ?? tip + 1 + v.delay, ...unconfirmed };
}

/**
 * After the delay: the hot key spends the unvault output to `to`. The wallet must be unlocked, or
 * `unlock` given: it runs once the destination, the fee rate, the vault's state and the amount
 * left after the fee have passed.
 */
export async function completeVault(
  wallet: WalletService,
  sync: WalletSync,
  id: string,
  to: string,
  feeRate: number,
  unlock?: Unlock,
  dryRun = false,
): Promise<{ txid: string; fee: number; amount: number; broadcast: boolean }> {
  const { vault: v, view, tip } = find(wallet, id);
  const toScript = addressToScript(to, wallet.network);
  checkFeeRate(feeRate);
  if (view.status === 'unvaulting') {
    const at = view.withdrawableAtHeight;
    throw new CofferError('vault-not-ready', at === undefined ? 'The unvault is not confirmed yet; the delay starts when it is.' : `The delay is not over: the withdrawal can be mined from block ${at} (the tip is ${tip}).`, {
      status: view.status,
      ...(at !== undefined ? { withdrawableAtHeight: at, tipHeight: tip } : {}),
    });
  }
  if (view.status !== 'withdrawable') throw notReady(view.status, 'only a withdrawable vault can be completed');
  const unvault = parseTx(v.unvaultRaw);
  const from = { txid: txidOf(unvault), vout: 0, value: unvault.outputs[0]!.value };
  const amount = withdrawalValue(from, v.unvaultScript, toScript, feeRate);
  unlock?.();
  const tx = wallet.withSeed((seed) => {
    const h = hotKey(seed, wallet.network, v.seq);
    try {
      return withdrawal(from, v.unvaultScript, v.delay, h.secret, toScript, feeRate);
    } finally {
      h.secret.fill(0);
    }
  });
  const done = { txid: hashToHex(txidOf(tx)), fee: from.value - amount, amount };
  // A dry run (the app's review) signs to show the exact transaction, and sends nothing.
  if (dryRun) return { ...done, broadcast: false };
  const raw = serialize(tx);
  await sync.relay(raw);
  sync.vaults.record(v.id, raw);
  return { ...done, broadcast: true };
}

/**
 * Send the vault to its recovery destination with the cheapest presigned cancel meeting
 * `needed`: from the unvault output once a withdrawal started, else straight from the deposit.
 * No key needed; `unlock` (a password was given, for a CPFP child above the top rung) runs once
 * the vault is known to be cancellable, before anything is sent.
 */
export async function cancelVault(wallet: WalletService, sync: WalletSync, id: string, needed: number, unlock?: Unlock): Promise<{ cancelTxid: string; feerate: number; cpfpTxid?: string }> {
  const { vault: v, view } = find(wallet, id);
  let rungs: StoredRung[];
  if (view.status === 'funded') rungs = v.emergencies;
  else if (view.status === 'unvaulting' || view.status === 'withdrawable') rungs = v.cancels;
  else if (view.status === 'funding') throw notReady(view.status, 'its deposit has not reached the network; abandon the deposit instead');
  else throw notReady(view.status, 'there is nothing left to cancel');
  const { rung, cpfp } = chooseRung(rungs, needed);
  unlock?.();
  const raw = hex.decode(rung.hex);
  await sync.relay(raw);
  sync.vaults.record(v.id, raw);
  const cancelTxid = txidOf(parseTx(raw));
  // Above the top rung: a child of the cancel's anchor, paid from the wallet's coins, lifts the
  // pair to the rate needed (needs the unlocked wallet; a locked one leaves the top rung alone).
  if (cpfp && !wallet.locked) {
    const child = await anchorChild(wallet, sync, { txid: cancelTxid, vout: 1, vsize: rung.vsize, fee: rung.fee }, needed);
    return { cancelTxid: hashToHex(cancelTxid), feerate: rung.feerate, cpfpTxid: child };
  }
  return { cancelTxid: hashToHex(cancelTxid), feerate: rung.feerate };
}

/** Spending the P2WSH(OP_TRUE) anchor: outpoint, empty scriptSig, sequence; witness [OP_TRUE script]. */
const ANCHOR_INPUT = { bytes: 32 + 4 + 1 + 4, witnessBytes: 1 + 1 + 1 };
const ANCHOR_INPUT_WEIGHT = ANCHOR_INPUT.bytes * 4 + ANCHOR_INPUT.witnessBytes;

/**
 * CPFP through a presigned transaction's anchor: the anchor plus the smallest wallet coin that
 * pays the fee, back to a change address, so that parent and child together pay `feeRate`.
 * Recorded as pending before it is broadcast, like every spend.
 */
export async function anchorChild(wallet: WalletService, sync: WalletSync, parent: { txid: Uint8Array; vout: number; vsize: number; fee: number }, feeRate: number): Promise<string> {
  const done = withDbErrors(() =>
    wallet.database.transaction(() => {
      const svc = new SpendService(wallet, loadWalletState(wallet), tipOf(wallet));
      const change = wallet.nextChange();
      const weightWith = (kind: Parameters<typeof inputWeight>[0]) => txOverheadWeight(2, 1, true) + ANCHOR_INPUT_WEIGHT + inputWeight(kind) + outputWeight(change.script);
      const feeFor = (weight: number) => Math.max(feeForWeight(parent.vsize * 4 + weight, feeRate) - parent.fee, vsizeOf(weight));
      const coin = svc
        .spendable()
        .sort((x, y) => x.value - y.value)
        .find((u) => u.value + ANCHOR_VALUE - feeFor(weightWith(svc.origins.kindOf(u.owner))) >= dustThreshold(change.script));
      if (!coin) throw new CofferError('insufficient-funds', 'No coin of this wallet can pay for the cancel\'s fee bump.', { neededSat: feeFor(weightWith('wpkh')) });
      const fee = feeFor(weightWith(svc.origins.kindOf(coin.owner)));
      const psbt = buildPsbt([svc.inputFor(coin)], [{ script: change.script, value: coin.value + ANCHOR_VALUE - fee, origin: svc.origins.origin(change.owner) }], tipOf(wallet));
      psbt.addInput({
        txid: Uint8Array.from(parent.txid).reverse(),
        index: parent.vout,
        sequence: RBF_SEQUENCE,
        witnessUtxo: { script: ANCHOR_SCRIPT, amount: BigInt(ANCHOR_VALUE) },
        finalScriptWitness: [ANCHOR_WITNESS_SCRIPT],
      });
      checkUnsigned(psbt, { signedWeight: signedWeight([svc.origins.kindOf(coin.owner), ANCHOR_INPUT], [change.script]), amountSent: 0, acceptHighFee: true });
      signAll(wallet, psbt, 1);
      psbt.finalizeIdx(0); // the anchor's witness is final already; the signer knows only ours
      const f = finish(psbt, 0, true);
      persistChangeSet(wallet.database, signedTx(f.txid, f.raw));
      return f;
    }).immediate(),
  );
  await broadcastRecorded(sync, done.txid, done.raw);
  return hashToHex(done.txid);
}

/**
 * Write the keyless package to `file`; unless `once`, remember it as a configured tower file,
 * rewritten before every deposit and unvault from now on.
 */
export function exportPackage(wallet: WalletService, file: string, once: boolean): { file: string; vaults: number; configured: boolean } {
  const pkg = towerPackage(wallet);
  const abs = path.resolve(file);
  if (!fs.existsSync(path.dirname(abs))) throw new CofferError('file-unreadable', `The folder of ${file} does not exist.`, { file, reason: 'ENOENT' });
  writePackageFile(abs, pkg);
  if (!once) {
    const files = towerFiles(wallet);
    if (!files.includes(abs)) wallet.setMeta(TOWER_FILES_META, JSON.stringify([...files, abs]));
  }
  return { file: abs, vaults: pkg.vaults.length, configured: !once };
}
