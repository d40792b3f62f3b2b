// The remote tower's protocol: messages framed under a cap, pushes signed by the wallet's
// announcement key for one tower and one version, and the tower's decision on each; then the
// union a tower guards, where one wallet's announcement never covers another wallet's vault.

import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { txid as txidOf } from '../../src/chain/tx.js';
import { MAX_FRAME } from '../../src/net/noise.js';
import { decidePush, encodeMessage, keepForgotten, MessageAssembler, MAX_MESSAGE, parsePush, signPush, type StoredPush } from '../../src/net/tower-protocol.js';
import { DEFAULT_CANCEL_FEERATES, presign } from '../../src/vaults/vault-tx.js';
import { announcedKey, react, signAnnouncement, towerVault, unionPackage, verifyAnnouncement, type TowerPackage } from '../../src/vaults/watchtower.js';

const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : 0x31 + i));
const TOWER = secp256k1.getPublicKey(key(9), true);
const OTHER_TOWER = secp256k1.getPublicKey(key(8), true);
const ALICE = key(1);
const MALLORY = key(2);
const deposit = { txid: new Uint8Array(32).fill(0xcd), vout: 0, value: 2_000_000 };
const set = presign({ deposit, k: key(4), recoveryKey: secp256k1.getPublicKey(key(5), true), hotKey: secp256k1.getPublicKey(key(6), true), delay: 144, recoveryScript: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7)), unvaultFeerate: 5, cancelFeerates: DEFAULT_CANCEL_FEERATES });
const unvaultTxid = hashToHex(txidOf(set.unvault));

function pkgOf(secret: Uint8Array, opts: { network?: TowerPackage['network']; announce?: boolean } = {}): string {
  const p: TowerPackage = {
    format: 'coffer-watchtower',
    version: 1,
    network: opts.network ?? 'regtest',
    announceKey: hex.encode(schnorr.getPublicKey(secret)),
    vaults: [towerVault('v1', set, deposit)],
    ...(opts.announce ? { announcements: [{ vault: 'v1', unvaultTxid, signature: signAnnouncement('v1', unvaultTxid, secret) }] } : {}),
  };
  return JSON.stringify(p);
}

function thrown(fn: () => unknown): CofferError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CofferError);
    return e as CofferError;
  }
  throw new Error('no error');
}

describe('framing', () => {
  it('splits a large message across frames and joins it back, fed in any pieces', () => {
    const big = { type: 'push', text: 'x'.repeat(200_000) };
    const frames = encodeMessage(big);
    expect(frames.length).toBe(Math.ceil((JSON.stringify(big).length + 4) / MAX_FRAME));
    expect(frames.every((f) => f.length <= MAX_FRAME)).toBe(true);
    const a = new MessageAssembler();
    const got = frames.flatMap((f) => a.push(f));
    expect(got).toEqual([big]);
    // Two small messages in one frame come out as two.
    const two = [...encodeMessage({ n: 1 })[0]!, ...encodeMessage({ n: 2 })[0]!];
    expect(new MessageAssembler().push(Uint8Array.from(two))).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a total over the cap before buffering it, a short length and a body that is not JSON', () => {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, MAX_MESSAGE + 1);
    expect(thrown(() => new MessageAssembler().push(header)).details['reason']).toBe('message-too-large');
    expect(thrown(() => new MessageAssembler(100).push(encodeMessage({ t: 'y'.repeat(200) })[0]!)).details['reason']).toBe('message-too-large');
    expect(thrown(() => encodeMessage({ t: 'z'.repeat(MAX_MESSAGE) })).details['reason']).toBe('message-too-large');
    expect(thrown(() => new MessageAssembler().push(Uint8Array.of(0, 0))).details['reason']).toBe('short-length');
    expect(thrown(() => new MessageAssembler().push(Uint8Array.of(0, 0, 0, 2, 0x7b, 0x7b))).details['reason']).toBe('json');
    expect(thrown(() => parsePush({ type: 'push', announceKey: 'zz' })).code).toBe('invalid-message');
  });
});

