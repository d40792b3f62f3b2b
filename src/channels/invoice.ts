// A BOLT 11 invoice as LDK parses and checks it (signature, fields), for `ln.decode`: what it
// asks, of whom, for which network, until when, by which private routes. Needs no running node.

import * as ldk from 'lightningdevkit';
import type { InvoiceInfo, RouteHintHop } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import { hex, loadLdk, optionU64 } from './ldk.js';

/** The invoice in pasted text: spaces around it and a `lightning:` prefix (any case) dropped. */
export function invoiceText(text: string): string {
  return text.trim().replace(/^lightning:/i, '');
}

/** Parse and check an invoice; `lightning:` prefix and spaces around it allowed. */
export async function decodeInvoice(text: string): Promise<InvoiceInfo> {
  await loadLdk();
  const trimmed = invoiceText(text);
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
    routeHints: inv.route_hints().map((hint) => hint.get_a().map(hop)),
  };
}

/** A short channel id as people write it: block x transaction x output. */
export function shortChannelId(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

function hop(h: ldk.RouteHintHop): RouteHintHop {
  const fees = h.get_fees();
  return {
    nodeId: hex(h.get_src_node_id()),
    shortChannelId: shortChannelId(h.get_short_channel_id()),
    baseFeeMsat: fees.get_base_msat(),
    proportionalMillionths: fees.get_proportional_millionths(),
    cltvExpiryDelta: h.get_cltv_expiry_delta(),
  };
}
