// What a wallet and a remote watchtower say over their Noise channel (pure): JSON messages split
// across frames behind a 4-byte total length (capped), the wallet's signed push of its keyless
// package, the tower's decision on it (store, already held, or refused with a reason), and what
// it then guards (a vault once pushed is kept).

import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from '@scure/base';
import { z } from 'zod';
import { CofferError } from '../api/errors.js';
import { parsePackage, type TowerPackage } from '../vaults/watchtower.js';
import { MAX_FRAME } from './noise.js';

/** The handshake's prologue: a Lightning node (prologue "lightning") cannot be mistaken for a tower. */
export const TOWER_PROLOGUE = new TextEncoder().encode('coffer-tower');
/** The largest message either side accepts (a package of thousands of vaults fits). */
export const MAX_MESSAGE = 16 * 2 ** 20;

const HEX64 = /^[0-9a-f]{64}$/;

const pushSchema = z
  .object({
    type: z.literal('push'),
    announceKey: z.string().regex(HEX64),
    /** Strictly increasing per wallet (the wallet uses its clock in ms). */
    version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /** The package's JSON text, exactly as signed. */
    package: z.string().max(MAX_MESSAGE),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  })
  .strict();
export type Push = z.infer<typeof pushSchema>;

const REFUSALS = ['stale', 'signature', 'package', 'network', 'key', 'full', 'message'] as const;
export type RefusalReason = (typeof REFUSALS)[number];

const replySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), version: z.number().int().positive(), height: z.number().int().nonnegative() }).strict(),
  z.object({ type: z.literal('refused'), reason: z.enum(REFUSALS), message: z.string().max(500), version: z.number().int().positive().optional() }).strict(),
]);
export type Reply = z.infer<typeof replySchema>;

function bad(reason: string, message: string): CofferError {
  return new CofferError('invalid-message', message, { reason, misbehaving: true });
}

// ---- framing ----

/** One message as frame payloads: a 4-byte big-endian total length, then the JSON, cut at 65,535 bytes. */
export function encodeMessage(value: unknown): Uint8Array[] {
  const body = new TextEncoder().encode(JSON.stringify(value));
  if (body.length > MAX_MESSAGE) throw bad('message-too-large', `A message holds at most ${MAX_MESSAGE} bytes; this one has ${body.length}.`);
  const all = new Uint8Array(4 + body.length);
  new DataView(all.buffer).setUint32(0, body.length);
  all.set(body, 4);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += MAX_FRAME) frames.push(all.subarray(at, at + MAX_FRAME));
  return frames;
}

/** Gathers frame payloads into whole messages; a total over the cap is refused before it is buffered. */
export class MessageAssembler {
  private parts: Uint8Array[] = [];
  private have = 0;
  private want: number | undefined;

  constructor(private readonly max = MAX_MESSAGE) {}

  /** The frame's payload; the parsed JSON of a message it completes. */
  push(frame: Uint8Array): unknown[] {
    const out: unknown[] = [];
    let at = 0;
    while (at < frame.length) {
      if (this.want === undefined) {
        if (frame.length - at < 4) throw bad('short-length', 'A message must start with its 4-byte length in one frame.');
        this.want = new DataView(frame.buffer, frame.byteOffset + at, 4).getUint32(0);
        at += 4;
        if (this.want > this.max) throw bad('message-too-large', `A message holds at most ${this.max} bytes; the peer announced ${this.want}.`);
      }
      const take = Math.min(this.want - this.have, frame.length - at);
      this.parts.push(frame.subarray(at, at + take));
      this.have += take;
      at += take;
      if (this.have === this.want) {
        const whole = new Uint8Array(this.have);
        let o = 0;
        for (const p of this.parts) {
          whole.set(p, o);
          o += p.length;
        }
        this.parts = [];
        this.have = 0;
        this.want = undefined;
        try {
          out.push(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(whole)));
        } catch {
          throw bad('json', 'The peer sent a message that is not JSON.');
        }
      }
    }
    return out;
  }
}

// ---- the push ----

