// The watchtower's package and decisions: keyless, strict about what it reads, and cancelling
// exactly the unvaults the wallet did not announce, with the cheapest rung that meets the need.

import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { towerWatchSet } from '../../src/service/watchtower-runner.js';
import { DEFAULT_CANCEL_FEERATES, p2wsh, presign, recoverySweep, withdrawal } from '../../src/vaults/vault-tx.js';
import { announcedKey, chooseRung, parsePackage, react, requireScripts, signAnnouncement, towerVault, unionPackage, verifyAnnouncement, type TowerPackage } from '../../src/vaults/watchtower.js';

const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : 0x21 + i));
const pub = (k: Uint8Array) => secp256k1.getPublicKey(k, true);
const RECOVERY = key(1);
const HOT = key(2);
const ANNOUNCE = key(3);
const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));
const deposit = { txid: new Uint8Array(32).fill(0xab), vout: 2, value: 5_000_000 };
const set = presign({ deposit, k: key(4), recoveryKey: pub(RECOVERY), hotKey: pub(HOT), delay: 144, recoveryScript, unvaultFeerate: 5, cancelFeerates: DEFAULT_CANCEL_FEERATES });
const unvaultTxid = hashToHex(txidOf(set.unvault));

function makePackage(): TowerPackage {
  return { format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: hex.encode(schnorr.getPublicKey(ANNOUNCE)), vaults: [towerVault('v1', set, deposit)] };
}
const text = (p: unknown) => JSON.stringify(p);

