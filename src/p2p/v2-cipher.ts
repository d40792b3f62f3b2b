// BIP324 packet crypto: key derivation, the rekeying length and payload ciphers, packet sealing.
//
// Pure. Keys are Uint8Arrays that are overwritten as soon as a rekey or a wipe replaces them.

import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';

export const REKEY_INTERVAL = 224;
export const LENGTH_SIZE = 3;
export const HEADER_SIZE = 1;
export const TAG_SIZE = 16;
export const IGNORE_BIT = 0x80;
/** The 3-byte length field's largest value. */
export const MAX_CONTENTS = 2 ** 24 - 1;
export const TERMINATOR_SIZE = 16;

/** 12-byte nonce: a 32-bit little-endian counter then the 64-bit little-endian rekey count. */
function nonce(counter: number, epoch: number): Uint8Array {
  const n = new Uint8Array(12);
  const v = new DataView(n.buffer);
  v.setUint32(0, counter, true);
  v.setBigUint64(4, BigInt(epoch), true);
  return n;
}

/**
 * FSChaCha20 for the 3-byte length fields. 224 lengths and the next key use exactly the first
 * 704 bytes (11 blocks) of one key's keystream (BIP324 picked 224 for that), so the stream is
 * made once per key; this class only ever takes 3-byte chunks.
 */
export class LengthCipher {
  private key: Uint8Array;
  private epoch = 0;
  private chunk = 0;
  private stream = new Uint8Array(0);

  constructor(key: Uint8Array) {
    this.key = key.slice();
  }

  crypt(field: Uint8Array): Uint8Array {
    if (field.length !== LENGTH_SIZE) throw new Error('a length field is 3 bytes');
    if (this.chunk === 0) this.stream = chacha20(this.key, nonce(0, this.epoch), new Uint8Array(REKEY_INTERVAL * LENGTH_SIZE + 32));
    const at = this.chunk * LENGTH_SIZE;
    const out = field.map((b, i) => b ^ this.stream[at + i]!);
    if (++this.chunk === REKEY_INTERVAL) {
      this.key.fill(0);
      this.key = this.stream.slice(REKEY_INTERVAL * LENGTH_SIZE);
      this.stream.fill(0);
      this.chunk = 0;
      this.epoch++;
    }
    return out;
  }

  wipe(): void {
    this.key.fill(0);
    this.stream.fill(0);
  }
}

/** FSChaCha20Poly1305: one AEAD message per packet, a new key every 224 packets. */
export class PacketCipher {
  private key: Uint8Array;
  private epoch = 0;
  private counter = 0;

  constructor(key: Uint8Array) {
    this.key = key.slice();
  }

  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = chacha20poly1305(this.key, nonce(this.counter, this.epoch), aad).encrypt(plaintext);
    this.advance();
    return out;
  }

  /** The plaintext, or undefined when the tag does not verify. */
  open(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    let out: Uint8Array | undefined;
    try {
      out = chacha20poly1305(this.key, nonce(this.counter, this.epoch), aad).decrypt(ciphertext);
    } catch {
      out = undefined;
    }
    this.advance();
    return out;
  }

  private advance(): void {
    if (++this.counter < REKEY_INTERVAL) return;
    // The AEAD's encryption of 32 zero bytes under nonce 0xffffffff || epoch, without its tag:
    // that is keystream block 1 of ChaCha20 at that nonce.
    const next = chacha20(this.key, nonce(0xffffffff, this.epoch), new Uint8Array(32), undefined, 1);
    this.key.fill(0);
    this.key = next;
    this.counter = 0;
    this.epoch++;
  }

  wipe(): void {
    this.key.fill(0);
  }
}

export interface V2Keys {
  sendLength: LengthCipher;
  sendPacket: PacketCipher;
  recvLength: LengthCipher;
  recvPacket: PacketCipher;
  sendTerminator: Uint8Array;
  recvTerminator: Uint8Array;
  sessionId: Uint8Array;
}

export interface RawKeys {
  initiatorL: Uint8Array;
  initiatorP: Uint8Array;
  responderL: Uint8Array;
  responderP: Uint8Array;
  /** The initiator's 16 bytes, then the responder's. */
  terminators: Uint8Array;
  sessionId: Uint8Array;
}

/** HKDF-SHA256 of the ECDH secret, salted with "bitcoin_v2_shared_secret" and the network magic. */
export function expandSecret(secret: Uint8Array, magic: number): RawKeys {
  const salt = new Uint8Array(28);
  salt.set(utf8ToBytes('bitcoin_v2_shared_secret'));
  new DataView(salt.buffer).setUint32(24, magic, true);
  const prk = extract(sha256, secret, salt);
  const get = (info: string): Uint8Array => expand(sha256, prk, utf8ToBytes(info), 32);
  const raw = {
    initiatorL: get('initiator_L'),
    initiatorP: get('initiator_P'),
    responderL: get('responder_L'),
    responderP: get('responder_P'),
    terminators: get('garbage_terminators'),
    sessionId: get('session_id'),
  };
  prk.fill(0);
  return raw;
}

/** The session's ciphers, terminators and id from the ECDH secret (which this wipes). */
export function deriveKeys(secret: Uint8Array, magic: number, initiating: boolean): V2Keys {
  const k = expandSecret(secret, magic);
  secret.fill(0);
  const [sL, sP, rL, rP] = initiating ? [k.initiatorL, k.initiatorP, k.responderL, k.responderP] : [k.responderL, k.responderP, k.initiatorL, k.initiatorP];
  const initiator = k.terminators.slice(0, 16);
  const responder = k.terminators.slice(16);
  const out: V2Keys = {
    sendLength: new LengthCipher(sL),
    sendPacket: new PacketCipher(sP),
    recvLength: new LengthCipher(rL),
    recvPacket: new PacketCipher(rP),
    sendTerminator: initiating ? initiator : responder,
    recvTerminator: initiating ? responder : initiator,
    sessionId: k.sessionId,
  };
  for (const key of [k.initiatorL, k.initiatorP, k.responderL, k.responderP, k.terminators]) key.fill(0);
  return out;
}

/** One packet: encrypted length, then header (ignore bit) and contents sealed with `aad`. */
export function sealPacket(keys: V2Keys, contents: Uint8Array, aad: Uint8Array = new Uint8Array(0), ignore = false): Uint8Array {
  if (contents.length > MAX_CONTENTS) {
    throw new CofferError('invalid-message', `A v2 packet holds at most ${MAX_CONTENTS} bytes.`, { reason: 'payload too large' });
  }
  const plain = new Uint8Array(HEADER_SIZE + contents.length);
  plain[0] = ignore ? IGNORE_BIT : 0;
  plain.set(contents, HEADER_SIZE);
  const sealed = keys.sendPacket.seal(aad, plain);
  const len = Uint8Array.of(contents.length & 0xff, (contents.length >>> 8) & 0xff, contents.length >>> 16);
  const out = new Uint8Array(LENGTH_SIZE + sealed.length);
  out.set(keys.sendLength.crypt(len));
  out.set(sealed, LENGTH_SIZE);
  return out;
}
