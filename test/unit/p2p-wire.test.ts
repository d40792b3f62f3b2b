// P2P framing: known frames from real nodes, the streaming decoder, hostile streams and fuzzing.

import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { encodeFrame, FrameDecoder, MAX_PAYLOAD, type Frame } from '../../src/p2p/wire.js';
import { expectCode } from '../helpers/errors.js';
import { prng } from '../helpers/prng.js';

const MAINNET = 0xd9b4bef9;
const TESTNET = 0x0709110b;

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Public vectors, copied as data. The Bitcoin wiki's example version frame (Satoshi 0.7.2, no
// relay byte), a version frame a Bitcoin Core 23.0.0 mainnet node sent, and its verack.
const WIKI_VERSION_FRAME = hex(`
  f9beb4d9 76657273696f6e0000000000 64000000 358d4932
  62ea0000 0100000000000000 11b2d05000000000
  0100000000000000 00000000000000000000ffff00000000 0000
  0000000000000000 00000000000000000000ffff00000000 0000
  3b2eb35d8ce61765 0f2f5361746f7368693a302e372e322f c03e0300`);
const CORE23_VERSION_FRAME = hex(`
  f9beb4d9 76657273696f6e0000000000 66000000 bdcad498
  80110100 0d04000000000000 5083506300000000
  0000000000000000 00000000000000000000000000000000 0000
  0d04000000000000 00000000000000000000000000000000 0000
  ff0ae91284bdd3e2 102f5361746f7368693a32332e302e302f 8e960b00 01`);
const VERACK_FRAME = hex('f9beb4d9 76657261636b000000000000 00000000 5df6e0e2');


function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function feedAll(d: FrameDecoder, bytes: Uint8Array, sizes: (remaining: number) => number): Frame[] {
  const frames: Frame[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = Math.max(1, Math.min(sizes(bytes.length - o), bytes.length - o));
    frames.push(...d.push(bytes.subarray(o, o + n)));
    o += n;
  }
  return frames;
}

describe('encodeFrame', () => {
  it('reproduces frames captured from real nodes, byte for byte', () => {
    for (const frame of [WIKI_VERSION_FRAME, CORE23_VERSION_FRAME, VERACK_FRAME]) {
      const command = Buffer.from(frame.subarray(4, 16)).toString('latin1').replace(/\0+$/, '');
      expect(toHex(encodeFrame(MAINNET, command, frame.subarray(24)))).toBe(toHex(frame));
    }
  });

  it('writes the magic little-endian and pads a 12-letter command with no NUL', () => {
    const f = encodeFrame(MAINNET, 'abcdefghijkl', new Uint8Array([7]));
    expect(toHex(f.subarray(0, 4))).toBe('f9beb4d9');
    expect(Buffer.from(f.subarray(4, 16)).toString('latin1')).toBe('abcdefghijkl');
    expect(toHex(f.subarray(16, 20))).toBe('01000000');
    expect(f.length).toBe(25);
  });

  it('refuses commands and payloads it must not send', () => {
    for (const bad of ['', 'abcdefghijklm', 'ping\n', 'caf\u00e9']) {
      expectCode(() => encodeFrame(MAINNET, bad, new Uint8Array(0)), 'invalid-message');
    }
    expectCode(() => encodeFrame(-1, 'ping', new Uint8Array(0)), 'invalid-message');
    expect(expectCode(() => encodeFrame(MAINNET, 'block', new Uint8Array(MAX_PAYLOAD + 1)), 'invalid-message').details['reason']).toBe('payload too large');
  });
});

