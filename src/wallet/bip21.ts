// BIP21 payment URIs: build and parse (address, amount, label, message).
//
// Parsing is syntax only; `parsePaymentUri` also checks the address against the network.
// Unknown `req-` parameters make the URI unusable, as BIP21 requires; other unknown
// parameters are kept in `extra` and otherwise ignored.

import { CofferError } from '../api/errors.js';
import { addressToScript } from '../keys/address.js';
import type { Network } from '../keys/networks.js';
import { formatBtc, parseBtc } from '../api/amount.js';

export interface PaymentRequest {
  address: string;
  amountSat?: number;
  label?: string;
  message?: string;
  extra?: Record<string, string>;
}

function invalid(reason: string, details: Record<string, string> = {}): CofferError {
  return new CofferError('invalid-uri', `This payment link is not valid: ${reason}.`, { reason, ...details });
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid(`bad percent-encoding in ${what}`);
  }
}

export function parseBip21(uri: string): PaymentRequest {
  const text = uri.trim();
  const colon = text.indexOf(':');
  if (colon < 0 || text.slice(0, colon).toLowerCase() !== 'bitcoin') throw invalid('it does not start with "bitcoin:"');
  const rest = text.slice(colon + 1);
  const q = rest.indexOf('?');
  const address = decode(q < 0 ? rest : rest.slice(0, q), 'the address');
  if (address === '') throw invalid('it has no address');
  const out: PaymentRequest = { address };
  if (q < 0) return out;
  const seen = new Set<string>();
  const extra: Record<string, string> = {};
  for (const pair of rest.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), 'a parameter name');
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1), `parameter ${key}`);
    if (seen.has(key)) throw invalid(`parameter ${key} appears twice`, { param: key });
    seen.add(key);
    if (key === 'amount') {
      try {
        out.amountSat = parseBtc(value);
      } catch {
        throw invalid(`the amount "${value}" is not a decimal number of bitcoin`, { param: 'amount' });
      }
    } else if (key === 'label') out.label = value;
    else if (key === 'message') out.message = value;
    else if (key.startsWith('req-')) throw invalid(`it requires "${key}", which Coffer does not understand`, { param: key });
    else extra[key] = value;
  }
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}

/** Parse and check the address belongs to `network` (`invalid-address`, `wrong-network`). */
export function parsePaymentUri(uri: string, network: Network): PaymentRequest {
  const req = parseBip21(uri);
  addressToScript(req.address, network);
  return req;
}

export function buildBip21(req: PaymentRequest): string {
  const params: string[] = [];
  if (req.amountSat !== undefined) params.push(`amount=${formatBtc(req.amountSat)}`);
  if (req.label) params.push(`label=${encodeURIComponent(req.label)}`);
  if (req.message) params.push(`message=${encodeURIComponent(req.message)}`);
  return `bitcoin:${req.address}${params.length ? `?${params.join('&')}` : ''}`;
}
