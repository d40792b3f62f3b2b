// The user-level spending operations: send, fee bump, CPFP, abandon, fee rates (PSBTs: psbt-flows.ts).
//
// A send is planned and signed inside one IMMEDIATE SQLite transaction that also records the
// signed transaction as pending, so two concurrent sends never pick the same coin, and a crash
// between signing and broadcast leaves a pending transaction that the next sync broadcasts again
// (or the user abandons).
//
// Every check of the signed transaction runs on the unsigned plan before the seed is asked for
// (the signed weight is known exactly: policy.signedWeight), and again on the signed transaction.
// A caller that still has to turn a password into a key (the CLI) passes `unlock`: the spend is
// then first planned and checked in a transaction that is rolled back, and only if it passes is
// the wallet unlocked (scrypt, about 2 s) and the spend planned again, for real, inside the lock.
// Both plans draw the same random numbers, so unless another spend changed the wallet in between
// they choose the same coins.

import * as btc from '@scure/btc-signer';
import type { BumpResult, CpfpResult, SpendResult as SendResult } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, vsize } from '../chain/tx.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { getTxStatus, type TxStatus } from '../db/tx-store.js';
import { copyTxLabel, listFrozen, putLabel } from '../db/spend-store.js';
import { listVaults } from '../db/vault-store.js';
import { signedTx, statusChange } from '../wallet/change-set.js';
import { buildPsbt } from '../wallet/psbt-builder.js';
import { plannedSigning } from '../wallet/psbt-review.js';
import { applySignatures } from '../wallet/psbt-signer.js';
import { checkTransaction, dustThreshold, feeForWeight, inputWeight, outputWeight, signedWeight, txOverheadWeight, vsizeOf } from '../wallet/policy.js';
import type { WalletState } from '../wallet/wallet-state.js';
import { faultPoint } from './fault.js';
import { checkFeeRate, signWithSeed, SpendService, type Plan, type PlanRequest } from './spend-service.js';
import { loadWalletState, type WalletSync } from './wallet-sync.js';
import { presetRate } from '../wallet/fees.js';
import type { WalletService } from './wallet-service.js';

export interface FeeChoice {
  feeRate: number;
  source: string;
}

/** What a spend returns (the contract's types, so the CLI and the API say the same). */
export type { BumpResult, CpfpResult, SpendResult as SendResult } from '../api/contract.js';

class DryRun extends Error {
  constructor(readonly result: SendResult) {
    super('dry run');
  }
}

class RollBack extends Error {
  constructor(readonly value: unknown) {
    super('rolled back');
  }
}

/** Run `fn` under the write lock as a spend does, then undo whatever it wrote (a change address handed out). */
export function rolledBack<T>(wallet: WalletService, fn: () => T): T {
  try {
    withDbErrors(() =>
      wallet.database.transaction(() => {
        throw new RollBack(fn());
      }).immediate(),
    );
  } catch (e) {
    if (e instanceof RollBack) return e.value as T;
    throw e;
  }
  throw new Error('unreachable: the transaction always rolls back');
}

/** Random numbers that read the same again from the start: a check pass and the real plan draw alike. */
export function randomTape(): () => () => number {
  const tape: number[] = [];
  return () => {
    let i = 0;
    return () => (tape[i++] ??= Math.random());
  };
}

/** Turns the password into a key; a spend calls it once every check that needs no key has passed. */
export type Unlock = () => void;

type Finished = ReturnType<typeof finish>;

/** A spend planned and ready to sign: what spendOnce checks, signs, checks again and records. */
interface Prepared<R> {
  psbt: btc.Transaction;
  /** How many inputs the wallet signs (all of them must sign). */
  toSign: number;
  /** The exact weight once signed (policy.signedWeight). */
  signedWeight: number;
  amountSent: number;
  acceptHighFee: boolean;
  /** The flow's own rule on fee and size (a replacement's BIP125 rules), before signing and after. */
  rule?: (t: { fee: number; vsize: number }) => void;
  result: (done: Finished) => R;
  /**
   * The transaction this one replaces, marked replaced in the change set that records the spend;
   * set back to `before` when the network refuses the replacement (which is then abandoned).
   */
  replaces?: { txid: Uint8Array; before: TxStatus };
}

