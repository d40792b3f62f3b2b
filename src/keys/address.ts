// Addresses <-> output scripts (base58check P2PKH/P2SH, BIP173/BIP350 segwit v0..v16).
//
// Decoding tells an address of another network (`wrong-network`) apart from one that is
// malformed (`invalid-address`), so the user learns which mistake they made.

import { base58check as base58checkFactory, bech32, bech32m } from '@scure/base';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CofferError } from '../api/errors.js';
import { keyParams, NETWORKS, type Network } from './networks.js';

const base58check = base58checkFactory(sha256);

export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

export const scripts = {
  p2pkh: (h: Uint8Array) => concat([0x76, 0xa9, 0x14], h, [0x88, 0xac]),
  p2sh: (h: Uint8Array) => concat([0xa9, 0x14], h, [0x87]),
  p2wpkh: (h: Uint8Array) => concat([0x00, 0x14], h),
  p2wsh: (h: Uint8Array) => concat([0x00, 0x20], h),
  p2tr: (xonly: Uint8Array) => concat([0x51, 0x20], xonly),
  witness: (version: number, program: Uint8Array) =>
    concat([version === 0 ? 0 : 0x50 + version, program.length], program),
};

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export type ScriptType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness-unknown';

/** Recognize a standard output script; undefined for anything an address cannot express. */
export function classifyScript(s: Uint8Array): { type: ScriptType; version?: number; program: Uint8Array } | undefined {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) {
    return { type: 'p2pkh', program: s.subarray(3, 23) };
  }
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) {
    return { type: 'p2sh', program: s.subarray(2, 22) };
  }
  const op = s[0] ?? -1;
  const len = s[1] ?? -1;
  if (s.length >= 4 && s.length <= 42 && len === s.length - 2 && (op === 0 || (op >= 0x51 && op <= 0x60))) {
    const version = op === 0 ? 0 : op - 0x50;
    const program = s.subarray(2);
    if (version === 0 && len === 20) return { type: 'p2wpkh', version, program };
    if (version === 0 && len === 32) return { type: 'p2wsh', version, program };
    if (version === 0) return undefined;
    if (version === 1 && len === 32) return { type: 'p2tr', version, program };
    return { type: 'witness-unknown', version, program };
  }
  return undefined;
}

export function scriptToAddress(script: Uint8Array, network: Network): string | undefined {
  const c = classifyScript(script);
  if (!c) return undefined;
  const p = keyParams(network).address;
  if (c.type === 'p2pkh') return base58check.encode(concat([p.pubKeyHash], c.program));
  if (c.type === 'p2sh') return base58check.encode(concat([p.scriptHash], c.program));
  const words = [c.version ?? 0, ...bech32.toWords(c.program)];
  return c.version === 0 ? bech32.encode(p.bech32, words) : bech32m.encode(p.bech32, words);
}

function invalid(reason: string): CofferError {
  return new CofferError('invalid-address', `This is not a valid Bitcoin address (${reason}).`, { reason });
}

/** The output script an address pays to, checked against the network. */
export function addressToScript(address: string, network: Network): Uint8Array {
  const decoded = decodeAddress(address.trim());
  const p = keyParams(network).address;
  const matches =
    decoded.kind === 'segwit' ? decoded.hrp === p.bech32 : decoded.version === p.pubKeyHash || decoded.version === p.scriptHash;
  if (!matches) {
    const other = NETWORKS.find((n) => {
      const q = keyParams(n).address;
      return decoded.kind === 'segwit' ? decoded.hrp === q.bech32 : decoded.version === q.pubKeyHash || decoded.version === q.scriptHash;
    });
    if (other === undefined) throw invalid('unknown prefix');
    throw new CofferError('wrong-network', `This address is for the ${other} network, not ${network}.`, {
      addressNetwork: other,
      network,
    });
  }
  if (decoded.kind === 'segwit') return scripts.witness(decoded.witnessVersion, decoded.program);
  return decoded.version === p.pubKeyHash ? scripts.p2pkh(decoded.hash) : scripts.p2sh(decoded.hash);
}

type Decoded =
  | { kind: 'segwit'; hrp: string; witnessVersion: number; program: Uint8Array }
  | { kind: 'base58'; version: number; hash: Uint8Array };

function decodeAddress(address: string): Decoded {
  if (address.length === 0) throw invalid('empty');
  const lower = address.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  const isBech32 = NETWORKS.some((n) => keyParams(n).address.bech32 === hrp);
  if (isBech32) return decodeSegwit(address, hrp);
  let raw: Uint8Array;
  try {
    raw = base58check.decode(address);
  } catch {
    throw invalid('bad encoding or checksum');
  }
  if (raw.length !== 21) throw invalid('wrong length');
  return { kind: 'base58', version: raw[0] ?? -1, hash: raw.slice(1) };
}

function decodeSegwit(address: string, hrp: string): Decoded {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) throw invalid('mixed case');
  const lower = address.toLowerCase();
  const asM = bech32m.decodeUnsafe(lower, 90);
  const as0 = asM ? undefined : bech32.decodeUnsafe(lower, 90);
  const dec = asM ?? as0;
  if (!dec) throw invalid('bad checksum or characters');
  const [witnessVersion, ...rest] = dec.words;
  if (witnessVersion === undefined) throw invalid('empty data');
  if (witnessVersion > 16) throw invalid('witness version above 16');
  if (witnessVersion === 0 && !as0) throw invalid('version 0 must use bech32');
  if (witnessVersion !== 0 && !asM) throw invalid('version 1 and above must use bech32m');
  const program = bech32.fromWordsUnsafe(rest);
  if (!program) throw invalid('bad padding');
  if (program.length < 2 || program.length > 40) throw invalid('program length');
  if (witnessVersion === 0 && program.length !== 20 && program.length !== 32) throw invalid('program length for version 0');
  return { kind: 'segwit', hrp, witnessVersion, program };
}