describe('FrameDecoder', () => {
  const stream = concat([WIKI_VERSION_FRAME, VERACK_FRAME, CORE23_VERSION_FRAME, encodeFrame(MAINNET, 'inv', new Uint8Array(3000).fill(9))]);
  const expected = ['version', 'verack', 'version', 'inv'];

  it('decodes several frames from one chunk', () => {
    const frames = new FrameDecoder(MAINNET).push(stream);
    expect(frames.map((f) => f.command)).toEqual(expected);
    expect(toHex(frames[2]!.payload)).toBe(toHex(CORE23_VERSION_FRAME.subarray(24)));
    expect(frames[3]!.payload.length).toBe(3000);
  });

  it('decodes the same frames fed one byte at a time', () => {
    const d = new FrameDecoder(MAINNET);
    const frames = feedAll(d, stream, () => 1);
    expect(frames.map((f) => f.command)).toEqual(expected);
    expect(toHex(frames[0]!.payload)).toBe(toHex(WIKI_VERSION_FRAME.subarray(24)));
    expect(d.bufferedBytes).toBe(0);
  });

  it('decodes the same frames at random chunk boundaries', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const frames = feedAll(new FrameDecoder(MAINNET), stream, () => 1 + rand(200));
      expect(frames.map((f) => toHex(f.payload))).toEqual(new FrameDecoder(MAINNET).push(stream).map((f) => toHex(f.payload)));
    }
  });

  it('decodes a long stream of varied frames in odd chunks, reusing and growing its buffer', () => {
    const rand = prng(42);
    const sent = Array.from({ length: 400 }, (_, i) => ({ command: `c${i}`, payload: Uint8Array.from({ length: rand(3) === 0 ? rand(20_000) : rand(300) }, () => rand(256)) }));
    const bytes = concat(sent.map((f) => encodeFrame(MAINNET, f.command, f.payload)));
    const d = new FrameDecoder(MAINNET);
    const got = feedAll(d, bytes, () => 1 + rand(rand(2) === 0 ? 50 : 9000));
    expect(got.length).toBe(sent.length);
    got.forEach((f, i) => {
      expect(f.command).toBe(sent[i]!.command);
      expect(toHex(f.payload)).toBe(toHex(sent[i]!.payload));
    });
  });

  it('holds a header split across chunks until it is complete', () => {
    const d = new FrameDecoder(MAINNET);
    expect(d.push(VERACK_FRAME.subarray(0, 10))).toEqual([]);
    expect(d.bufferedBytes).toBe(10);
    expect(d.push(VERACK_FRAME.subarray(10)).map((f) => f.command)).toEqual(['verack']);
  });

  it('copies what it keeps, so the caller may reuse its buffer', () => {
    const d = new FrameDecoder(MAINNET);
    const chunk = WIKI_VERSION_FRAME.slice(0, 60);
    d.push(chunk);
    chunk.fill(0xee);
    const [frame] = d.push(WIKI_VERSION_FRAME.subarray(60));
    expect(toHex(frame!.payload)).toBe(toHex(WIKI_VERSION_FRAME.subarray(24)));
  });

  it('stays linear when a large frame trickles in byte by byte', () => {
    const frame = encodeFrame(MAINNET, 'block', new Uint8Array(512 * 1024).fill(1));
    const d = new FrameDecoder(MAINNET);
    const started = performance.now();
    let got: Frame[] = [];
    for (let i = 0; i < frame.length; i++) got = got.concat(d.push(frame.subarray(i, i + 1)));
    // Quadratic buffering would copy ~10^11 bytes here and take minutes.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(got.length).toBe(1);
    expect(got[0]!.payload.length).toBe(512 * 1024);
  });

  it('refuses another network by the fourth byte', () => {
    const d = new FrameDecoder(TESTNET);
    expect(expectCode(() => d.push(VERACK_FRAME.subarray(0, 4)), 'invalid-message').details['reason']).toBe('bad magic');
  });

  it('refuses a bad magic on a later frame', () => {
    const bad = VERACK_FRAME.slice();
    bad[3]! ^= 1;
    expect(expectCode(() => new FrameDecoder(MAINNET).push(concat([VERACK_FRAME, bad])), 'invalid-message').details['reason']).toBe('bad magic');
  });

  it('refuses a wrong checksum', () => {
    const bad = WIKI_VERSION_FRAME.slice();
    bad[bad.length - 1]! ^= 0x80;
    expect(expectCode(() => new FrameDecoder(MAINNET).push(bad), 'invalid-message').details['reason']).toBe('bad checksum');
  });

  it('refuses an oversized length from the header alone, before any payload arrives', () => {
    const header = VERACK_FRAME.slice();
    new DataView(header.buffer).setUint32(16, MAX_PAYLOAD + 1, true);
    expect(expectCode(() => new FrameDecoder(MAINNET).push(header), 'invalid-message').details['reason']).toBe('payload too large');
    new DataView(header.buffer).setUint32(16, 1001, true);
    expectCode(() => new FrameDecoder(MAINNET, 1000).push(header), 'invalid-message');
    new DataView(header.buffer).setUint32(16, 1000, true);
    expect(new FrameDecoder(MAINNET, 1000).push(header)).toEqual([]);
  });

  it('refuses garbage command names', () => {
    const commands = [
      'ver\0sion\0\0\0\0', // NUL inside the name
      'ping\0\0\0\0\0\0\0x', // junk after the padding
      '\0'.repeat(12), // empty
      'pi\nng\0\0\0\0\0\0\0', // control character
      'ping\u00ff\0\0\0\0\0\0\0', // not ASCII
    ];
    for (const c of commands) {
      const frame = VERACK_FRAME.slice();
      frame.set(Buffer.from(c, 'latin1'), 4);
      expect(expectCode(() => new FrameDecoder(MAINNET).push(frame), 'invalid-message').details['reason']).toBe('bad command');
    }
  });

  it('is unusable after an error', () => {
    const d = new FrameDecoder(MAINNET);
    const bad = VERACK_FRAME.slice();
    bad[20]! ^= 1;
    expectCode(() => d.push(bad), 'invalid-message');
    expect(expectCode(() => d.push(VERACK_FRAME), 'invalid-message').details['reason']).toBe('decoder failed');
  });
});

