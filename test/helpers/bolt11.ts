// A signed BOLT 11 invoice made from its fields, for tests that decode invoices without running
// a Lightning node: bech32 words per the spec, signed with @noble/curves (recoverable signature).

import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from '@scure/base';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

export interface InvoiceFields {
  /** lnbcrt, lnbc, lntb, lntbs, with an amount as BOLT 11 writes it (e.g. lnbcrt25u). */
  hrp: string;
  timestamp: number;
  paymentHash: Uint8Array;
  paymentSecret: Uint8Array;
  description: string;
  expiry?: number;
  payeeKey: Uint8Array;
  /** `r` fields: each a route of hops (node id 33 bytes, short channel id as a number). */
  routeHints?: { nodeId: Uint8Array; scid: bigint; baseMsat: number; ppm: number; cltvDelta: number }[][];
}

/** One `r` field's bytes: per hop, node id | short channel id (8) | base fee (4) | ppm (4) | cltv delta (2). */
function routeBytes(route: NonNullable<InvoiceFields['routeHints']>[number]): Uint8Array {
  const out = new Uint8Array(51 * route.length);
  const view = new DataView(out.buffer);
  route.forEach((h, i) => {
    out.set(h.nodeId, 51 * i);
    view.setBigUint64(51 * i + 33, h.scid);
    view.setUint32(51 * i + 41, h.baseMsat);
    view.setUint32(51 * i + 45, h.ppm);
    view.setUint16(51 * i + 49, h.cltvDelta);
  });
  return out;
}

function intWords(n: number, length?: number): number[] {
  const out: number[] = [];
  do {
    out.unshift(n % 32);
    n = Math.floor(n / 32);
  } while (n > 0);
  while (length !== undefined && out.length < length) out.unshift(0);
  return out;
}

/** Bytes to 5-bit words, zero bits padded at the end. */
function toWords(bytes: Uint8Array): number[] {
  return bech32.toWords(bytes);
}

/** 5-bit words to bytes, zero bits padded to a byte boundary (the spec's signing rule). */
function wordsToPaddedBytes(words: number[]): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const w of words) {
    acc = (acc << 5) | w;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Uint8Array.from(out);
}

function field(letter: string, words: number[]): number[] {
  return [CHARSET.indexOf(letter), ...intWords(words.length, 2), ...words];
}

export function makeInvoice(f: InvoiceFields): string {
  const words = [
    ...intWords(f.timestamp, 7),
    ...field('p', toWords(f.paymentHash)),
    ...field('s', toWords(f.paymentSecret)),
    ...field('d', toWords(new TextEncoder().encode(f.description))),
    ...(f.expiry !== undefined ? field('x', intWords(f.expiry)) : []),
    ...(f.routeHints ?? []).flatMap((route) => field('r', toWords(routeBytes(route)))),
    // var_onion_optin (8) and payment_secret (14), both required.
    ...field('9', intWords(2 ** 14 + 2 ** 8)),
  ];
  const message = new Uint8Array([...new TextEncoder().encode(f.hrp), ...wordsToPaddedBytes(words)]);
  const recovered = secp256k1.sign(sha256(message), f.payeeKey, { prehash: false, format: 'recovered' });
  // noble puts the recovery id first; BOLT 11 wants r || s || recovery id.
  const signature = new Uint8Array([...recovered.slice(1), recovered[0]!]);
  return bech32.encode(f.hrp, [...words, ...toWords(signature)], false);
}