describe('watchtower package', () => {
  it('round-trips: the presigned transactions and public data, and no key material', () => {
    const pkg = parsePackage(text(makePackage()));
    expect(pkg.vaults[0]!.cancels.map((c) => c.feerate)).toEqual([...DEFAULT_CANCEL_FEERATES]);
    const raw = text(pkg);
    for (const secret of [key(4), RECOVERY, HOT, ANNOUNCE]) expect(raw).not.toContain(hex.encode(secret));
  });

  it('refuses malformed packages with invalid-watchtower-package', () => {
    const good = makePackage();
    const v = good.vaults[0]!;
    const cases: [string, string][] = [
      ['not json', '{'],
      ['wrong format', text({ ...good, format: 'other' })],
      ['extra field', text({ ...good, extra: 1 })],
      ['bad hex', text({ ...good, vaults: [{ ...v, cancels: [{ ...v.cancels[0]!, hex: 'zz' }] }] })],
      ['not a transaction', text({ ...good, vaults: [{ ...v, cancels: [{ ...v.cancels[0]!, hex: '00' }] }] })],
      ['cancel spending the deposit', text({ ...good, vaults: [{ ...v, cancels: v.emergencies }] })],
      ['emergency spending the unvault', text({ ...good, vaults: [{ ...v, emergencies: v.cancels }] })],
      ['rungs out of order', text({ ...good, vaults: [{ ...v, cancels: [...v.cancels].reverse() }] })],
      ['duplicate vault', text({ ...good, vaults: [v, v] })],
      ['deposit script not P2WSH', text({ ...good, vaults: [{ ...v, deposit: { ...v.deposit, script: `0014${'11'.repeat(20)}` } }] })],
      ['unvault script of 33 bytes', text({ ...good, vaults: [{ ...v, unvaultScript: v.unvaultScript!.slice(0, -2) }] })],
      ['one script without the other', text({ ...good, vaults: [{ ...v, unvaultScript: undefined }] })],
      ['scripts swapped', text({ ...good, vaults: [{ ...v, unvaultScript: v.deposit.script, deposit: { ...v.deposit, script: v.unvaultScript } }] })],
      ['another deposit script', text({ ...good, vaults: [{ ...v, deposit: { ...v.deposit, script: `0020${'22'.repeat(32)}` } }] })],
      ['truncated', text(good).slice(0, 200)],
    ];
    for (const [what, t] of cases) {
      let err: unknown;
      try {
        parsePackage(t);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(CofferError);
      expect((err as CofferError).code, what).toBe('invalid-watchtower-package');
    }
  });
});

describe('the output scripts a tower on compact filters matches', () => {
  it('are the deposit P2WSH and the unvault output 0, and fill the watch set beside the outpoints', () => {
    const pkg = parsePackage(text(makePackage()));
    const v = pkg.vaults[0]!;
    expect(v.deposit.script).toBe(hex.encode(p2wsh(set.depositScript)));
    expect(v.unvaultScript).toBe(hex.encode(p2wsh(set.unvaultScript)));
    expect(v.unvaultScript).toBe(hex.encode(set.unvault.outputs[0]!.script));
    const w = towerWatchSet(pkg);
    expect(w.scripts.map((s) => hex.encode(s))).toEqual([v.deposit.script, v.unvaultScript]);
    expect(w.outpoints).toHaveLength(2);
  });

  it('a package from before them still loads and watches outpoints, but a tower on filters refuses it, naming the fix', () => {
    const good = makePackage();
    const v = good.vaults[0]!;
    const old = { ...good, vaults: [{ ...v, deposit: { txid: v.deposit.txid, vout: v.deposit.vout, value: v.deposit.value }, unvaultScript: undefined }] };
    const pkg = parsePackage(text(old));
    expect(towerWatchSet(pkg).scripts).toEqual([]);
    expect(towerWatchSet(pkg).outpoints).toHaveLength(2);
    expect(() => requireScripts(parsePackage(text(good)))).not.toThrow();
    let err: unknown;
    try {
      requireScripts(unionPackage('regtest', [pkg]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CofferError);
    expect((err as CofferError).code).toBe('invalid-watchtower-package');
    expect((err as CofferError).details).toEqual({ reason: 'no-scripts' });
    // The wallet's own vault id, not the union's prefixed one; and what to do.
    expect((err as CofferError).message).toContain('vault v1,');
    expect((err as CofferError).message).toContain('coffer watchtower export');
  });
});

describe('withdrawal announcements', () => {
  const pkg = makePackage();
  it('verify only for the announce key, the vault and the unvault they name', () => {
    const sig = signAnnouncement('v1', unvaultTxid, ANNOUNCE);
    expect(verifyAnnouncement(pkg, 'v1', unvaultTxid, sig)).toBe(true);
    expect(verifyAnnouncement(pkg, 'v2', unvaultTxid, sig)).toBe(false);
    expect(verifyAnnouncement(pkg, 'v1', '00'.repeat(32), sig)).toBe(false);
    // A thief holding only the hot key cannot sign for the announce key.
    expect(verifyAnnouncement(pkg, 'v1', unvaultTxid, signAnnouncement('v1', unvaultTxid, HOT))).toBe(false);
    expect(verifyAnnouncement(pkg, 'v1', unvaultTxid, 'nothex')).toBe(false);
    expect(verifyAnnouncement(pkg, 'v1', unvaultTxid, '00'.repeat(64))).toBe(false);
  });
});

describe('tower reactions', () => {
  const pkg = makePackage();
  const cancelOf = (events: ReturnType<typeof react>) => events.find((e) => e.event === 'cancel') as Extract<ReturnType<typeof react>[number], { event: 'cancel' }> | undefined;

  it('cancels an unannounced unvault with the cheapest rung meeting the need', () => {
    const c = cancelOf(react(pkg, set.unvault, new Set(), 20))!;
    expect(c.feerate).toBe(25);
    expect(c.cpfp).toBe(false);
    const tx = parseTx(hex.decode(c.hex));
    expect(hashToHex(tx.inputs[0]!.prevTxid)).toBe(unvaultTxid);
    expect(tx.outputs[0]!.script).toEqual(recoveryScript);
    expect(c.cancelTxid).toBe(hashToHex(txidOf(tx)));
  });

  it('flags a CPFP when the need is above the top rung, and lets an announced unvault be', () => {
    expect(cancelOf(react(pkg, set.unvault, new Set(), 900))).toMatchObject({ feerate: 500, cpfp: true });
    expect(react(pkg, set.unvault, new Set([announcedKey('v1', unvaultTxid)]), 20)).toEqual([{ event: 'unvault', vault: 'v1', txid: unvaultTxid, announced: true }]);
  });

  it('tells cancels, withdrawals, sweeps and unrelated transactions apart', () => {
    const cancel = set.cancels[0]!.tx;
    expect(react(pkg, cancel, new Set(), 1)).toEqual([{ event: 'cancelled', vault: 'v1', txid: hashToHex(txidOf(cancel)) }]);
    const w = withdrawal(set.unvaultOutput, set.unvaultScript, 144, HOT, recoveryScript, 2);
    expect(react(pkg, w, new Set([announcedKey('v1', unvaultTxid)]), 1)).toEqual([{ event: 'withdrawn', vault: 'v1', txid: hashToHex(txidOf(w)), announced: true }]);
    // A withdrawal after an unvault the tower never saw: the top rung goes out to replace it.
    const missed = react(pkg, w, new Set(), 1);
    expect(missed[0]).toMatchObject({ event: 'withdrawn', announced: false });
    expect(cancelOf(missed)).toMatchObject({ feerate: 500, cpfp: true, unvaultTxid });
    const sweep = recoverySweep(deposit, set.depositScript, RECOVERY, recoveryScript, 2);
    expect(react(pkg, sweep, new Set(), 1)).toEqual([{ event: 'deposit-spent', vault: 'v1', txid: hashToHex(txidOf(sweep)) }]);
    const emergency = set.emergencies[2]!.tx;
    expect(react(pkg, emergency, new Set(), 1)).toEqual([{ event: 'cancelled', vault: 'v1', txid: hashToHex(txidOf(emergency)) }]);
    const unrelated: Tx = { ...cancel, inputs: [{ ...cancel.inputs[0]!, prevTxid: new Uint8Array(32).fill(1) }] };
    expect(react(pkg, unrelated, new Set(), 1)).toEqual([]);
  });

  it('chooses rungs by fee rate', () => {
    const rungs = pkg.vaults[0]!.cancels;
    expect(chooseRung(rungs, 0).rung.feerate).toBe(2);
    expect(chooseRung(rungs, 2).rung.feerate).toBe(2);
    expect(chooseRung(rungs, 2.1).rung.feerate).toBe(5);
    expect(chooseRung(rungs, 500)).toMatchObject({ cpfp: false });
  });
});
