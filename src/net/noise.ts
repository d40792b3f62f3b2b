// BOLT 8's authenticated, encrypted channel (pure): the Noise_XK_secp256k1_ChaChaPoly_SHA256
// handshake in three acts and the transport after it (length and body each sealed, keys rotated).
// The initiator knows the responder's static key in advance (XK): a responder without that key
// cannot finish act one, so the initiator learns nothing it did not pin and sends nothing else.

import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes as concat, utf8ToBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';

const PROTOCOL = utf8ToBytes('Noise_XK_secp256k1_ChaChaPoly_SHA256');
export const ACT1_SIZE = 50;
export const ACT2_SIZE = 50;
export const ACT3_SIZE = 66;
/** A sealed length header: two bytes and their tag. */
export const HEADER_SIZE = 18;
export const TAG_SIZE = 16;
export const MAX_FRAME = 65_535;
const ROTATE_AT = 1000;
const EMPTY = new Uint8Array(0);

export function noiseError(reason: string, message: string): CofferError {
  return new CofferError('invalid-message', message, { reason, misbehaving: true });
}

function nonce(n: number): Uint8Array {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(4, BigInt(n), true);
  return out;
}

function seal(key: Uint8Array, n: number, ad: Uint8Array, plain: Uint8Array): Uint8Array {
  return chacha20poly1305(key, nonce(n), ad).encrypt(plain);
}

function open(key: Uint8Array, n: number, ad: Uint8Array, sealed: Uint8Array, reason: string): Uint8Array {
  try {
    return chacha20poly1305(key, nonce(n), ad).decrypt(sealed);
  } catch {
    throw noiseError(reason, 'The peer sent a message that does not authenticate (bad MAC).');
  }
}

/** HKDF-SHA256 with `ck` as salt and no info, split into two 32-byte keys. */
function split(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdf(sha256, ikm, ck, EMPTY, 64);
  return [out.slice(0, 32), out.slice(32)];
}

function ecdh(secret: Uint8Array, pub: Uint8Array): Uint8Array {
  return sha256(secp256k1.getSharedSecret(secret, pub, true));
}

function parseKey(bytes: Uint8Array, reason: string): Uint8Array {
  try {
    secp256k1.Point.fromBytes(bytes).assertValidity();
    return bytes;
  } catch {
    throw noiseError(reason, 'The peer sent a public key that is not a point of secp256k1.');
  }
}

function wipe(...xs: (Uint8Array | undefined)[]): void {
  for (const x of xs) x?.fill(0);
}

/** One direction's key and nonce; the key is rotated every 1000 uses as BOLT 8 says. */
class CipherState {
  private n = 0;
  constructor(
    private key: Uint8Array,
    private ck: Uint8Array,
  ) {}

  private step(): void {
    if (++this.n < ROTATE_AT) return;
    const [ck, key] = split(this.ck, this.key);
    wipe(this.ck, this.key);
    this.ck = ck;
    this.key = key;
    this.n = 0;
  }

  seal(plain: Uint8Array): Uint8Array {
    const out = seal(this.key, this.n, EMPTY, plain);
    this.step();
    return out;
  }

  open(sealed: Uint8Array, reason: string): Uint8Array {
    const out = open(this.key, this.n, EMPTY, sealed, reason);
    this.step();
    return out;
  }

  wipe(): void {
    wipe(this.key, this.ck);
  }
}

/** The channel after the handshake: frames of up to 65,535 bytes each way. */
export class NoiseTransport {
  private readonly send: CipherState;
  private readonly recv: CipherState;

  constructor(keys: { sk: Uint8Array; rk: Uint8Array; ck: Uint8Array }) {
    this.send = new CipherState(keys.sk, keys.ck.slice());
    this.recv = new CipherState(keys.rk, keys.ck.slice());
    wipe(keys.ck);
  }

  /** One frame: the sealed length (18 bytes), then the sealed body (length + 16). */
  encrypt(message: Uint8Array): Uint8Array {
    if (message.length > MAX_FRAME) throw noiseError('frame-too-large', `A frame holds at most ${MAX_FRAME} bytes.`);
    const len = Uint8Array.of(message.length >> 8, message.length & 0xff);
    return concat(this.send.seal(len), this.send.seal(message));
  }

  /** The body length a sealed header announces. */
  decryptLength(header: Uint8Array): number {
    if (header.length !== HEADER_SIZE) throw noiseError('short-header', 'A frame header is 18 bytes.');
    const l = this.recv.open(header, 'header-mac');
    return (l[0]! << 8) | l[1]!;
  }

  decryptBody(body: Uint8Array): Uint8Array {
    return this.recv.open(body, 'body-mac');
  }

  wipe(): void {
    this.send.wipe();
    this.recv.wipe();
  }
}

/** Splits a byte stream into frames: push what the socket gave, take the whole messages out. */
export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);
  private bodyLength: number | undefined;

  constructor(private readonly transport: NoiseTransport) {}

  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = concat(this.buf, chunk);
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.bodyLength === undefined) {
        if (this.buf.length < HEADER_SIZE) break;
        this.bodyLength = this.transport.decryptLength(this.buf.subarray(0, HEADER_SIZE));
        this.buf = this.buf.slice(HEADER_SIZE);
      }
      const need = this.bodyLength + TAG_SIZE;
      if (this.buf.length < need) break;
      out.push(this.transport.decryptBody(this.buf.subarray(0, need)));
      this.buf = this.buf.slice(need);
      this.bodyLength = undefined;
    }
    return out;
  }
}

