// Sizes of a vault's transactions (issue 6 asks for them; they set what each step costs).

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { vsize } from '../src/chain/tx.js';
import { NOTE_PLACEHOLDER } from '../src/vaults/vault-note.js';
import { DEFAULT_CANCEL_FEERATES, p2wsh, presign, recoverySweep, withdrawal } from '../src/vaults/vault-tx.js';
import { inputWeight, outputWeight, txOverheadWeight, vsizeOf } from '../src/wallet/policy.js';
import { median, type Figure } from './measure.js';

export function benchVault(): Figure[] {
  const key = () => secp256k1.utils.randomSecretKey();
  const wpkh = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(1));
  const recovery = key();
  const hot = key();
  const deposit = { txid: new Uint8Array(32).fill(3), vout: 0, value: 10_000_000 };
  const times: number[] = [];
  let set;
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    set = presign({ deposit, k: key(), recoveryKey: secp256k1.getPublicKey(recovery, true), hotKey: secp256k1.getPublicKey(hot, true), delay: 144, recoveryScript: wpkh, unvaultFeerate: 5, cancelFeerates: DEFAULT_CANCEL_FEERATES });
    times.push(performance.now() - start);
  }
  const s = set!;
  // Deposit: one coin in; the vault, its note and change out.
  const depositWeight = txOverheadWeight(1, 3, true) + inputWeight('wpkh') + outputWeight(p2wsh(s.depositScript)) + outputWeight(NOTE_PLACEHOLDER) + outputWeight(wpkh);
  return [
    { name: 'vault deposit (1 P2WPKH coin -> vault P2WSH + note + change), worst-case signature', value: vsizeOf(depositWeight), unit: 'vB', note: `the note (OP_RETURN, 40 bytes) is ${outputWeight(NOTE_PLACEHOLDER) / 4} of them` },
    { name: 'vault unvault transaction (P2WSH in, P2WSH + anchor out)', value: vsize(s.unvault), unit: 'vB' },
    { name: 'vault cancel (unvault output -> P2WPKH + anchor)', value: s.cancels[0]!.vsize, unit: 'vB', note: `${s.cancels.length} rungs, ${DEFAULT_CANCEL_FEERATES.join('/')} sat/vB` },
    { name: 'vault emergency cancel (deposit -> P2WPKH + anchor)', value: s.emergencies[0]!.vsize, unit: 'vB' },
    { name: 'vault withdrawal (hot key after the delay -> P2WPKH)', value: vsize(withdrawal(s.unvaultOutput, s.unvaultScript, 144, hot, wpkh, 5)), unit: 'vB' },
    { name: 'vault recovery sweep of a deposit with the recovery key alone (-> P2WPKH)', value: vsize(recoverySweep(deposit, s.depositScript, recovery, wpkh, 5)), unit: 'vB' },
    { name: 'vault recovery sweep of an unvault output with the recovery key alone (-> P2WPKH)', value: vsize(recoverySweep(s.unvaultOutput, s.unvaultScript, recovery, wpkh, 5)), unit: 'vB' },
    { name: 'presign a vault: unvault + 8 cancels + 8 emergencies (median of 20)', value: median(times), unit: 'ms' },
  ];
}