describe('a push and the tower decision', () => {
  const ctx = (stored?: StoredPush, network = 'regtest') => ({ towerId: TOWER, network, stored, height: 120 });

  it('stores a push signed by the key its package names, for this tower, on its network', () => {
    const push = signPush(TOWER, 1000, pkgOf(ALICE), ALICE);
    const d = decidePush(parsePush(JSON.parse(JSON.stringify(push))), ctx());
    expect(d.store).toBe(true);
    if (d.store) expect(d.pkg.vaults[0]!.id).toBe('v1');
  });

  it('refuses a bad signature, one made for another tower, another version or another package', () => {
    const push = signPush(TOWER, 1000, pkgOf(ALICE), ALICE);
    const reason = (p: typeof push) => {
      const d = decidePush(p, ctx());
      return d.store ? 'stored' : d.reply.type === 'refused' ? d.reply.reason : 'ack';
    };
    expect(reason({ ...push, signature: '00'.repeat(64) })).toBe('signature');
    expect(reason(signPush(OTHER_TOWER, 1000, pkgOf(ALICE), ALICE))).toBe('signature');
    expect(reason({ ...push, version: 1001 })).toBe('signature');
    expect(reason({ ...push, package: pkgOf(ALICE, { announce: true }) })).toBe('signature');
  });

  it('acks the version it holds again, refuses an older or equal one as stale with its version', () => {
    const first = signPush(TOWER, 2000, pkgOf(ALICE), ALICE);
    const stored: StoredPush = { version: first.version, package: first.package, signature: first.signature };
    expect(decidePush(first, ctx(stored))).toEqual({ store: false, reply: { type: 'ack', version: 2000, height: 120 } });
    const older = decidePush(signPush(TOWER, 1999, pkgOf(ALICE, { announce: true }), ALICE), ctx(stored));
    expect(older).toMatchObject({ store: false, reply: { type: 'refused', reason: 'stale', version: 2000 } });
    const sameVersion = decidePush(signPush(TOWER, 2000, pkgOf(ALICE, { announce: true }), ALICE), ctx(stored));
    expect(sameVersion).toMatchObject({ store: false, reply: { reason: 'stale' } });
    expect(decidePush(signPush(TOWER, 2001, pkgOf(ALICE, { announce: true }), ALICE), ctx(stored)).store).toBe(true);
  });

  it("another wallet's key cannot push a package that names Alice's key (so cannot overwrite hers)", () => {
    // Mallory signs with her own key a package that claims to be Alice's.
    const forged = signPush(TOWER, 5000, pkgOf(ALICE, { announce: true }), MALLORY);
    expect(decidePush(forged, ctx())).toMatchObject({ store: false, reply: { reason: 'key' } });
    // Claiming Alice's key in the push itself needs Alice's signature.
    expect(decidePush({ ...forged, announceKey: hex.encode(schnorr.getPublicKey(ALICE)) }, ctx())).toMatchObject({ store: false, reply: { reason: 'signature' } });
  });

  it('refuses a package for another network, and one that is not a package', () => {
    expect(decidePush(signPush(TOWER, 1, pkgOf(ALICE, { network: 'main' }), ALICE), ctx())).toMatchObject({ store: false, reply: { reason: 'network' } });
    expect(decidePush(signPush(TOWER, 1, '{"format":"other"}', ALICE), ctx())).toMatchObject({ store: false, reply: { reason: 'package' } });
  });
});

describe('what a tower keeps of one wallet', () => {
  it('a later push that lists fewer vaults (a wallet restored from its words) leaves the others guarded, with their announcements', () => {
    const before = JSON.parse(pkgOf(ALICE, { announce: true })) as TowerPackage;
    const other = { ...before.vaults[0]!, id: 'v2' };
    const after: TowerPackage = { ...before, vaults: [other], announcements: [] };
    const kept = keepForgotten(before, after);
    expect(kept.vaults.map((v) => v.id)).toEqual(['v2', 'v1']);
    expect(kept.announcements).toEqual(before.announcements);
    // A push that lists everything is taken as it is; so is a wallet's first.
    expect(keepForgotten(before, before)).toBe(before);
    expect(keepForgotten(undefined, after)).toBe(after);
  });
});

describe("the union a tower guards", () => {
  const alice = JSON.parse(pkgOf(ALICE)) as TowerPackage;
  // Mallory copies Alice's vault (deposit and unvault are public once on chain) and announces it with her key.
  const mallory = JSON.parse(pkgOf(MALLORY, { announce: true })) as TowerPackage;
  const union = unionPackage('regtest', [alice, mallory]);

  it("keeps each wallet's vaults apart, and checks each announcement with its own wallet's key", () => {
    expect(union.vaults.map((v) => v.id)).toEqual([`${alice.announceKey}:v1`, `${mallory.announceKey}:v1`]);
    const a = union.announcements![0]!;
    expect(verifyAnnouncement(union, a.vault, a.unvaultTxid, a.signature)).toBe(true);
    // The same signature does not announce Alice's copy of the vault.
    expect(verifyAnnouncement(union, `${alice.announceKey}:v1`, a.unvaultTxid, a.signature)).toBe(false);
  });

  it("Mallory's announcement leaves Alice's vault cancelled when the unvault shows up", () => {
    const a = union.announcements![0]!;
    const announced = new Set([announcedKey(a.vault, a.unvaultTxid)]);
    const events = react(union, set.unvault, announced, 5);
    expect(events).toContainEqual(expect.objectContaining({ event: 'cancel', vault: `${alice.announceKey}:v1` }));
    expect(events).toContainEqual({ event: 'unvault', vault: `${mallory.announceKey}:v1`, txid: unvaultTxid, announced: true });
  });
});
