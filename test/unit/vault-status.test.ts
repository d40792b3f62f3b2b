// A vault's state is derived from its stored transactions and the tip, so restarts and reorgs
// need no state machine of their own: every state and its boundaries.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import * as btc from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { keyParams } from '../../src/keys/networks.js';
import { parseRecovery, recoverySecret } from '../../src/vaults/recovery.js';
import { foundFacts, seenTx, vaultView, type SeenTx, type VaultFacts } from '../../src/vaults/vault-status.js';
import { recoveryKeyIn, presign, recoverySweep, withdrawal } from '../../src/vaults/vault-tx.js';

const pub = () => secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
const recoveryScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));
const depositTxid = new Uint8Array(32).fill(9);
const set = presign({
  deposit: { txid: depositTxid, vout: 1, value: 1_000_000 },
  k: secp256k1.utils.randomSecretKey(),
  recoveryKey: pub(),
  hotKey: pub(),
  delay: 10,
  recoveryScript,
  unvaultFeerate: 2,
  cancelFeerates: [2, 10],
});
const id = (tx: Tx) => hashToHex(txidOf(tx));
const facts = (over: Partial<VaultFacts> = {}): VaultFacts => ({
  amount: 1_000_000,
  delay: 10,
  depositTxid,
  depositVout: 1,
  unvaultTxid: id(set.unvault),
  cancelTxids: new Set(set.cancels.map((r) => id(r.tx))),
  emergencyTxids: new Set(set.emergencies.map((r) => id(r.tx))),
  deposit: { status: 'seen', height: 100 },
  startedHere: true,
  ...over,
});
const seen = (tx: Tx, height?: number): SeenTx => seenTx(serializeTx(tx), height);
/** Something else spending the unvault output (the hot key's withdrawal). */
const withdrawalTx: Tx = { version: 2, inputs: [{ prevTxid: txidOf(set.unvault), vout: 0, scriptSig: new Uint8Array(0), sequence: 10, witness: [] }], outputs: [{ value: 990_000, script: recoveryScript.map((b) => b ^ 1) }], locktime: 0 };

describe('vaultView', () => {
  it('funding, funded, abandoned before any spend', () => {
    expect(vaultView(facts({ deposit: { status: 'pending' } }), [], 100)).toMatchObject({ status: 'funding', confirmations: 0, alert: false });
    expect(vaultView(facts({ deposit: { status: 'seen' } }), [], 100)).toMatchObject({ status: 'funded', confirmations: 0 });
    expect(vaultView(facts(), [], 104)).toMatchObject({ status: 'funded', confirmations: 5 });
    expect(vaultView(facts({ deposit: { status: 'abandoned' } }), [], 104).status).toBe('abandoned');
  });

  it('unvaulting until tip + 1 reaches the unvault height plus the delay, then withdrawable', () => {
    expect(vaultView(facts(), [seen(set.unvault)], 120)).toMatchObject({ status: 'unvaulting', unvaultTxid: id(set.unvault) });
    expect(vaultView(facts(), [seen(set.unvault)], 120).withdrawableAtHeight).toBeUndefined();
    expect(vaultView(facts(), [seen(set.unvault, 110)], 118)).toMatchObject({ status: 'unvaulting', withdrawableAtHeight: 120, unvaultHeight: 110 });
    expect(vaultView(facts(), [seen(set.unvault, 110)], 119)).toMatchObject({ status: 'withdrawable', withdrawableAtHeight: 120 });
  });

  it('withdrawn, cancelled from the unvault, cancelled straight from the deposit', () => {
    expect(vaultView(facts(), [seen(set.unvault, 110), seen(withdrawalTx)], 125)).toMatchObject({ status: 'withdrawn', withdrawTxid: id(withdrawalTx) });
    expect(vaultView(facts(), [seen(set.unvault, 110), seen(set.cancels[1]!.tx, 111)], 125)).toMatchObject({ status: 'cancelled', cancelTxid: id(set.cancels[1]!.tx) });
    expect(vaultView(facts(), [seen(set.emergencies[0]!.tx)], 125)).toMatchObject({ status: 'cancelled', cancelTxid: id(set.emergencies[0]!.tx), alert: false });
  });

  it('a confirmed spend wins over an unconfirmed one; unconfirmed, a cancel wins over a withdrawal', () => {
    const both = [seen(set.unvault, 110), seen(withdrawalTx), seen(set.cancels[0]!.tx)];
    expect(vaultView(facts(), both, 125).status).toBe('cancelled');
    const mined = [seen(set.unvault, 110), seen(withdrawalTx, 121), seen(set.cancels[0]!.tx)];
    expect(vaultView(facts(), mined, 125).status).toBe('withdrawn');
  });

  it('alerts on an unvault this wallet did not start, not on its own', () => {
    expect(vaultView(facts({ startedHere: false }), [seen(set.unvault)], 120).alert).toBe(true);
    expect(vaultView(facts({ startedHere: true }), [seen(set.unvault)], 120).alert).toBe(false);
    expect(vaultView(facts({ startedHere: false }), [seen(set.unvault, 110), seen(set.cancels[0]!.tx)], 120)).toMatchObject({ status: 'cancelled', alert: true });
  });
});