/**
 * The checks `finish` makes on the signed transaction, made on the unsigned one: fee, outputs and
 * the exact signed weight are known, so both give the same answer. Returns the signed vsize and
 * fee rate.
 */
export function checkUnsigned(psbt: btc.Transaction, t: { signedWeight: number; amountSent: number; acceptHighFee: boolean }): { fee: number; vsize: number; feeRate: number } {
  const fee = Number(psbt.fee);
  const outputs = Array.from({ length: psbt.outputsLength }, (_, i) => {
    const o = psbt.getOutput(i);
    return { script: o.script ?? new Uint8Array(0), value: Number(o.amount ?? 0n) };
  });
  return { fee, ...checkTransaction({ weight: t.signedWeight, fee, outputs, amountSent: t.amountSent, acceptHighFee: t.acceptHighFee }) };
}

function checkPrepared(p: Prepared<unknown>): void {
  const checked = checkUnsigned(p.psbt, p);
  p.rule?.(checked);
}

function summary(done: Finished, feeSource: string): SendResult {
  return {
    txid: hashToHex(done.txid),
    fee: done.fee,
    vsize: done.vsize,
    feerate: Math.round(done.feeRate * 1000) / 1000,
    feeSource,
    broadcast: false,
  };
}

/**
 * The one path every spend takes. With `unlock`, `prepare` first plans and is checked in a
 * transaction that is rolled back, then `unlock` runs. Then, inside one IMMEDIATE transaction,
 * `prepare` plans, every check runs on the unsigned transaction, the wallet signs, the checks run
 * again on the signed one, and unless this is a dry run one change set records the transaction as
 * pending (and the one it replaces as replaced, its label now the replacement's); then it is
 * broadcast. A replacement the network refuses puts the original back and takes its label away.
 */
async function spendOnce<R extends SendResult>(
  wallet: WalletService,
  sync: WalletSync,
  dryRun: boolean,
  prepare: (random: () => number) => Prepared<R>,
  unlock: Unlock | undefined,
): Promise<R> {
  const tape = randomTape();
  if (unlock) {
    rolledBack(wallet, () => checkPrepared(prepare(tape())));
    unlock();
  }
  let built: { done: Finished; result: R; replaces: Prepared<R>['replaces'] } | undefined;
  try {
    withDbErrors(() =>
      wallet.database.transaction(() => {
        // Read the coins inside the lock: another send may have just taken some.
        const p = prepare(tape());
        checkPrepared(p);
        signAll(wallet, p.psbt, p.toSign);
        const done = finish(p.psbt, p.amountSent, p.acceptHighFee);
        p.rule?.(done);
        const result = p.result(done);
        if (dryRun) throw new DryRun(result);
        const cs = signedTx(done.txid, done.raw);
        if (p.replaces) cs.statuses.push({ txid: p.replaces.txid, status: 'replaced' });
        persistChangeSet(wallet.database, cs);
        // The replacement takes the send's place in the history, under its label (as Sparrow does).
        if (p.replaces) copyTxLabel(wallet.database, hashToHex(p.replaces.txid), hashToHex(done.txid));
        built = { done, result, replaces: p.replaces };
      }).immediate(),
    );
  } catch (e) {
    if (e instanceof DryRun) return e.result as R;
    throw e;
  }
  faultPoint('send:signed');
  try {
    await broadcastRecorded(sync, built!.done.txid, built!.done.raw);
  } catch (e) {
    const replaced = built!.replaces;
    if (replaced && e instanceof CofferError && e.code === 'invalid-transaction') {
      withDbErrors(() =>
        wallet.database.transaction(() => {
          persistChangeSet(wallet.database, statusChange(replaced.txid, replaced.before));
          putLabel(wallet.database, { type: 'tx', ref: hashToHex(built!.done.txid), label: '' });
        }).immediate(),
      );
    }
    throw e;
  }
  return { ...built!.result, broadcast: true };
}

/** Sign a PSBT this wallet planned itself (its inputs carry our key origins); all `expected` inputs must sign. */
export function signAll(wallet: WalletService, psbt: btc.Transaction, expected: number): void {
  const signatures = wallet.withSeed((seed) => signWithSeed(plannedSigning(psbt), seed, wallet.network));
  applySignatures(psbt, signatures);
  const signed = signatures.length;
  if (signed !== expected) throw new CofferError('invalid-psbt', `Only ${signed} of ${expected} inputs could be signed.`);
}

