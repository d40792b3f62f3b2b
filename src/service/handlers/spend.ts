// The contract's fee bumps, CPFP, abandon and PSBT methods: `send.bump`, `send.cpfp`,
// `tx.abandon`, `psbt.*`. The flows are spend-flows.ts and psbt-flows.ts; this file turns contract params into
// their arguments. PSBTs arrive and leave as base64 text: files are the CLI's business.

import { base64 } from '@scure/base';
import { CofferError } from '../../api/errors.js';
import { hexToHash } from '../../chain/bytes.js';
import { broadcastPsbt, combinePsbts, createPsbt, finalizePsbt, parsePsbt, reviewPsbt, signPsbt } from '../psbt-flows.js';
import { abandon, bump, cpfp, type Unlock } from '../spend-flows.js';
import { parseOutpoint } from '../spend-service.js';
import type { WalletService } from '../wallet-service.js';
import type { CoreHost, HandlerMap } from './handler.js';

export type SpendMethods = 'send.bump' | 'send.cpfp' | 'tx.abandon' | 'psbt.create' | 'psbt.review' | 'psbt.sign' | 'psbt.finalize' | 'psbt.combine' | 'psbt.broadcast';

/** A PSBT's bytes from the contract's base64; the same typed error as a file that holds no PSBT. */
export function psbtFromBase64(text: string): Uint8Array {
  try {
    return base64.decode(text.replace(/\s+/g, ''));
  } catch {
    throw new CofferError('invalid-psbt', 'The PSBT is not valid base64.', { reason: 'encoding' });
  }
}

/**
 * Turns `password` into a key once a spend's checks have passed: unlocks a locked wallet, or
 * checks the password of an unlocked one. Without a password the wallet must be unlocked already.
 */
export function unlockWith(w: WalletService, password: string | undefined): Unlock | undefined {
  if (password === undefined) return undefined;
  return () => (w.locked ? w.unlock(password) : w.checkPassword(password));
}

function txidParam(txid: string): Uint8Array {
  const h = hexToHash(txid);
  if (!h) throw new CofferError('usage', 'A txid is 64 hex digits.');
  return h;
}

export function spendHandlers(host: CoreHost): HandlerMap<SpendMethods> {
  return {
    'send.bump': async (p) => {
      const w = host.wallet();
      const r = await bump(w, await host.syncSession(), txidParam(p.txid), p.feeRate, p.dryRun, unlockWith(w, p.password));
      if (r.broadcast) host.changed();
      return r;
    },
    'send.cpfp': async (p) => {
      const w = host.wallet();
      const r = await cpfp(w, await host.syncSession(), parseOutpoint(p.outpoint), p.feeRate, p.dryRun, unlockWith(w, p.password));
      if (r.broadcast) host.changed();
      return r;
    },
    'tx.abandon': ({ txid }) => {
      const r = abandon(host.wallet(), txidParam(txid));
      host.changed();
      return r;
    },
    'psbt.create': async (p) => {
      const w = host.wallet();
      const rate = await host.feeRate(p.feeRate, p.feePreset);
      return { psbt: createPsbt(w, { recipients: p.recipients, feeRate: rate.feeRate, ...(p.inputs ? { inputs: p.inputs.map(parseOutpoint) } : {}) }) };
    },
    'psbt.review': ({ psbt }) => ({ summary: reviewPsbt(host.wallet(), parsePsbt(psbtFromBase64(psbt))).summary }),
    'psbt.sign': (p) => {
      const w = host.wallet();
      const bytes = psbtFromBase64(p.psbt);
      const psbt = parsePsbt(bytes);
      const review = reviewPsbt(w, psbt);
      // Nothing of ours to sign is said first (signPsbt), without a key; anything to sign needs the password.
      if (review.targets.length > 0) {
        if (p.password === undefined) throw new CofferError('password-required', 'Signing a PSBT needs the wallet\'s password.', { field: 'password' });
        unlockWith(w, p.password)!();
      }
      return signPsbt(w, bytes, psbt, review);
    },
    'psbt.finalize': ({ psbt }) => ({ psbt: finalizePsbt(parsePsbt(psbtFromBase64(psbt))) }),
    'psbt.combine': ({ psbts }) => ({ psbt: combinePsbts(psbts.map((t) => parsePsbt(psbtFromBase64(t)))) }),
    'psbt.broadcast': async (p) => {
      const w = host.wallet();
      const r = await broadcastPsbt(w, await host.syncSession(), parsePsbt(psbtFromBase64(p.psbt)), p.acceptHighFee);
      host.changed();
      return r;
    },
  };
}
