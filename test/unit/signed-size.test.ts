// Every transaction Coffer signs has exactly the weight its plan counted (policy.signedWeight):
// its ECDSA signatures are ground to 70 bytes of DER. So the policy checks made on the unsigned
// plan, before the seed is asked for, and on the signed transaction give the same answer, at the
// policy's limits too. A real wallet in a temporary folder, no node.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { listAccounts, listAddresses } from '../../src/db/wallet-store.js';
import { upsertTx } from '../../src/db/tx-store.js';
import type { ScriptKind } from '../../src/keys/accounts.js';
import { nullLogger } from '../../src/service/log.js';
import { checkUnsigned, finish, rolledBack, signAll } from '../../src/service/spend-flows.js';
import { SpendService, type PlanRequest, type Recipient } from '../../src/service/spend-service.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { loadWalletState } from '../../src/service/wallet-sync.js';
import { signEcdsa70 } from '../../src/wallet/psbt-signer.js';
import { prng } from '../helpers/prng.js';

const WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const KINDS = ['wpkh', 'sh-wpkh', 'pkh', 'tr'] as const;
const COINS_PER_KIND = 6;
const TIP = 300;
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
/** One output script of each type: P2WPKH, P2TR, P2PKH, P2SH, P2WSH. */
const TO = [
  Uint8Array.of(0x00, 0x14, ...fill(20, 1)),
  Uint8Array.of(0x51, 0x20, ...fill(32, 2)),
  Uint8Array.of(0x76, 0xa9, 0x14, ...fill(20, 3), 0x88, 0xac),
  Uint8Array.of(0xa9, 0x14, ...fill(20, 4), 0x87),
  Uint8Array.of(0x00, 0x20, ...fill(32, 5)),
];

let dir: string;
let wallet: WalletService;
/** The wallet's coins by script kind, as "txid:vout" outpoints of 2,000,000+ sats each. */
const coins = new Map<ScriptKind, { txid: Uint8Array; vout: number }[]>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-signed-size-'));
  wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password' });
  wallet.database.transaction(() => {
    KINDS.forEach((kind, k) => {
      const addresses = listAddresses(wallet.database, listAccounts(wallet.database).find((a) => a.script === kind)!.id, 0);
      const tx: Tx = {
        version: 2,
        inputs: [{ prevTxid: new Uint8Array(32).fill(1 + k), vout: 0, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }],
        outputs: Array.from({ length: COINS_PER_KIND }, (_, i) => ({ value: 2_000_000 + i, script: addresses[i]!.script })),
        locktime: 0,
      };
      upsertTx(wallet.database, txidOf(tx), { raw: serializeTx(tx), firstSeen: 1, confirmation: { blockHash: new Uint8Array(32).fill(9), height: 100, pos: k, time: 1 } });
      coins.set(kind, Array.from({ length: COINS_PER_KIND }, (_, vout) => ({ txid: txidOf(tx), vout })));
    });
    wallet.setMeta('tip_height', String(TIP));
  })();
  wallet.unlock('unit test password');
});
afterAll(() => {
  wallet?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Coins of these kinds (the first unused coin of each kind, in order). */
function inputsOf(kinds: readonly ScriptKind[]): { txid: Uint8Array; vout: number }[] {
  const used = new Map<ScriptKind, number>();
  return kinds.map((k) => {
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    return coins.get(k)![n]!;
  });
}

function plan(req: PlanRequest) {
  return rolledBack(wallet, () => new SpendService(wallet, loadWalletState(wallet), TIP).plan(req));
}

/** The verdict of the checks before signing, and of signing and the checks after: a code, or 'ok'. */
function verdicts(req: PlanRequest, acceptHighFee: boolean): { before: string; after: string; fee: number } {
  const p = plan(req);
  const verdict = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      if (e instanceof CofferError) return e.code;
      throw e;
    }
  };
  const before = verdict(() => checkUnsigned(p.psbt, { signedWeight: p.signedWeight, amountSent: p.amountSent, acceptHighFee }));
  const after = verdict(() => {
    signAll(wallet, p.psbt, p.inputs.length);
    finish(p.psbt, p.amountSent, acceptHighFee);
  });
  return { before, after, fee: p.fee };
}