/** The fee rate to use: the user's, the node's estimate, or the wallet's preset (said which). */
export async function chooseFeeRate(wallet: WalletService, sync: WalletSync, given: number | undefined): Promise<FeeChoice> {
  if (given !== undefined) {
    if (!(given > 0) || given > 1_000_000) throw new CofferError('usage', '--feerate must be a positive number of sat/vB');
    return { feeRate: given, source: 'given' };
  }
  return presetRate(wallet, await sync.fees(), 'normal');
}


function tip(wallet: WalletService): number {
  return Number(wallet.meta('tip_height') ?? '0');
}

/** Finalize, extract and check a signed transaction against Coffer's policy. */
export function finish(psbt: btc.Transaction, amountSent: number, acceptHighFee: boolean): { raw: Uint8Array; txid: Uint8Array; fee: number; vsize: number; feeRate: number } {
  try {
    if (!psbt.isFinal) psbt.finalize();
  } catch (e) {
    throw new CofferError('invalid-psbt', `The transaction cannot be finalized: ${(e as Error).message}.`, { reason: 'finalize' });
  }
  const raw = psbt.extract();
  const tx = parseTx(raw);
  const fee = Number(psbt.fee);
  const weight = psbt.weight;
  const outputs = tx.outputs.map((o) => ({ script: o.script, value: o.value }));
  const { vsize, feeRate } = checkTransaction({ weight, fee, outputs, amountSent, acceptHighFee });
  return { raw, txid: txidOf(tx), fee, vsize, feeRate };
}

export interface SendRequest extends PlanRequest {
  dryRun?: boolean;
  acceptHighFee?: boolean;
  feeSource: string;
}

function planSend(wallet: WalletService, req: PlanRequest): Plan {
  return new SpendService(wallet, loadWalletState(wallet), tip(wallet)).plan(req);
}

/**
 * Plan, sign, record as pending, broadcast. The wallet must be unlocked, or `unlock` given: it
 * runs once the send has passed every check that needs no key.
 */
export async function send(wallet: WalletService, sync: WalletSync, req: SendRequest, unlock?: Unlock): Promise<SendResult> {
  const acceptHighFee = req.acceptHighFee === true;
  return spendOnce(
    wallet,
    sync,
    req.dryRun === true,
    (random) => {
      const plan = planSend(wallet, { ...req, random });
      return { psbt: plan.psbt, toSign: plan.inputs.length, signedWeight: plan.signedWeight, amountSent: plan.amountSent, acceptHighFee, result: (done) => summary(done, req.feeSource) };
    },
    unlock,
  );
}

/**
 * A send as it would be made, checked as the send checks it (the exact signed size included),
 * without a key; planned under the write lock and rolled back, so nothing is handed out or stored.
 */
export function previewSend(wallet: WalletService, req: PlanRequest & { acceptHighFee?: boolean }): { plan: Plan; vsize: number; feeRate: number } {
  return rolledBack(wallet, () => {
    const plan = planSend(wallet, req);
    const { vsize, feeRate } = checkUnsigned(plan.psbt, { signedWeight: plan.signedWeight, amountSent: plan.amountSent, acceptHighFee: req.acceptHighFee === true });
    return { plan, vsize, feeRate };
  });
}

/** Broadcast a transaction already recorded; a definite rejection abandons it so its coins free up. */
export async function broadcastRecorded(sync: WalletSync, txid: Uint8Array, raw: Uint8Array): Promise<void> {
  try {
    await sync.broadcast(txid, raw);
  } catch (e) {
    if (e instanceof CofferError && e.code === 'invalid-transaction') {
      sync.abandon(txid);
      throw e;
    }
    throw new CofferError(
      'backend-unavailable',
      `The transaction is signed and saved, but could not be broadcast now${e instanceof CofferError ? ` (${e.message.replace(/\.$/, '')})` : ''}; the next sync will try again (or abandon it).`,
      { txid: hashToHex(txid), reason: e instanceof CofferError ? e.code : 'error' },
    );
  }
}

