// The BIP324 session state machine, initiator and responder in memory: handshake, messages both
// ways, garbage, decoys, v1 fallback, and the typed errors for tampered or endless streams.

import { describe, expect, it } from 'vitest';
import { MAX_GARBAGE, SHORT_IDS, V2Session, decodeContents, encodeContents, type V2Options } from '../../src/p2p/v2-transport.js';
import { encodeFrame, type Frame } from '../../src/p2p/wire.js';
import { MAX_CONTENTS } from '../../src/p2p/v2-cipher.js';
import { CofferError } from '../../src/api/errors.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const REGTEST = 0xdab5bffa;
const MAINNET = 0xd9b4bef9;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Side {
  s: V2Session;
  frames: Frame[];
}

/** Delivers each side's output to the other, in chunks of random size, until both are quiet. */
function pump(a: Side, b: Side, toB: Uint8Array[], toA: Uint8Array[] = [], seed = 1): void {
  const next = prng(seed);
  const deliver = (to: Side, bytes: Uint8Array, back: Uint8Array[]) => {
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + next(Math.min(bytes.length - at, 700));
      const out = to.s.receive(bytes.subarray(at, at + n));
      at += n;
      if (out.send.length) back.push(out.send);
      to.frames.push(...out.frames);
    }
  };
  while (toA.length || toB.length) {
    const b1 = toB.splice(0);
    for (const bytes of b1) deliver(b, bytes, toA);
    const a1 = toA.splice(0);
    for (const bytes of a1) deliver(a, bytes, toB);
  }
}

function pair(init: Partial<V2Options> = {}, resp: Partial<V2Options> = {}, seed = 1): { a: Side; b: Side } {
  const a = { s: new V2Session({ initiating: true, magic: REGTEST, ...init }), frames: [] };
  const b = { s: new V2Session({ initiating: false, magic: REGTEST, ...resp }), frames: [] };
  pump(a, b, [a.s.start()], [], seed);
  return { a, b };
}

const frame = (command: string, payload: Uint8Array): Frame => ({ command, payload });