describe('the signed size', () => {
  it('ECDSA signatures are always 70 bytes of DER, valid, low-S, and plain RFC6979 when r and s take 32 bytes already', () => {
    const rand = prng(11);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand(256));
    let plain = 0;
    for (let i = 0; i < 120; i++) {
      const priv = secp256k1.utils.randomSecretKey(bytes(48));
      const digest = bytes(32);
      const der = signEcdsa70(digest, priv);
      expect(der.length).toBe(70);
      const sig = secp256k1.Signature.fromBytes(der, 'der');
      expect(sig.hasHighS()).toBe(false);
      expect(secp256k1.verify(der, digest, secp256k1.getPublicKey(priv), { prehash: false, format: 'der' })).toBe(true);
      // RFC6979's own signature when r and s both take 32 bytes (no sign padding, no leading zero).
      const rs = secp256k1.sign(digest, priv, { prehash: false });
      if (rs[0]! >= 1 && rs[0]! < 0x80 && rs[32]! >= 1 && rs[32]! < 0x80) {
        plain += 1;
        expect(der).toEqual(secp256k1.Signature.fromBytes(rs, 'compact').toBytes('der'));
      }
    }
    // About half of RFC6979's signatures are such already.
    expect(plain).toBeGreaterThan(30);
  });

  const shapes: { name: string; kinds: ScriptKind[] }[] = [
    ...KINDS.map((k) => ({ name: k, kinds: [k] })),
    { name: 'two legacy inputs (no witness at all)', kinds: ['pkh', 'pkh'] },
    { name: 'legacy and segwit mixed', kinds: ['pkh', 'wpkh'] },
    { name: 'every kind', kinds: ['tr', 'sh-wpkh', 'pkh', 'wpkh', 'tr', 'pkh'] },
  ];
  for (const shape of shapes) {
    it(`is the planned weight: ${shape.name}, with change and without, to every output type`, () => {
      let n = 0;
      for (const to of TO) {
        for (const recipients of [[{ script: to, amount: 50_000 + n }], [{ script: to, amount: 'max' }], [{ script: to, amount: 30_000 + n }, { script: TO[0]!, amount: 40_000 }]] as Recipient[][]) {
          n += 1;
          const p = plan({ recipients, feeRate: 1 + (n % 7), inputs: inputsOf(shape.kinds) });
          signAll(wallet, p.psbt, p.inputs.length);
          p.psbt.finalize();
          expect(p.psbt.weight, `output script ${to[0]} case ${n}`).toBe(p.signedWeight);
          expect(parseTx(p.psbt.extract()).inputs).toHaveLength(shape.kinds.length);
        }
      }
    });
  }
});

describe('checks before signing and after agree', () => {
  it('at the 10,000 sat/vB limit, whatever the inputs', () => {
    const seen = new Set<string>();
    for (const kinds of [['wpkh'], ['wpkh', 'wpkh'], ['wpkh', 'wpkh', 'wpkh'], ['pkh'], ['pkh', 'wpkh'], ['tr', 'tr'], ['sh-wpkh', 'sh-wpkh']] as ScriptKind[][]) {
      for (const feeRate of [9_000, 9_900, 9_950, 9_990, 9_999, 9_999.5, 10_000]) {
        const v = verdicts({ recipients: [{ script: TO[0]!, amount: 10_000 }], feeRate, inputs: inputsOf(kinds) }, true);
        expect(v.before, `${kinds.join('+')} at ${feeRate}`).toBe(v.after);
        seen.add(v.before);
      }
    }
    // Both answers occur: the plans' fees cover worst-case signatures, so near the limit the
    // signed rate can cross it; then the check before signing says so too.
    expect([...seen].sort()).toEqual(['fee-too-high', 'ok']);
  });

  it('at the 5% fee limit: a fee of exactly 5% passes both, one satoshi less sent fails both', () => {
    for (const kinds of [['wpkh'], ['pkh', 'tr']] as ScriptKind[][]) {
      const script = TO[1]!;
      const { fee } = verdicts({ recipients: [{ script, amount: 100_000 }], feeRate: 3, inputs: inputsOf(kinds) }, false);
      const at = (amount: number) => verdicts({ recipients: [{ script, amount }], feeRate: 3, inputs: inputsOf(kinds) }, false);
      expect(at(fee * 20)).toMatchObject({ before: 'ok', after: 'ok', fee });
      expect(at(fee * 20 - 1)).toMatchObject({ before: 'fee-too-high', after: 'fee-too-high', fee });
    }
  });
});