/** Give up on one of our unconfirmed transactions that the network does not have. */
export function abandon(wallet: WalletService, txid: Uint8Array): { txid: string; abandoned: true } {
  const status = withDbErrors(() => getTxStatus(wallet.database, txid));
  const w = loadWalletState(wallet).get(txid);
  if (status === undefined || !w) throw new CofferError('unknown-transaction', `This wallet has no transaction ${hashToHex(txid)}.`);
  if (w.confirmation) throw new CofferError('cannot-bump', 'A confirmed transaction cannot be abandoned.', { txid: hashToHex(txid) });
  refuseWithChildren(loadWalletState(wallet), txid, 'abandoned');
  if (status !== 'pending') refuseVaultDeposit(wallet, txid, 'abandoned');
  withDbErrors(() => persistChangeSet(wallet.database, statusChange(txid, 'abandoned')));
  return { txid: hashToHex(txid), abandoned: true };
}

/** A vault's presigned set spends exactly its deposit transaction: replacing it would strand the vault. */
function refuseVaultDeposit(wallet: WalletService, txid: Uint8Array, what: 'abandoned' | 'replaced'): void {
  if (withDbErrors(() => listVaults(wallet.database)).some((v) => hashToHex(v.depositTxid) === hashToHex(txid))) {
    throw new CofferError('cannot-bump', `This transaction funds a vault whose presigned transactions spend exactly it, so it cannot be ${what}; speed it up with CPFP on its change instead.`, { txid: hashToHex(txid) });
  }
}

/** A transaction another of ours spends from cannot go away alone: that one would lose its inputs. */
function refuseWithChildren(state: WalletState, txid: Uint8Array, what: 'abandoned' | 'replaced'): void {
  const children = state.children(txid);
  if (children.length > 0) {
    throw new CofferError('cannot-bump', `Another of your transactions spends from this one, so it cannot be ${what} alone; deal with ${hashToHex(children[0]!.txid)} first.`, {
      txid: hashToHex(txid),
      child: hashToHex(children[0]!.txid),
    });
  }
}

/**
 * RBF: replace our unconfirmed send with one paying a higher fee (BIP125). The recipients stay;
 * the change shrinks, or more confirmed coins join. The new fee must exceed the old by at least
 * the minimum relay fee for the new size, and the new fee rate must be higher.
 */
export async function bump(wallet: WalletService, sync: WalletSync, txid: Uint8Array, feeRate: number, dryRun: boolean, unlock?: Unlock): Promise<BumpResult> {
  return spendOnce(wallet, sync, dryRun, (random) => {
    const state = loadWalletState(wallet);
    const old = state.get(txid);
    if (!old) throw new CofferError('unknown-transaction', `This wallet has no transaction ${hashToHex(txid)}.`);
    if (old.confirmation) throw new CofferError('cannot-bump', 'The transaction is already confirmed.', { txid: hashToHex(txid) });
    refuseWithChildren(state, txid, 'replaced');
    refuseVaultDeposit(wallet, txid, 'replaced');
    if (!old.tx.inputs.every((i) => i.sequence < 0xfffffffe)) throw new CofferError('cannot-bump', 'The transaction does not signal replaceability (BIP125).');
    const prevouts = old.tx.inputs.map((i) => state.get(i.prevTxid)?.tx.outputs[i.vout]);
    if (prevouts.some((p) => !p || !state.ownerOf(p.script))) throw new CofferError('cannot-bump', 'Only a transaction that spends this wallet\'s coins can be replaced.');
    const oldFee = prevouts.reduce((n, p) => n + p!.value, 0) - old.tx.outputs.reduce((n, o) => n + o.value, 0);
    const oldVsize = vsize(old.tx);
    if (feeRate <= oldFee / oldVsize) {
      throw new CofferError('fee-too-low', `The new fee rate must be above the old one (${(oldFee / oldVsize).toFixed(2)} sat/vB).`, {
        feeRateSatPerVb: feeRate,
        requiredSatPerVb: Math.floor((oldFee / oldVsize) * 100) / 100 + 1,
      });
    }
    // What the original was before it is marked replaced: it is again, if the network refuses the replacement.
    const before = getTxStatus(wallet.database, txid) ?? 'seen';
    state.remove(txid);
    const recipients = old.tx.outputs.filter((o) => !(state.ownerOf(o.script)?.chain === 1)).map((o) => ({ script: o.script, amount: o.value }));
    const plan = new SpendService(wallet, state, tip(wallet)).plan(
      {
        recipients,
        feeRate,
        inputs: old.tx.inputs.map((i) => ({ txid: i.prevTxid, vout: i.vout })),
        addInputs: true,
        // BIP125 rule 2: no new unconfirmed inputs.
        exclude: (u) => u.height === undefined,
        random,
      },
    );
    return {
      psbt: plan.psbt,
      toSign: plan.inputs.length,
      signedWeight: plan.signedWeight,
      amountSent: plan.amountSent,
      acceptHighFee: true,
      // BIP125 rules 3 and 4: pay more in absolute terms, by at least the relay fee of the new size.
      rule: ({ fee, vsize: size }) => {
        if (fee < oldFee + size) {
          throw new CofferError('fee-too-low', `A replacement must pay at least ${oldFee + size} sats; raise the fee rate.`, { feeSat: fee, requiredFeeSat: oldFee + size });
        }
      },
      result: (done) => ({ ...summary(done, 'given'), replaces: hashToHex(txid) }),
      replaces: { txid, before },
    };
  }, unlock);
}