interface Symmetric {
  h: Uint8Array;
  ck: Uint8Array;
}

function start(prologue: Uint8Array, responderStatic: Uint8Array): Symmetric {
  const h0 = sha256(PROTOCOL);
  return { ck: h0, h: sha256(concat(sha256(concat(h0, prologue)), responderStatic)) };
}

const mix = (s: Symmetric, data: Uint8Array) => (s.h = sha256(concat(s.h, data)));

function readAct(msg: Uint8Array, size: number, act: string): void {
  if (msg.length !== size) throw noiseError(`${act}-length`, `Handshake ${act} must be ${size} bytes, got ${msg.length}.`);
  if (msg[0] !== 0) throw noiseError(`${act}-version`, `Handshake ${act} has unknown version ${msg[0]}.`);
}

export interface HandshakeKeys {
  /** Our static secret key (32 bytes); the caller owns and wipes it. */
  local: Uint8Array;
  prologue: Uint8Array;
  /** The ephemeral secret key; random unless given (tests). Wiped once used. */
  ephemeral?: Uint8Array;
}

/** The initiator's side: `act1()`, then `act2(reply)` gives act three and the transport. */
export class Initiator {
  private readonly s: Symmetric;
  private readonly e: Uint8Array;

  constructor(
    private readonly keys: HandshakeKeys,
    /** The responder's static public key (33 bytes compressed): the pinned id. */
    private readonly remote: Uint8Array,
  ) {
    parseKey(remote, 'remote-key');
    this.s = start(keys.prologue, remote);
    this.e = keys.ephemeral ?? secp256k1.utils.randomSecretKey();
  }

  act1(): Uint8Array {
    const ePub = secp256k1.getPublicKey(this.e, true);
    mix(this.s, ePub);
    const [ck, k1] = split(this.s.ck, ecdh(this.e, this.remote));
    this.s.ck = ck;
    const c = seal(k1, 0, this.s.h, EMPTY);
    wipe(k1);
    mix(this.s, c);
    return concat(Uint8Array.of(0), ePub, c);
  }

  act2(msg: Uint8Array): { act3: Uint8Array; transport: NoiseTransport } {
    readAct(msg, ACT2_SIZE, 'act2');
    const re = parseKey(msg.slice(1, 34), 'act2-key');
    mix(this.s, re);
    const [ck, k2] = split(this.s.ck, ecdh(this.e, re));
    this.s.ck = ck;
    open(k2, 0, this.s.h, msg.subarray(34), 'act2-mac');
    mix(this.s, msg.subarray(34));
    const c = seal(k2, 1, this.s.h, secp256k1.getPublicKey(this.keys.local, true));
    mix(this.s, c);
    const [ck3, k3] = split(this.s.ck, ecdh(this.keys.local, re));
    const t = seal(k3, 0, this.s.h, EMPTY);
    const [sk, rk] = split(ck3, EMPTY);
    wipe(k2, k3, this.e);
    return { act3: concat(Uint8Array.of(0), c, t), transport: new NoiseTransport({ sk, rk, ck: ck3 }) };
  }
}

/** The responder's side: `act1(msg)` gives act two, `act3(msg)` the transport and the initiator's static key. */
export class Responder {
  private readonly s: Symmetric;
  private readonly e: Uint8Array;
  private k2: Uint8Array | undefined;

  constructor(private readonly keys: HandshakeKeys) {
    this.s = start(keys.prologue, secp256k1.getPublicKey(keys.local, true));
    this.e = keys.ephemeral ?? secp256k1.utils.randomSecretKey();
  }

  act1(msg: Uint8Array): Uint8Array {
    readAct(msg, ACT1_SIZE, 'act1');
    const re = parseKey(msg.slice(1, 34), 'act1-key');
    mix(this.s, re);
    const [ck, k1] = split(this.s.ck, ecdh(this.keys.local, re));
    this.s.ck = ck;
    open(k1, 0, this.s.h, msg.subarray(34), 'act1-mac');
    wipe(k1);
    mix(this.s, msg.subarray(34));
    // Act two.
    const ePub = secp256k1.getPublicKey(this.e, true);
    mix(this.s, ePub);
    const [ck2, k2] = split(this.s.ck, ecdh(this.e, re));
    this.s.ck = ck2;
    this.k2 = k2;
    const c = seal(k2, 0, this.s.h, EMPTY);
    mix(this.s, c);
    return concat(Uint8Array.of(0), ePub, c);
  }

  act3(msg: Uint8Array): { transport: NoiseTransport; remote: Uint8Array } {
    if (!this.k2) throw noiseError('act3-early', 'Handshake act three came before act one.');
    readAct(msg, ACT3_SIZE, 'act3');
    const c = msg.subarray(1, 50);
    const rs = parseKey(open(this.k2, 1, this.s.h, c, 'act3-ciphertext-mac'), 'act3-key');
    mix(this.s, c);
    const [ck3, k3] = split(this.s.ck, ecdh(this.e, rs));
    open(k3, 0, this.s.h, msg.subarray(50), 'act3-mac');
    const [rk, sk] = split(ck3, EMPTY);
    wipe(k3, this.k2, this.e);
    return { transport: new NoiseTransport({ sk, rk, ck: ck3 }), remote: rs };
  }
}