/** What the announcement key signs: domain, the tower it is for, the version, the package's hash. */
export function pushDigest(towerId: Uint8Array, version: number, packageText: string): Uint8Array {
  const tag = new TextEncoder().encode('coffer-tower-push\n');
  const msg = new Uint8Array(tag.length + 33 + 8 + 32);
  msg.set(tag);
  msg.set(towerId, tag.length);
  new DataView(msg.buffer).setBigUint64(tag.length + 33, BigInt(version));
  msg.set(sha256(new TextEncoder().encode(packageText)), tag.length + 41);
  return sha256(msg);
}

export function signPush(towerId: Uint8Array, version: number, packageText: string, announceSecret: Uint8Array): Push {
  return {
    type: 'push',
    announceKey: hex.encode(schnorr.getPublicKey(announceSecret)),
    version,
    package: packageText,
    signature: hex.encode(schnorr.sign(pushDigest(towerId, version, packageText), announceSecret)),
  };
}

export function parsePush(value: unknown): Push {
  const p = pushSchema.safeParse(value);
  if (!p.success) throw bad('push', `Not a push (${p.error.issues[0]?.path.join('.') || 'top level'}).`);
  return p.data;
}

export function parseReply(value: unknown): Reply {
  const r = replySchema.safeParse(value);
  if (!r.success) throw bad('reply', `The tower's answer is not in its format (${r.error.issues[0]?.path.join('.') || 'top level'}).`);
  return r.data;
}

/** What the tower holds of one wallet: its newest push. */
export interface StoredPush {
  version: number;
  package: string;
  signature: string;
}

export type Decision = { store: true; pkg: TowerPackage } | { store: false; reply: Reply };

const refuse = (reason: RefusalReason, message: string, version?: number): Decision => ({
  store: false,
  reply: { type: 'refused', reason, message, ...(version === undefined ? {} : { version }) },
});

/**
 * The tower's decision on a push: signed by the key it names for this tower, a package of Coffer's
 * format for the tower's network announcing with that same key, and newer than what it holds (the
 * same version and package again is acknowledged as held). `height` is the tower's tip for the ack.
 */
export function decidePush(push: Push, ctx: { towerId: Uint8Array; network: string; stored: StoredPush | undefined; height: number }): Decision {
  let valid = false;
  try {
    valid = schnorr.verify(hex.decode(push.signature), pushDigest(ctx.towerId, push.version, push.package), hex.decode(push.announceKey));
  } catch {
    valid = false;
  }
  if (!valid) return refuse('signature', 'The push is not signed by the announcement key it names, for this tower.');
  const s = ctx.stored;
  if (s && push.version === s.version && push.package === s.package) return { store: false, reply: { type: 'ack', version: s.version, height: ctx.height } };
  if (s && push.version <= s.version) return refuse('stale', `This tower already holds version ${s.version} of this wallet's package.`, s.version);
  let pkg: TowerPackage;
  try {
    pkg = parsePackage(push.package);
  } catch (e) {
    return refuse('package', e instanceof Error ? e.message : 'The package is not in Coffer\'s format.');
  }
  if (pkg.network !== ctx.network) return refuse('network', `The package is for ${pkg.network}; this tower watches ${ctx.network}.`);
  if (pkg.announceKey !== push.announceKey) return refuse('key', 'The package names another announcement key than the one that signed it.');
  return { store: true, pkg };
}

/**
 * What the tower guards after a push: the new package, plus every vault of the wallet's earlier
 * ones that it no longer lists, with their announcements. The wallet never drops a vault; one that
 * lost its database (restored from the words) pushes fewer, and its tower must not forget the rest.
 */
export function keepForgotten(prev: TowerPackage | undefined, next: TowerPackage): TowerPackage {
  if (!prev) return next;
  const ids = new Set(next.vaults.map((v) => v.id));
  const kept = prev.vaults.filter((v) => !ids.has(v.id));
  const said = new Set((next.announcements ?? []).map((a) => `${a.vault} ${a.unvaultTxid}`));
  const announced = (prev.announcements ?? []).filter((a) => !said.has(`${a.vault} ${a.unvaultTxid}`));
  if (kept.length === 0 && announced.length === 0) return next;
  return { ...next, vaults: [...next.vaults, ...kept], announcements: [...(next.announcements ?? []), ...announced] };
}
