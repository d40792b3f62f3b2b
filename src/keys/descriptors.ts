// Output script descriptors (BIP380-386), public keys only: parse, print, derive scripts.
//
// Supported: pk(), pkh(), wpkh(), sh(pk|pkh|wpkh), tr(KEY) (key path only), addr(), raw().
// Private keys in a descriptor are refused: descriptors are stored and shown in the clear.

import { HDKey } from '@scure/bip32';
import { base58check as base58checkFactory } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2tr } from '@scure/btc-signer';
import { CofferError } from '../api/errors.js';
import { addressToScript, hash160, scripts } from './address.js';
import { checkDescriptorChecksum, descriptorChecksum } from './descriptor-checksum.js';
import { keyParams, NETWORKS, type Network } from './networks.js';

const base58check = base58checkFactory(sha256);
export const HARDENED = 0x80000000;

export interface KeyOrigin {
  /** 8 lowercase hex characters. */
  fingerprint: string;
  path: number[];
}

export type KeyExpr =
  | { kind: 'const'; origin?: KeyOrigin; pubkey: Uint8Array }
  | { kind: 'xpub'; origin?: KeyOrigin; xpub: string; path: number[]; wildcard: boolean };

type KeyFn = 'pk' | 'pkh' | 'wpkh' | 'tr';
export type Descriptor =
  | { type: KeyFn; key: KeyExpr }
  | { type: 'sh'; inner: { type: 'pk' | 'pkh' | 'wpkh'; key: KeyExpr } }
  | { type: 'addr'; address: string; script: Uint8Array }
  | { type: 'raw'; script: Uint8Array };

function invalid(reason: string): CofferError {
  return new CofferError('invalid-descriptor', `This descriptor is not valid: ${reason}.`, { reason });
}

/** Parse a descriptor; the checksum is verified when present and required when `requireChecksum`. */
export function parseDescriptor(text: string, network: Network, opts: { requireChecksum?: boolean } = {}): Descriptor {
  const cs = checkDescriptorChecksum(text.trim());
  if (!cs.ok) throw invalid(cs.reason);
  if (opts.requireChecksum && !cs.hadChecksum) throw invalid('missing checksum');
  return parseScript(cs.body, network, 'top');
}

function splitCall(s: string): { fn: string; arg: string } {
  const open = s.indexOf('(');
  if (open <= 0 || !s.endsWith(')')) throw invalid(`expected a script expression, got "${abbreviate(s)}"`);
  return { fn: s.slice(0, open), arg: s.slice(open + 1, -1) };
}

function abbreviate(s: string): string {
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}

function parseScript(s: string, network: Network, ctx: 'top' | 'sh'): Descriptor {
  const { fn, arg } = splitCall(s);
  switch (fn) {
    case 'pk':
    case 'pkh':
    case 'wpkh':
      return { type: fn, key: parseKey(arg, network, fn) };
    case 'tr':
      if (ctx !== 'top') throw invalid('tr() must be at the top level');
      if (splitTopLevel(arg).length > 1) throw invalid('taproot script trees are not supported');
      return { type: 'tr', key: parseKey(arg, network, 'tr') };
    case 'sh': {
      if (ctx !== 'top') throw invalid('sh() must be at the top level');
      const inner = parseScript(arg, network, 'sh');
      if (inner.type === 'pk' || inner.type === 'pkh' || inner.type === 'wpkh') {
        return { type: 'sh', inner: { type: inner.type, key: inner.key } };
      }
      throw invalid(`sh(${inner.type}()) is not supported`);
    }
    case 'addr':
      if (ctx !== 'top') throw invalid('addr() must be at the top level');
      return { type: 'addr', address: arg, script: addressToScript(arg, network) };
    case 'raw':
      if (ctx !== 'top') throw invalid('raw() must be at the top level');
      if (!/^([0-9a-fA-F]{2})+$/.test(arg)) throw invalid('raw() needs hex');
      return { type: 'raw', script: hexToBytes(arg.toLowerCase()) };
    default:
      throw invalid(`unsupported script expression ${fn}()`);
  }
}

