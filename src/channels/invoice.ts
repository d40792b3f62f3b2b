// A BOLT 11 invoice as LDK parses and checks it (signature, fields), for `ln.decode`: what it
// asks, of whom, for which network, until when. Needs no running node.

import * as ldk from 'lightningdevkit';
import type { InvoiceInfo } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { hex, loadLdk, optionU64 } from './ldk.js';

/** Parse and check an invoice; `lightning:` prefix and spaces around it allowed. */
export async function decodeInvoice(text: string): Promise<InvoiceInfo> {
  await loadLdk();
  const trimmed = text.trim().replace(/^lightning:/i, '');
  const parsed = ldk.Bolt11Invoice.constructor_from_str(trimmed);
  if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new CofferError('invalid-invoice', 'This is not a valid BOLT 11 invoice.');
  const inv = parsed.res;
  const recovered = inv.clone().into_signed_raw().recover_payee_pub_key();
  if (!(recovered instanceof ldk.Result_PayeePubKeySecp256k1ErrorZ_OK)) throw new CofferError('invalid-invoice', 'The payee of this invoice cannot be read from its signature.');
  const networks = [
    [ldk.Currency.LDKCurrency_Bitcoin, 'main'],
    [ldk.Currency.LDKCurrency_BitcoinTestnet, 'test'],
    [ldk.Currency.LDKCurrency_Signet, 'signet'],
    [ldk.Currency.LDKCurrency_Regtest, 'regtest'],
  ] as const;
  const network = networks.find(([c]) => c === inv.currency())?.[1] ?? 'other';
  const amount = optionU64(inv.amount_milli_satoshis());
  if (amount !== undefined && amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new CofferError('invalid-invoice', 'This invoice asks for more than can be paid.');
  const description = inv.clone().into_signed_raw().raw_invoice().description();
  const createdAt = Number(inv.duration_since_epoch());
  const expiresAt = createdAt + Number(inv.expiry_time());
  return {
    network,
    paymentHash: hex(inv.payment_hash()),
    payee: hex(recovered.res.get_a()),
    ...(amount !== undefined ? { amountMsat: Number(amount) } : {}),
    // A description given only as its hash has no text.
    ...(description ? { description: description.as_inner().get_a() } : {}),
    createdAt,
    expiresAt,
    expired: Boolean(inv.would_expire(BigInt(Math.floor(Date.now() / 1000)))),
    minFinalCltvExpiry: Number(inv.min_final_cltv_expiry_delta()),
  };
}
