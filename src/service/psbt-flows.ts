// The PSBT operations: create (an unsigned PSBT with key origins for another signer), read,
// review, sign (only the wallet's own coins, after the review), finalize, combine, broadcast.

import * as btc from '@scure/btc-signer';
import { base64 } from '@scure/base';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { getTxStatus } from '../db/tx-store.js';
import { signedTx } from '../wallet/change-set.js';
import { reviewPsbtWith, type PsbtReview, type PsbtSummary } from '../wallet/psbt-review.js';
import { addInputRecords } from '../wallet/psbt-records.js';
import { signatureRecords } from '../wallet/psbt-signer.js';
import { checkInputCount } from '../wallet/policy.js';
import { broadcastRecorded, finish } from './spend-flows.js';
import { signWithSeed, SpendService, walletFacts, type PlanRequest } from './spend-service.js';
import { loadWalletState, type WalletSync } from './wallet-sync.js';
import type { WalletService } from './wallet-service.js';

/** An unsigned PSBT with key origins, for a hardware wallet or offline signer. Reserves nothing. */
export function createPsbt(wallet: WalletService, req: PlanRequest): string {
  const plan = withDbErrors(() =>
    wallet.database.transaction(() => new SpendService(wallet, loadWalletState(wallet), Number(wallet.meta('tip_height') ?? '0')).plan(req)).immediate(),
  );
  return base64.encode(plan.psbt.toPSBT());
}

/** A PSBT's bytes from a file's content: binary, base64 text, or a JSON string of base64. */
export function psbtBytes(data: Uint8Array): Uint8Array {
  if (data[0] === 0x70 && data[1] === 0x73 && data[2] === 0x62 && data[3] === 0x74) return data;
  let b64 = new TextDecoder().decode(data).trim();
  if (b64.startsWith('"')) {
    try {
      b64 = JSON.parse(b64) as string;
    } catch {
      b64 = '';
    }
  }
  try {
    return base64.decode(String(b64).replace(/\s+/g, ''));
  } catch {
    throw new CofferError('invalid-psbt', 'The file does not hold a PSBT (binary, base64, or a JSON string of base64).', { reason: 'encoding' });
  }
}

/** Parse PSBT bytes; more inputs than a standard transaction can have are refused first. */
export function parsePsbt(bytes: Uint8Array): btc.Transaction {
  const declared = declaredInputs(bytes);
  if (declared !== undefined) checkInputCount(declared);
  let psbt: btc.Transaction;
  try {
    psbt = btc.Transaction.fromPSBT(bytes, { allowUnknownOutputs: true, allowUnknownInputs: true });
  } catch (e) {
    throw new CofferError('invalid-psbt', `The PSBT is invalid: ${(e as Error).message}.`, { reason: 'parse' });
  }
  checkInputCount(psbt.inputsLength);
  return psbt;
}

/** Read a PSBT from a file's content (see psbtBytes). */
export function readPsbt(data: Uint8Array): btc.Transaction {
  return parsePsbt(psbtBytes(data));
}

/**
 * The input count of a v0 PSBT's unsigned transaction, read from its first record without parsing
 * the rest (so a PSBT of a million inputs is refused at once); undefined if it is not laid out so.
 */
function declaredInputs(bytes: Uint8Array): number | undefined {
  // magic (5), key length 1, key type 0x00 (unsigned tx), value length (compact size), version (4)
  if (bytes.length < 12 || bytes[5] !== 1 || bytes[6] !== 0) return undefined;
  const lenPrefix = bytes[7]!;
  const at = 8 + (lenPrefix < 0xfd ? 0 : lenPrefix === 0xfd ? 2 : lenPrefix === 0xfe ? 4 : 8) + 4;
  const n = bytes[at];
  if (n === undefined) return undefined;
  if (n < 0xfd) return n;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (n === 0xfd && at + 3 <= bytes.length) return view.getUint16(at + 1, true);
  if (n === 0xfe && at + 5 <= bytes.length) return view.getUint32(at + 1, true);
  if (n === 0xff && at + 9 <= bytes.length) return Number(view.getBigUint64(at + 1, true));
  return undefined;
}

/**
 * What signing `psbt` would do (psbt-review.ts): which inputs are this wallet's and will be
 * signed, the outputs (which return to the wallet), the fee. Refuses a PSBT whose amounts
 * disagree with its previous transactions or the wallet's records. Needs no password.
 */
export function reviewPsbt(wallet: WalletService, psbt: btc.Transaction): PsbtReview {
  return reviewPsbtWith(psbt, walletFacts(wallet, loadWalletState(wallet)));
}

/**
 * Sign the inputs a review chose: the wallet's own coins, each with the key of its own descriptor
 * path. Inputs without key origins (PSBTs from other software) get Coffer's. The wallet must be
 * unlocked.
 */
export function signPsbt(
  wallet: WalletService,
  bytes: Uint8Array,
  psbt: btc.Transaction = parsePsbt(bytes),
  review: PsbtReview = reviewPsbt(wallet, psbt),
): { psbt: string; signed: number; summary: PsbtSummary } {
  if (review.targets.length === 0) throw new CofferError('invalid-psbt', 'None of the inputs can be signed by this wallet (not its coins, or signed already).', { reason: 'nothing to sign' });
  const signatures = wallet.withSeed((seed) => signWithSeed(review, seed, wallet.network));
  if (signatures.length !== review.targets.length) {
    throw new CofferError('invalid-psbt', `Only ${signatures.length} of ${review.targets.length} inputs could be signed: an input names another key of this wallet than the one its script needs.`, { reason: 'keys' });
  }
  // The PSBT as given, with our records added (re-encoding it whole is quadratic in btc-signer).
  const signed = addInputRecords(bytes, psbt.inputsLength, signatureRecords(signatures));
  return { psbt: base64.encode(signed), signed: signatures.length, summary: review.summary };
}

export function finalizePsbt(psbt: btc.Transaction): string {
  try {
    if (!psbt.isFinal) psbt.finalize();
  } catch (e) {
    throw new CofferError('invalid-psbt', `The PSBT cannot be finalized: ${(e as Error).message}.`, { reason: 'finalize' });
  }
  return base64.encode(psbt.toPSBT());
}

export function combinePsbts(psbts: btc.Transaction[]): string {
  const [first, ...rest] = psbts;
  if (!first) throw new CofferError('usage', 'psbt combine needs at least one file');
  for (const p of rest) {
    try {
      first.combine(p);
    } catch (e) {
      throw new CofferError('invalid-psbt', `These PSBTs cannot be combined: ${(e as Error).message}.`, { reason: 'combine' });
    }
  }
  return base64.encode(first.toPSBT());
}

/** Finalize if needed, check policy, record and broadcast. */
export async function broadcastPsbt(wallet: WalletService, sync: WalletSync, psbt: btc.Transaction, acceptHighFee: boolean): Promise<{ txid: string }> {
  const state = loadWalletState(wallet);
  let sent = 0;
  for (let i = 0; i < psbt.outputsLength; i++) {
    const o = psbt.getOutput(i);
    if (o.script && !state.ownerOf(o.script)) sent += Number(o.amount ?? 0n);
  }
  const done = finish(psbt, sent, acceptHighFee);
  withDbErrors(() => {
    if (getTxStatus(wallet.database, done.txid) === undefined) {
      persistChangeSet(wallet.database, signedTx(done.txid, done.raw));
    }
  });
  await broadcastRecorded(sync, done.txid, done.raw);
  return { txid: hashToHex(done.txid) };
}