/**
 * CPFP: spend one of our outputs of an unconfirmed transaction back to ourselves with a fee that
 * lifts parent and child together to `feeRate`. When the parent's fee is unknown (an incoming
 * payment) the child pays for both as if the parent paid nothing.
 */
export async function cpfp(wallet: WalletService, sync: WalletSync, outpoint: { txid: Uint8Array; vout: number }, feeRate: number, dryRun: boolean, unlock?: Unlock): Promise<CpfpResult> {
  return spendOnce(wallet, sync, dryRun, () => {
    checkFeeRate(feeRate);
    const state = loadWalletState(wallet);
    const parent = state.get(outpoint.txid);
    if (!parent) throw new CofferError('unknown-transaction', `This wallet has no transaction ${hashToHex(outpoint.txid)}.`);
    if (parent.confirmation) throw new CofferError('cannot-bump', 'The parent is already confirmed; it needs no help.');
    const out = parent.tx.outputs[outpoint.vout];
    if (!out || !state.ownerOf(out.script)) throw new CofferError('invalid-outpoint', 'That output does not belong to this wallet.');
    const prevouts = parent.tx.inputs.map((i) => state.get(i.prevTxid)?.tx.outputs[i.vout]);
    const parentFeeKnown = prevouts.every((p) => p !== undefined);
    const parentFee = parentFeeKnown ? prevouts.reduce((n, p) => n + p!.value, 0) - parent.tx.outputs.reduce((n, o) => n + o.value, 0) : 0;
    const parentVsize = vsize(parent.tx);
    const service = new SpendService(wallet, state, tip(wallet));
    const utxo = state.utxos().find((u) => u.vout === outpoint.vout && hashToHex(u.txid) === hashToHex(outpoint.txid));
    if (!utxo) throw new CofferError('invalid-outpoint', 'That output is already spent.');
    if (listFrozen(wallet.database).some((o) => o.vout === outpoint.vout && hashToHex(o.txid) === hashToHex(outpoint.txid))) {
      throw new CofferError('invalid-outpoint', 'That output is frozen; unfreeze it to spend it.');
    }
    const change = wallet.nextChange();
    const childWeight = txOverheadWeight(1, 1, true) + inputWeight(service.origins.kindOf(utxo.owner)) + outputWeight(change.script);
    const childVsize = vsizeOf(childWeight);
    const fee = Math.max(feeForWeight((parentVsize + childVsize) * 4, feeRate) - parentFee, childVsize);
    const value = out.value - fee;
    const dust = dustThreshold(change.script);
    if (value < dust) {
      throw new CofferError('insufficient-funds', `The output is too small to pay a ${fee}-sat fee for both transactions.`, {
        neededSat: fee + dust,
        availableSat: out.value,
        shortfallSat: fee + dust - out.value,
      });
    }
    return {
      psbt: buildPsbt([service.inputFor(utxo)], [{ script: change.script, value, origin: service.origins.origin(change.owner) }], tip(wallet)),
      toSign: 1,
      signedWeight: signedWeight([service.origins.kindOf(utxo.owner)], [change.script]),
      amountSent: 0,
      acceptHighFee: true,
      result: (done) => ({
        ...summary(done, 'given'),
        parent: hashToHex(outpoint.txid),
        packageFeerate: Math.round(((parentFee + done.fee) / (parentVsize + done.vsize)) * 1000) / 1000,
        parentFeeKnown,
      }),
    };
  }, unlock);
}