/** Split at commas that are not nested inside (), [] or {}. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** A BIP32 path element: digits, optionally followed by h or ' for hardened. */
function parsePathElement(el: string): number {
  const m = /^(\d+)(['h]?)$/.exec(el);
  if (!m) throw invalid(`bad derivation step "${abbreviate(el)}"`);
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n >= HARDENED) throw invalid(`derivation index ${m[1]} out of range`);
  return m[2] ? n + HARDENED : n;
}

function parseOrigin(s: string): { origin?: KeyOrigin; rest: string } {
  if (!s.startsWith('[')) {
    if (s.includes(']')) throw invalid('key origin without "["');
    return { rest: s };
  }
  const close = s.indexOf(']');
  if (close < 0) throw invalid('unterminated key origin');
  const [fp, ...steps] = s.slice(1, close).split('/');
  if (fp === undefined || !/^[0-9a-fA-F]{8}$/.test(fp)) throw invalid('key origin fingerprint must be 8 hex characters');
  const rest = s.slice(close + 1);
  if (rest.includes('[') || rest.includes(']')) throw invalid('more than one key origin');
  return { origin: { fingerprint: fp.toLowerCase(), path: steps.map(parsePathElement) }, rest };
}

function parseKey(s: string, network: Network, fn: KeyFn): KeyExpr {
  if (s.includes('(')) throw invalid(`${fn}() takes a key, not a script`);
  const { origin, rest } = parseOrigin(s);
  if (rest === '') throw invalid('key origin with no key');
  const [keyText = '', ...steps] = rest.split('/');
  const withOrigin = <T extends object>(k: T) => (origin ? { ...k, origin } : k);

  if (/^[0-9a-fA-F]+$/.test(keyText)) {
    if (steps.length > 0) throw invalid('a plain public key cannot have derivation steps');
    const pubkey = hexToBytes(keyText.toLowerCase());
    checkPubkey(pubkey, fn);
    return withOrigin({ kind: 'const' as const, pubkey });
  }

  let raw: Uint8Array;
  try {
    raw = base58check.decode(keyText);
  } catch {
    throw invalid('key is neither hex nor a valid extended key');
  }
  if (raw.length === 33 || raw.length === 34) throw invalid('private keys are not accepted in descriptors');
  if (raw.length !== 78) throw invalid('key is neither hex nor a valid extended key');
  const version = ((raw[0] ?? 0) << 24 | (raw[1] ?? 0) << 16 | (raw[2] ?? 0) << 8 | (raw[3] ?? 0)) >>> 0;
  const own = keyParams(network).bip32;
  if (version === own.private || NETWORKS.some((n) => keyParams(n).bip32.private === version)) {
    throw invalid('private keys are not accepted in descriptors');
  }
  if (version !== own.public) {
    const other = NETWORKS.find((n) => keyParams(n).bip32.public === version);
    if (other) {
      throw new CofferError('wrong-network', `This extended key is for the ${other} network, not ${network}.`, {
        keyNetwork: other,
        network,
      });
    }
    throw invalid('unknown extended key version');
  }
  try {
    HDKey.fromExtendedKey(keyText, own);
  } catch {
    throw invalid('extended key is malformed');
  }
  let wildcard = false;
  const path: number[] = [];
  steps.forEach((step, i) => {
    if (step === '*' || step === "*'" || step === '*h') {
      if (i !== steps.length - 1) throw invalid('"*" must be the last derivation step');
      if (step !== '*') throw invalid('hardened derivation needs a private key');
      wildcard = true;
      return;
    }
    const n = parsePathElement(step);
    if (n >= HARDENED) throw invalid('hardened derivation needs a private key');
    path.push(n);
  });
  return withOrigin({ kind: 'xpub' as const, xpub: keyText, path, wildcard });
}

function checkPubkey(pubkey: Uint8Array, fn: KeyFn): void {
  const n = pubkey.length;
  if (fn === 'tr') {
    if (n === 65) throw invalid('tr() needs a compressed or x-only key');
    if (n !== 32 && n !== 33) throw invalid('bad public key length');
  } else {
    if (n === 32) throw invalid('x-only keys are only valid inside tr()');
    if (n !== 33 && n !== 65) throw invalid('bad public key length');
    if (n === 65 && fn === 'wpkh') throw invalid('wpkh() needs a compressed key');
  }
  try {
    secp256k1.Point.fromBytes(n === 32 ? Uint8Array.of(0x02, ...pubkey) : pubkey);
  } catch {
    throw invalid('public key is not on the curve');
  }
}

export function isRanged(d: Descriptor): boolean {
  const key = d.type === 'sh' ? d.inner.key : 'key' in d ? d.key : undefined;
  return key?.kind === 'xpub' && key.wildcard;
}

/**
 * Derives scripts from one descriptor, caching the extended key at the wildcard's parent so
 * that a range of addresses costs one child derivation each.
 */
export class ScriptDeriver {
  private parent: HDKey | undefined;

  constructor(
    readonly descriptor: Descriptor,
    private readonly network: Network,
  ) {}

  scriptAt(index = 0): Uint8Array {
    const d = this.descriptor;
    if (d.type === 'addr' || d.type === 'raw') return d.script;
    if (d.type === 'sh') {
      const inner = this.keyScript(d.inner.type, d.inner.key, index);
      return scripts.p2sh(hash160(inner));
    }
    return this.keyScript(d.type, d.key, index);
  }

  /** The public key at `index` (33 bytes, or 32 for an x-only key), for signing and PSBTs. */
  pubkeyAt(index = 0): Uint8Array {
    const d = this.descriptor;
    if (d.type === 'addr' || d.type === 'raw') throw new RangeError('descriptor has no key');
    return this.pubkey(d.type === 'sh' ? d.inner.key : d.key, index);
  }

  private keyScript(fn: KeyFn, key: KeyExpr, index: number): Uint8Array {
    const pk = this.pubkey(key, index);
    switch (fn) {
      case 'pk':
        return Uint8Array.of(pk.length, ...pk, 0xac);
      case 'pkh':
        return scripts.p2pkh(hash160(pk));
      case 'wpkh':
        return scripts.p2wpkh(hash160(pk));
      case 'tr':
        return p2tr(pk.length === 33 ? pk.subarray(1) : pk).script;
    }
  }

  private pubkey(key: KeyExpr, index: number): Uint8Array {
    if (key.kind === 'const') return key.pubkey;
    if (!key.wildcard) return this.base(key).publicKey ?? missing();
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED) throw new RangeError('index out of range');
    return this.base(key).deriveChild(index).publicKey ?? missing();
  }

  private base(key: Extract<KeyExpr, { kind: 'xpub' }>): HDKey {
    if (!this.parent) {
      let hd = HDKey.fromExtendedKey(key.xpub, keyParams(this.network).bip32);
      for (const step of key.path) hd = hd.deriveChild(step);
      this.parent = hd;
    }
    return this.parent;
  }
}

