// BIP324 v2 transport as a pure state machine: bytes from the socket in, bytes to send and frames out.
//
// The handshake (ElligatorSwift keys, garbage, terminators, decoys, the version packet), then
// packets carrying messages with BIP324's one-byte ids or a 12-byte command. A responder that
// sees a v1 version message's prefix hands the bytes back for v1; an initiator whose peer closes
// before sending its key should retry over v1 (`awaitingKey`).

import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import { CofferError } from '../api/errors.js';
import { ELLSWIFT_SIZE, ellswiftCreate, v2Ecdh, type EllswiftKey } from './ellswift.js';
import { deriveKeys, HEADER_SIZE, IGNORE_BIT, LENGTH_SIZE, sealPacket, TAG_SIZE, TERMINATOR_SIZE, type V2Keys } from './v2-cipher.js';
import { isValidCommand, type Frame } from './wire.js';

/** Garbage is at most this long, in both directions. */
export const MAX_GARBAGE = 4095;
const COMMAND_SIZE = 12;

/** BIP324's one-byte message ids: index = id. */
export const SHORT_IDS = [
  '', 'addr', 'block', 'blocktxn', 'cmpctblock', 'feefilter', 'filteradd', 'filterclear', 'filterload',
  'getblocks', 'getblocktxn', 'getdata', 'getheaders', 'headers', 'inv', 'mempool', 'merkleblock',
  'notfound', 'ping', 'pong', 'sendcmpct', 'tx', 'getcfilters', 'cfilter', 'getcfheaders', 'cfheaders',
  'getcfcheckpt', 'cfcheckpt', 'addrv2',
] as const;
const ID_OF = new Map<string, number>(SHORT_IDS.map((c, i) => [c, i]));

export interface V2Options {
  initiating: boolean;
  magic: number;
  /** Bytes of garbage after our key (default: random, 0..MAX_GARBAGE). */
  garbageLength?: number;
  /** Content lengths of decoy packets sent before our version packet. */
  decoys?: number[];
  random?: (n: number) => Uint8Array;
}

export interface V2Output {
  /** Bytes to write to the socket (possibly empty). */
  send: Uint8Array;
  frames: Frame[];
  /** Responder only: the peer speaks v1; these are all the bytes it sent, to parse as v1. */
  v1?: Uint8Array;
}

type State = 'prefix' | 'key' | 'garbage' | 'version' | 'open' | 'v1';

function invalid(message: string, reason: string): CofferError {
  return new CofferError('invalid-message', message, { reason, misbehaving: true });
}

/** Received bytes not yet consumed, kept as chunks so a large packet is copied once. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** The first n bytes, without consuming them. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at === n) break;
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  take(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

function v1Prefix(magic: number): Uint8Array {
  const p = new Uint8Array(16);
  new DataView(p.buffer).setUint32(0, magic, true);
  p.set([0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e], 4); // "version", then five NULs
  return p;
}

/** Where `needle` starts in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A message's packet contents: its one-byte id, or 0 and the command padded to 12 bytes. */
export function encodeContents(command: string, payload: Uint8Array): Uint8Array {
  if (!isValidCommand(command)) throw new CofferError('invalid-message', `The command "${command}" cannot be sent.`, { reason: 'bad command' });
  const id = ID_OF.get(command);
  const head = id !== undefined && id > 0 ? 1 : 1 + COMMAND_SIZE;
  const out = new Uint8Array(head + payload.length);
  if (head === 1) out[0] = id!;
  else for (let i = 0; i < command.length; i++) out[1 + i] = command.charCodeAt(i);
  out.set(payload, head);
  return out;
}