describe('BIP324 session', () => {
  it.each([
    { name: 'no garbage, no decoys', init: { garbageLength: 0 }, resp: { garbageLength: 0 } },
    { name: 'the most garbage both ways', init: { garbageLength: MAX_GARBAGE }, resp: { garbageLength: MAX_GARBAGE } },
    { name: 'random garbage and decoys before the version packets', init: { decoys: [0, 5, 1000] }, resp: { decoys: [70_000] } },
  ])('completes the handshake and carries messages both ways: $name', ({ init, resp }) => {
    const { a, b } = pair(init, resp);
    expect(a.s.handshaking).toBe(false);
    expect(b.s.handshaking).toBe(false);
    expect(a.s.sessionId).toEqual(b.s.sessionId);
    expect(a.s.sessionId!.length).toBe(32);

    const fromA = [frame('version', utf8('v-payload')), frame('verack', new Uint8Array(0)), frame('getheaders', utf8('locator')), frame('sendheaders', new Uint8Array(0))];
    const fromB = [frame('headers', new Uint8Array(5000).fill(7)), frame('ping', utf8('12345678')), frame('unknownthing', utf8('x'))];
    const toB = fromA.flatMap((f, i) => [a.s.encode(f.command, f.payload), ...(i === 1 ? [a.s.decoy(30)] : [])]);
    const toA = fromB.map((f) => b.s.encode(f.command, f.payload)).concat(b.s.decoy(0));
    pump(a, b, toB, toA, 7);
    expect(b.frames).toEqual(fromA);
    expect(a.frames).toEqual(fromB);
  });

  it('rekeys both ciphers past 224 packets in each direction and keeps working', () => {
    const { a, b } = pair({ garbageLength: 10 }, { garbageLength: 20 });
    const sent = Array.from({ length: 500 }, (_, i) => frame(i % 2 ? 'inv' : 'tx', Uint8Array.of(i & 0xff, i >> 8)));
    pump(a, b, sent.map((f) => a.s.encode(f.command, f.payload)), sent.map((f) => b.s.encode(f.command, f.payload)), 3);
    expect(b.frames).toEqual(sent);
    expect(a.frames).toEqual(sent);
  });

  it('refuses a message longer than a packet holds (2^24-1 bytes with its type)', () => {
    const { a } = pair({ garbageLength: 0 }, { garbageLength: 0 });
    expect(a.s.encode('block', new Uint8Array(MAX_CONTENTS - 1)).length).toBe(MAX_CONTENTS + 20);
    expectCode(() => a.s.encode('block', new Uint8Array(MAX_CONTENTS)), 'invalid-message');
  });

  it('uses a one-byte id for each of BIP324\'s message types and 13 bytes for others', () => {
    for (let id = 1; id < SHORT_IDS.length; id++) {
      const c = encodeContents(SHORT_IDS[id]!, Uint8Array.of(9));
      expect(c).toEqual(Uint8Array.of(id, 9));
      expect(decodeContents(c)).toEqual(frame(SHORT_IDS[id]!, Uint8Array.of(9)));
    }
    const long = encodeContents('version', Uint8Array.of(1, 2));
    expect(long.length).toBe(15);
    expect(long[0]).toBe(0);
    expect(decodeContents(long)).toEqual(frame('version', Uint8Array.of(1, 2)));
    // The long form of a type that has an id means the same message.
    const longPing = new Uint8Array(14);
    longPing.set(utf8('ping'), 1);
    expect(decodeContents(longPing)).toEqual(frame('ping', new Uint8Array(1)));
    // An id BIP324 does not define is ignored, as Bitcoin Core does.
    expect(decodeContents(Uint8Array.of(29, 1, 2))).toBeUndefined();
    expect(decodeContents(Uint8Array.of(255))).toBeUndefined();
  });

  it('refuses malformed contents and unsendable commands with typed errors', () => {
    expectCode(() => decodeContents(new Uint8Array(0)), 'invalid-message');
    expectCode(() => decodeContents(Uint8Array.of(0, 0x70, 0x69)), 'invalid-message');
    const junkPadding = new Uint8Array(13);
    junkPadding.set(utf8('ping'), 1);
    junkPadding[7] = 0x41;
    expectCode(() => decodeContents(junkPadding), 'invalid-message');
    const control = new Uint8Array(13);
    control[1] = 0x07;
    expectCode(() => decodeContents(control), 'invalid-message');
    expectCode(() => encodeContents('', new Uint8Array(0)), 'invalid-message');
    expectCode(() => encodeContents('thirteenchars', new Uint8Array(0)), 'invalid-message');
  });

  it('responder: a v1 version message is handed back whole for v1, even one byte at a time', () => {
    const v1 = encodeFrame(REGTEST, 'version', new Uint8Array(100).fill(3));
    const whole = new V2Session({ initiating: false, magic: REGTEST });
    const out = whole.receive(v1);
    expect(out.v1).toEqual(v1);
    expect(out.send.length).toBe(0);

    const slow = new V2Session({ initiating: false, magic: REGTEST });
    for (let i = 0; i < 15; i++) expect(slow.receive(v1.subarray(i, i + 1))).toEqual({ send: new Uint8Array(0), frames: [] });
    expect(slow.receive(v1.subarray(15)).v1).toEqual(v1);
  });

  it('responder: a v1 version message for another network is a typed error', () => {
    const s = new V2Session({ initiating: false, magic: REGTEST });
    const v1 = encodeFrame(MAINNET, 'version', new Uint8Array(100));
    const first = s.receive(v1.subarray(0, 40));
    expect(first.send.length).toBeGreaterThanOrEqual(64);
    const e = expectCode(() => s.receive(v1.subarray(40)), 'invalid-message');
    expect(e.details['reason']).toBe('v1 peer on another network');
  });

  it('initiator: "awaiting key" holds only until the responder\'s first byte (the v1 fallback signal)', () => {
    const a = new V2Session({ initiating: true, magic: REGTEST });
    a.start();
    expect(a.awaitingKey).toBe(true);
    a.receive(Uint8Array.of(1));
    expect(a.awaitingKey).toBe(false);
    expect(new V2Session({ initiating: false, magic: REGTEST }).awaitingKey).toBe(false);
  });

  it('sessions on different networks do not complete', () => {
    const a = { s: new V2Session({ initiating: true, magic: REGTEST, garbageLength: 0 }), frames: [] };
    const b = { s: new V2Session({ initiating: false, magic: MAINNET, garbageLength: 0 }), frames: [] };
    // Neither finds the other's garbage terminator: each waits for more, then gives up at 4111 bytes.
    pump(a, b, [a.s.start()]);
    expect(a.s.handshaking && b.s.handshaking).toBe(true);
    const e = expectCode(() => a.s.receive(new Uint8Array(MAX_GARBAGE + 16)), 'invalid-message');
    expect(e.details['reason']).toBe('no garbage terminator');
  });

  it('refuses to send more than 4095 bytes of garbage', () => {
    expectCode(() => new V2Session({ initiating: true, magic: REGTEST, garbageLength: MAX_GARBAGE + 1 }), 'invalid-message');
    expectCode(() => new V2Session({ initiating: true, magic: REGTEST, garbageLength: -1 }), 'invalid-message');
  });

  it('a responder whose garbage runs past 4095 bytes before its terminator is refused', () => {
    const a = new V2Session({ initiating: true, magic: REGTEST, garbageLength: 0 });
    const b = new V2Session({ initiating: false, magic: REGTEST, garbageLength: 0 });
    const reply = b.receive(a.start()).send;
    // The responder's key, then 4096 bytes of garbage, then its terminator and version packet.
    const long = new Uint8Array(reply.length + MAX_GARBAGE + 1);
    long.set(reply.subarray(0, 64));
    long.set(reply.subarray(64), 64 + MAX_GARBAGE + 1);
    const e = expectCode(() => a.receive(long), 'invalid-message');
    expect(e.details['reason']).toBe('no garbage terminator');
  });

  it('a flipped bit anywhere after the keys is a typed error (garbage, terminator, packets)', () => {
    const next = prng(99);
    for (let trial = 0; trial < 60; trial++) {
      const a = new V2Session({ initiating: true, magic: REGTEST, garbageLength: 50 });
      const b = new V2Session({ initiating: false, magic: REGTEST, garbageLength: 0 });
      const greeting = a.start();
      const opening = a.receive(b.receive(greeting.subarray(0, 64)).send).send; // terminator, version packet
      // The initiator's garbage, terminator, version packet and a message, one bit flipped.
      const bytes = concatAll([greeting.subarray(64), opening, a.encode('headers', new Uint8Array(40))]);
      const at = next(bytes.length);
      bytes[at]! ^= 1 << next(8);
      const err = codeAndDetails(() => {
        b.receive(bytes);
        // A flipped terminator reads as more garbage, a flipped length as a longer packet: the
        // error comes when the rest arrives.
        b.receive(new Uint8Array(2 ** 24 + 64));
      });
      expect(err, `flip at ${at}`).toMatchObject({ code: 'invalid-message', details: { misbehaving: true } });
    }
  });

  it('random bytes, at any stage, give a typed error or wait for more; never anything else', () => {
    const next = prng(5);
    for (let trial = 0; trial < 30; trial++) {
      const s = trial % 3 === 0 ? new V2Session({ initiating: false, magic: REGTEST }) : pair({}, {}, trial).b.s;
      const junk = Uint8Array.from({ length: 1 + next(6000) }, () => next(256));
      const err = codeAndDetails(() => s.receive(junk));
      if (err !== 'nothing thrown') expect(err).toMatchObject({ code: 'invalid-message' });
    }
  });
});

function codeAndDetails(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e instanceof CofferError ? { code: e.code, details: e.details } : e;
  }
  return 'nothing thrown';
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