function missing(): never {
  throw new Error('extended public key without a public key');
}

function pathString(path: number[]): string {
  return path.map((n) => (n >= HARDENED ? `${n - HARDENED}h` : `${n}`)).join('/');
}

function keyString(k: KeyExpr): string {
  const origin = k.origin ? `[${[k.origin.fingerprint, ...(k.origin.path.length ? [pathString(k.origin.path)] : [])].join('/')}]` : '';
  if (k.kind === 'const') return origin + bytesToHex(k.pubkey);
  const steps = [...(k.path.length ? [pathString(k.path)] : []), ...(k.wildcard ? ['*'] : [])];
  return origin + [k.xpub, ...steps].join('/');
}

/** Canonical text: 'h' for hardened steps, lowercase hex, with its checksum. */
export function formatDescriptor(d: Descriptor): string {
  let body: string;
  switch (d.type) {
    case 'addr':
      body = `addr(${d.address})`;
      break;
    case 'raw':
      body = `raw(${bytesToHex(d.script)})`;
      break;
    case 'sh':
      body = `sh(${d.inner.type}(${keyString(d.inner.key)}))`;
      break;
    default:
      body = `${d.type}(${keyString(d.key)})`;
  }
  return `${body}#${descriptorChecksum(body) ?? ''}`;
}