/** The message in a packet's contents; undefined for an id BIP324 does not define (ignored). */
export function decodeContents(contents: Uint8Array): Frame | undefined {
  if (contents.length === 0) throw invalid('The peer sent a v2 packet without a message type.', 'empty v2 message');
  const id = contents[0]!;
  if (id !== 0) {
    const command = SHORT_IDS[id];
    return command === undefined ? undefined : { command, payload: contents.slice(1) };
  }
  if (contents.length < 1 + COMMAND_SIZE) throw invalid('The peer sent a v2 message with a cut-off command.', 'short v2 command');
  const field = contents.subarray(1, 1 + COMMAND_SIZE);
  let end = field.indexOf(0);
  if (end < 0) end = COMMAND_SIZE;
  const command = String.fromCharCode(...field.subarray(0, end));
  if (!isValidCommand(command) || field.subarray(end).some((b) => b !== 0)) {
    throw invalid('The peer sent a v2 message with a malformed command.', 'bad v2 command');
  }
  return { command, payload: contents.slice(1 + COMMAND_SIZE) };
}

export class V2Session {
  readonly initiating: boolean;
  private readonly magic: number;
  private readonly random: (n: number) => Uint8Array;
  private readonly decoys: number[];
  private state: State;
  private readonly queue = new ByteQueue();
  private key: EllswiftKey | undefined;
  private garbage: Uint8Array;
  private keys: V2Keys | undefined;
  private recvAad: Uint8Array | undefined;
  private pendingLength: number | undefined;
  private received = 0;

  constructor(opts: V2Options) {
    this.initiating = opts.initiating;
    this.magic = opts.magic;
    this.random = opts.random ?? randomBytes;
    this.decoys = opts.decoys ?? [];
    const r = this.random(2);
    const len = opts.garbageLength ?? ((r[0]! << 8) | r[1]!) % (MAX_GARBAGE + 1);
    if (!Number.isInteger(len) || len < 0 || len > MAX_GARBAGE) {
      throw new CofferError('invalid-message', `Garbage must be 0 to ${MAX_GARBAGE} bytes.`, { reason: 'garbage too long' });
    }
    this.garbage = this.random(len);
    this.state = opts.initiating ? 'key' : 'prefix';
  }

  /** The session id both sides derive (hex in logs lets two operators compare). */
  get sessionId(): Uint8Array | undefined {
    return this.keys?.sessionId;
  }

  /** True until the handshake finished (the peer's version packet arrived). */
  get handshaking(): boolean {
    return this.state !== 'open';
  }

  /** Initiator: nothing of the peer's key has arrived; a close now means "try v1". */
  get awaitingKey(): boolean {
    return this.initiating && this.state === 'key' && this.received === 0;
  }

  /** The initiator's opening bytes: its key and garbage. The responder sends nothing first. */
  start(): Uint8Array {
    if (!this.initiating) return new Uint8Array(0);
    return this.greeting();
  }

  private greeting(): Uint8Array {
    this.key = ellswiftCreate(this.random);
    const out = new Uint8Array(ELLSWIFT_SIZE + this.garbage.length);
    out.set(this.key.encoding);
    out.set(this.garbage, ELLSWIFT_SIZE);
    return out;
  }

  /** Feed bytes from the socket. Throws `invalid-message` (misbehaving) on anything malformed. */
  receive(chunk: Uint8Array): V2Output {
    if (this.state === 'v1') throw new Error('the session fell back to v1');
    this.received += chunk.length;
    this.queue.push(chunk);
    const send: Uint8Array[] = [];
    const frames: Frame[] = [];
    for (let progressed = true; progressed; ) {
      if (this.state === 'prefix') {
        const seen = this.checkPrefix(send);
        if (seen === 'v1') return { send: new Uint8Array(0), frames, v1: this.queue.take(this.queue.length) };
        progressed = seen === 'v2';
      } else if (this.state === 'key') progressed = this.readKey(send);
      else if (this.state === 'garbage') progressed = this.readGarbage();
      else progressed = this.readPacket(frames);
    }
    return { send: concatBytes(...send), frames };
  }

  /** Responder: the peer's first bytes against a v1 version message's 16-byte prefix. */
  private checkPrefix(send: Uint8Array[]): 'v1' | 'v2' | 'wait' {
    const prefix = v1Prefix(this.magic);
    const seen = this.queue.peek(Math.min(this.queue.length, prefix.length));
    if (seen.every((b, i) => b === prefix[i])) {
      if (seen.length < prefix.length) return 'wait';
      this.state = 'v1';
      return 'v1';
    }
    send.push(this.greeting());
    this.state = 'key';
    return 'v2';
  }