describe('fuzzing the frame decoder', () => {
  const seeds = [WIKI_VERSION_FRAME, CORE23_VERSION_FRAME, VERACK_FRAME, encodeFrame(MAINNET, 'ping', hex('0102030405060708'))];

  function mutate(rand: (n: number) => number, b: Uint8Array): Uint8Array {
    const out = Array.from(b);
    const edits = 1 + rand(4);
    for (let e = 0; e < edits; e++) {
      const at = rand(out.length + 1);
      switch (rand(4)) {
        case 0:
          if (out.length > 0) out[at % out.length]! ^= 1 << rand(8);
          break;
        case 1:
          out.splice(at, 0, rand(256));
          break;
        case 2:
          out.splice(at, 1 + rand(4));
          break;
        default:
          out.length = Math.min(out.length, at);
      }
    }
    return Uint8Array.from(out);
  }

  /** Feeding must give frames or a CofferError 'invalid-message', nothing else. */
  function survive(rand: (n: number) => number, bytes: Uint8Array): number {
    const d = new FrameDecoder(MAINNET, 1 << 16);
    try {
      const frames = feedAll(d, bytes, () => 1 + rand(64));
      for (const f of frames) expect(f.command).toMatch(/^[\x20-\x7e]{1,12}$/);
      return frames.length;
    } catch (e) {
      if (!(e instanceof CofferError) || e.code !== 'invalid-message') throw e;
      return 0;
    }
  }

  it('survives 4000 mutated streams and 1000 random ones', { timeout: 20_000 }, () => {
    const rand = prng(0xc0ffee);
    let decoded = 0;
    for (let i = 0; i < 4000; i++) {
      const stream = concat([seeds[rand(seeds.length)]!, seeds[rand(seeds.length)]!]);
      try {
        decoded += survive(rand, mutate(rand, stream));
      } catch (e) {
        throw new Error(`mutated case ${i}: ${String(e)}`);
      }
    }
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: rand(300) }, () => rand(256));
      // Half the random streams start with the right magic, so they get past the first check.
      if (i % 2 === 0 && bytes.length >= 4) bytes.set(VERACK_FRAME.subarray(0, 4));
      survive(rand, bytes);
    }
    // Some mutations (in a payload after a good frame, say) leave whole frames to decode.
    expect(decoded).toBeGreaterThan(500);
  });
});
