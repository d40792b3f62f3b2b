// BOLT 8's handshake and transport against the vectors published in BOLT 8 (prologue "lightning"),
// then tampering: every bad act, MAC or length is a typed `invalid-message`, never a crash.

import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { FrameReader, Initiator, Responder, type NoiseTransport } from '../../src/net/noise.js';

const h = (s: string) => hex.decode(s.replace(/^0x/, ''));
const LIGHTNING = new TextEncoder().encode('lightning');
const RS_PUB = '028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7';
const ACT1 = '00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a';
const ACT2 = '0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae';
const ACT3 = '00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba';

const initiator = () => new Initiator({ local: h('11'.repeat(32)), ephemeral: h('12'.repeat(32)), prologue: LIGHTNING }, h(RS_PUB));
const responder = () => new Responder({ local: h('21'.repeat(32)), ephemeral: h('22'.repeat(32)), prologue: LIGHTNING });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    expect((e as CofferError).code).toBe('invalid-message');
    return String((e as CofferError).details['reason']);
  }
  throw new Error('no error');
}

describe('BOLT 8 handshake vectors', () => {
  it('initiator: act one, act two read, act three written', () => {
    const i = initiator();
    expect(hex.encode(i.act1())).toBe(ACT1);
    const { act3, transport } = i.act2(h(ACT2));
    expect(hex.encode(act3)).toBe(ACT3);
    // The first message of the transport test, sent with sk.
    expect(hex.encode(transport.encrypt(new TextEncoder().encode('hello')))).toBe('cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95');
  });

  it('responder: act one read, act two written, act three read with the initiator key', () => {
    const r = responder();
    expect(hex.encode(r.act1(h(ACT1)))).toBe(ACT2);
    const { remote, transport } = r.act3(h(ACT3));
    expect(hex.encode(remote)).toBe('034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa');
    const reader = new FrameReader(transport);
    expect(new TextDecoder().decode(reader.push(h('cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95'))[0])).toBe('hello');
  });

  it('initiator refuses a short, versioned, off-curve or forged act two', () => {
    expect(reason(() => initiator().act2(h(ACT2.slice(0, -2))))).toBe('act2-length');
    const bad = (edit: (b: Uint8Array) => void) => {
      const i = initiator();
      i.act1();
      const b = h(ACT2);
      edit(b);
      return reason(() => i.act2(b));
    };
    expect(bad((b) => (b[0] = 1))).toBe('act2-version');
    expect(bad((b) => (b[1] = 4))).toBe('act2-key');
    expect(bad((b) => (b[49]! ^= 1))).toBe('act2-mac');
  });

  it('responder refuses bad acts one and three as BOLT 8 lists them', () => {
    expect(reason(() => responder().act1(h(ACT1.slice(0, -2))))).toBe('act1-length');
    expect(reason(() => responder().act1(h('01' + ACT1.slice(2))))).toBe('act1-version');
    expect(reason(() => responder().act1(h('0004' + ACT1.slice(4))))).toBe('act1-key');
    expect(reason(() => responder().act1(h(ACT1.slice(0, -2) + '6b')))).toBe('act1-mac');
    const act3 = (a3: string) => {
      const r = responder();
      r.act1(h(ACT1));
      return reason(() => r.act3(h(a3)));
    };
    expect(act3('01' + ACT3.slice(2))).toBe('act3-version');
    expect(act3(ACT3.slice(0, -2))).toBe('act3-length');
    expect(act3('00c9' + ACT3.slice(4))).toBe('act3-ciphertext-mac');
    expect(act3('00bfe3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa2235536ad09a8ee351870c2bb7f78b754a26c6cef79a98d25139c856d7efd252c2ae73c')).toBe('act3-key');
    expect(act3(ACT3.slice(0, -2) + 'bb')).toBe('act3-mac');
  });

  it('a responder with another static key cannot read act one (a wrong pinned id)', () => {
    const other = new Responder({ local: h('31'.repeat(32)), prologue: LIGHTNING });
    expect(reason(() => other.act1(h(ACT1)))).toBe('act1-mac');
  });
});

describe('BOLT 8 transport', () => {
  function pair(): { a: NoiseTransport; b: NoiseTransport } {
    const i = initiator();
    const r = responder();
    const a2 = r.act1(i.act1());
    const { act3, transport: a } = i.act2(a2);
    return { a, b: r.act3(act3).transport };
  }

  it('rotates keys as the vectors show (messages 500, 501, 1000, 1001)', () => {
    const { a } = pair();
    const hello = new TextEncoder().encode('hello');
    const out: string[] = [];
    for (let n = 0; n <= 1001; n++) out.push(hex.encode(a.encrypt(hello)));
    expect(out[1]).toBe('72887022101f0b6753e0c7de21657d35a4cb2a1f5cde2650528bbc8f837d0f0d7ad833b1a256a1');
    expect(out[500]).toBe('178cb9d7387190fa34db9c2d50027d21793c9bc2d40b1e14dcf30ebeeeb220f48364f7a4c68bf8');
    expect(out[501]).toBe('1b186c57d44eb6de4c057c49940d79bb838a145cb528d6e8fd26dbe50a60ca2c104b56b60e45bd');
    expect(out[1000]).toBe('4a2f3cc3b5e78ddb83dcb426d9863d9d9a723b0337c89dd0b005d89f8d3c05c52b76b29b740f09');
    expect(out[1001]).toBe('2ecd8c8a5629d0d02ab457a0fdd0f7b90a192cd46be5ecb6ca570bfc5e268338b1a16cf4ef2d36');
  });

  it('reads frames split anywhere and both ways, past a rotation', () => {
    const { a, b } = pair();
    const reader = new FrameReader(b);
    const sent: string[] = [];
    let stream = new Uint8Array(0);
    for (let n = 0; n < 600; n++) {
      const m = `message ${n} ${'x'.repeat(n % 50)}`;
      sent.push(m);
      const f = a.encrypt(new TextEncoder().encode(m));
      const next = new Uint8Array(stream.length + f.length);
      next.set(stream);
      next.set(f, stream.length);
      stream = next;
    }
    const got: string[] = [];
    for (let at = 0; at < stream.length; at += 7) for (const m of reader.push(stream.subarray(at, at + 7))) got.push(new TextDecoder().decode(m));
    expect(got).toEqual(sent);
    expect(new TextDecoder().decode(new FrameReader(a).push(b.encrypt(new TextEncoder().encode('back')))[0])).toBe('back');
  });

  it('a changed length or body byte is a typed error; a frame over 65,535 bytes is refused', () => {
    const frame = (edit: number) => {
      const { a, b } = pair();
      const f = a.encrypt(new TextEncoder().encode('hello'));
      f[edit]! ^= 1;
      return reason(() => new FrameReader(b).push(f));
    };
    expect(frame(0)).toBe('header-mac');
    expect(frame(20)).toBe('body-mac');
    expect(reason(() => pair().a.encrypt(new Uint8Array(65_536)))).toBe('frame-too-large');
  });
});