  private readKey(send: Uint8Array[]): boolean {
    if (this.queue.length < ELLSWIFT_SIZE) return false;
    const theirs = this.queue.take(ELLSWIFT_SIZE);
    const v1 = v1Prefix(this.magic);
    if (!this.initiating && theirs.subarray(4, 16).every((b, i) => b === v1[4 + i])) {
      throw invalid('The peer sent a v1 version message for another network.', 'v1 peer on another network');
    }
    const key = this.key!;
    const secret = v2Ecdh(key.priv, theirs, key.encoding, this.initiating);
    key.priv.fill(0);
    this.keys = deriveKeys(secret, this.magic, this.initiating);
    send.push(this.keys.sendTerminator);
    let aad = this.garbage;
    for (const len of this.decoys) {
      send.push(sealPacket(this.keys, new Uint8Array(len), aad, true));
      aad = new Uint8Array(0);
    }
    send.push(sealPacket(this.keys, new Uint8Array(0), aad));
    this.state = 'garbage';
    return true;
  }

  private readGarbage(): boolean {
    const terminator = this.keys!.recvTerminator;
    const window = this.queue.peek(Math.min(this.queue.length, MAX_GARBAGE + TERMINATOR_SIZE));
    const at = indexOf(window, terminator);
    if (at < 0) {
      if (window.length === MAX_GARBAGE + TERMINATOR_SIZE) {
        throw invalid(`The peer sent no garbage terminator within ${MAX_GARBAGE} bytes.`, 'no garbage terminator');
      }
      return false;
    }
    this.recvAad = this.queue.take(at);
    this.queue.take(TERMINATOR_SIZE);
    this.state = 'version';
    return true;
  }

  /** One packet, if it has arrived whole; its length is decrypted once, when its 3 bytes are in. */
  private readPacket(frames: Frame[]): boolean {
    const keys = this.keys!;
    if (this.pendingLength === undefined) {
      if (this.queue.length < LENGTH_SIZE) return false;
      const len = keys.recvLength.crypt(this.queue.take(LENGTH_SIZE));
      this.pendingLength = len[0]! | (len[1]! << 8) | (len[2]! << 16);
    }
    const size = HEADER_SIZE + this.pendingLength + TAG_SIZE;
    if (this.queue.length < size) return false;
    // The first packet after the garbage terminator authenticates the garbage.
    const plain = keys.recvPacket.open(this.recvAad ?? new Uint8Array(0), this.queue.take(size));
    this.pendingLength = undefined;
    this.recvAad = undefined;
    if (plain === undefined) throw invalid('A v2 packet from the peer failed authentication.', 'v2 packet authentication failed');
    if ((plain[0]! & IGNORE_BIT) !== 0) return true;
    if (this.state === 'version') {
      // The version packet's contents are reserved for future extensions and ignored.
      this.state = 'open';
      return true;
    }
    const frame = decodeContents(plain.subarray(HEADER_SIZE));
    if (frame) frames.push(frame);
    return true;
  }

  /** One message as a packet; possible once the peer's key arrived. */
  encode(command: string, payload: Uint8Array): Uint8Array {
    if (!this.keys) throw new Error('no v2 keys yet');
    return sealPacket(this.keys, encodeContents(command, payload));
  }

  /** A decoy packet the peer drops (the ignore bit). */
  decoy(length: number): Uint8Array {
    if (!this.keys) throw new Error('no v2 keys yet');
    return sealPacket(this.keys, new Uint8Array(length), new Uint8Array(0), true);
  }

  /** Overwrite every key; the session is unusable afterwards. */
  wipe(): void {
    this.key?.priv.fill(0);
    if (!this.keys) return;
    for (const c of [this.keys.sendLength, this.keys.sendPacket, this.keys.recvLength, this.keys.recvPacket]) c.wipe();
    this.keys.sendTerminator.fill(0);
    this.keys.recvTerminator.fill(0);
  }
}