describe('recovery destinations', () => {
  const root = HDKey.fromMasterSeed(new Uint8Array(32).fill(3), keyParams('regtest').bip32);
  const desc = `wpkh(${root.publicExtendedKey}/0/*)`;

  it('a ranged descriptor gives each vault its own index and key', () => {
    const r0 = parseRecovery(desc, 'regtest', 0);
    const r5 = parseRecovery(desc, 'regtest', 5);
    expect(r0.key).toEqual(root.deriveChild(0).deriveChild(0).publicKey);
    expect(r5.key).toEqual(root.deriveChild(0).deriveChild(5).publicKey);
    expect(scriptToAddress(r5.script, 'regtest')).toBe(btc.p2wpkh(r5.key!, { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef }).address);
  });

  it('refuses a bare address or a keyless descriptor: a lost database would leave its vault unspendable', () => {
    const addr = scriptToAddress(parseRecovery(desc, 'regtest', 0).script, 'regtest')!;
    for (const text of [addr, `addr(${addr})`, `raw(0014${'11'.repeat(20)})`]) {
      try {
        parseRecovery(text, 'regtest', 0);
        expect.unreachable(text);
      } catch (e) {
        expect((e as CofferError).code).toBe('invalid-descriptor');
        expect((e as CofferError).details).toEqual({ reason: 'no-recovery-key' });
      }
    }
  });

  it('refuses what cannot guard the recovery branch, and other networks', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as CofferError).code;
      }
      return 'none';
    };
    expect(code(() => parseRecovery(`tr(${'ab'.repeat(32)})`, 'regtest', 0))).toBe('invalid-descriptor');
    expect(code(() => parseRecovery(`pk(${hashToHex(pub())})`, 'regtest', 0))).toBe('invalid-descriptor');
    expect(code(() => parseRecovery('wpkh(', 'regtest', 0))).toBe('invalid-descriptor');
    expect(code(() => parseRecovery('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'regtest', 0))).toBe('wrong-network');
    expect(code(() => parseRecovery('  ', 'regtest', 0))).toBe('usage');
  });

  it('finds the recovery secret from the xprv or a WIF, and refuses another key or garbage', () => {
    const r = parseRecovery(desc, 'regtest', 2);
    const is = (k: Uint8Array) => (p: Uint8Array) => hashToHex(p) === hashToHex(k);
    const secret = recoverySecret(root.privateExtendedKey, desc, 'regtest', 2, is(r.key));
    expect(secp256k1.getPublicKey(secret, true)).toEqual(r.key);
    const wif = btc.WIF(btc.TEST_NETWORK).encode(secret);
    expect(recoverySecret(`${wif}\n`, desc, 'regtest', 2, is(r.key))).toEqual(secret);
    const other = HDKey.fromMasterSeed(new Uint8Array(32).fill(4), keyParams('regtest').bip32);
    expect(() => recoverySecret(other.privateExtendedKey, desc, 'regtest', 2, is(r.key))).toThrow(/not this vault's recovery key/);
    expect(() => recoverySecret('hello', desc, 'regtest', 2, is(r.key))).toThrow(CofferError);
    expect(() => recoverySecret('tprv8ZgxMBicQKsPd', desc, 'regtest', 2, is(r.key))).toThrow(/extended private key/);
  });

  it('with the descriptor lost (a restore), an account xprv or a BIP84 master xprv still leads to the key', () => {
    const account = root.derive("m/84'/1'/0'");
    const key = account.deriveChild(0).deriveChild(7).publicKey!;
    const is = (p: Uint8Array) => hashToHex(p) === hashToHex(key);
    expect(secp256k1.getPublicKey(recoverySecret(account.privateExtendedKey, '', 'regtest', 7, is), true)).toEqual(key);
    expect(secp256k1.getPublicKey(recoverySecret(root.privateExtendedKey, '', 'regtest', 7, is), true)).toEqual(key);
    expect(() => recoverySecret(account.privateExtendedKey, '', 'regtest', 8, is)).toThrow(/not this vault's recovery key/);
  });

  it('a script without a recovery branch (a bare-address vault of old) cannot be swept by a key', () => {
    const single = btc.Script.encode([pub(), 'CHECKSIG']);
    expect(recoveryKeyIn(single)).toBeUndefined();
    expect(() => recoverySweep({ txid: depositTxid, vout: 0, value: 50_000 }, single, secp256k1.utils.randomSecretKey(), recoveryScript, 2)).toThrow(/no recovery branch/);
  });
});

describe('a vault found on chain (no presigned set)', () => {
  const recovery = secp256k1.utils.randomSecretKey();
  const hot = secp256k1.utils.randomSecretKey();
  const s = presign({ deposit: { txid: depositTxid, vout: 1, value: 1_000_000 }, k: secp256k1.utils.randomSecretKey(), recoveryKey: secp256k1.getPublicKey(recovery, true), hotKey: secp256k1.getPublicKey(hot, true), delay: 10, recoveryScript, unvaultFeerate: 2, cancelFeerates: [2, 10] });
  const found = { amount: 1_000_000, delay: 10, depositTxid, depositVout: 1 };
  const view = (txs: SeenTx[], tip: number) => vaultView(foundFacts(found, txs, { status: 'seen', height: 100 }), txs, tip);

  it('tells the unvault, a cancel, the recovery sweep and the withdrawal apart, with or without witnesses', () => {
    const sweepDeposit = recoverySweep({ txid: depositTxid, vout: 1, value: 1_000_000 }, s.depositScript, recovery, recoveryScript, 2);
    const sweepUnvault = recoverySweep(s.unvaultOutput, s.unvaultScript, recovery, recoveryScript, 2);
    const out = withdrawal(s.unvaultOutput, s.unvaultScript, 10, hot, recoveryScript.map((b) => b ^ 1), 2);
    // A peer may relay them stripped of their witnesses: the answers must not change.
    const bare = (t: Tx): Tx => ({ ...t, inputs: t.inputs.map((i) => ({ ...i, witness: [] })) });
    for (const strip of [false, true]) {
      const v = (txs: Tx[], heights: number[], tip: number) => {
        const list = txs.map((t, i) => seen(strip ? bare(t) : t, heights[i]));
        return vaultView(foundFacts(found, list, { status: 'seen', height: 100 }), list, tip);
      };
      expect(v([s.unvault, out], [110, 121], 125)).toMatchObject({ status: 'withdrawn', withdrawTxid: id(out) });
      expect(v([s.unvault, sweepUnvault], [110, 111], 125)).toMatchObject({ status: 'cancelled', cancelTxid: id(sweepUnvault) });
      expect(v([s.unvault], [110], 119).status).toBe('withdrawable');
    }
    expect(recoveryKeyIn(s.depositScript)).toEqual(secp256k1.getPublicKey(recovery, true));
    expect(recoveryKeyIn(s.unvaultScript)).toEqual(secp256k1.getPublicKey(recovery, true));
    expect(view([], 120).status).toBe('funded');
    expect(view([seen(s.unvault, 110)], 118)).toMatchObject({ status: 'unvaulting', withdrawableAtHeight: 120, alert: true });
    expect(view([seen(s.unvault, 110)], 119).status).toBe('withdrawable');
    expect(view([seen(s.unvault, 110), seen(sweepUnvault, 111)], 125)).toMatchObject({ status: 'cancelled', cancelTxid: id(sweepUnvault) });
    expect(view([seen(s.unvault, 110), seen(s.cancels[1]!.tx, 111)], 125).status).toBe('cancelled');
    expect(view([seen(s.unvault, 110), seen(out, 121)], 125)).toMatchObject({ status: 'withdrawn', withdrawTxid: id(out) });
    expect(view([seen(sweepDeposit, 105)], 125)).toMatchObject({ status: 'cancelled', cancelTxid: id(sweepDeposit) });
    expect(view([seen(s.emergencies[0]!.tx, 105)], 125).status).toBe('cancelled');
  });
});
