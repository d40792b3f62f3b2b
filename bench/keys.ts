// Keystore unlock time (scrypt N=2^18, r=8) and address derivation throughput.

import { accountDescriptorText, deriveAccount, masterFromSeed } from '../src/keys/accounts.js';
import { scriptToAddress } from '../src/keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../src/keys/descriptors.js';
import { DEFAULT_KDF, openKeystore, sealKeystore } from '../src/keys/keystore.js';
import { median, rssMiB, time, type Figure } from './measure.js';

export function benchKeys(): Figure[] {
  const figures: Figure[] = [];
  const secret = { entropy: new Uint8Array(16).fill(3), language: 'english' as const, seed: new Uint8Array(64).fill(4) };
  const blob = sealKeystore(secret, 'benchmark password');
  const runs = [0, 1, 2, 3, 4].map(() => time(() => openKeystore(blob, 'benchmark password')).ms);
  figures.push({
    name: 'keystore unlock (scrypt 2^18, r=8, p=1; median of 5)',
    value: median(runs),
    unit: 'ms',
    note: `min ${Math.min(...runs).toFixed(0)}, max ${Math.max(...runs).toFixed(0)}, kdf memory ${(128 * DEFAULT_KDF.r * 2 ** DEFAULT_KDF.logN) / 2 ** 20} MiB`,
  });
  figures.push({ name: 'resident memory after unlocks', value: rssMiB(), unit: 'MiB' });

  const master = masterFromSeed(new Uint8Array(64).fill(9), 'main');
  for (const script of ['wpkh', 'tr'] as const) {
    const desc = parseDescriptor(accountDescriptorText(deriveAccount(master, script, 'main'), 0), 'main');
    const best = Math.min(
      ...[0, 1, 2].map(() => {
        const deriver = new ScriptDeriver(desc, 'main');
        return time(() => {
          for (let i = 0; i < 1000; i++) scriptToAddress(deriver.scriptAt(i), 'main');
        }).ms;
      }),
    );
    figures.push({ name: `address derivation, ${script}, 1,000 addresses (best of 3)`, value: 1000 / (best / 1000), unit: 'addresses/s', note: `${best.toFixed(0)} ms` });
  }
  return figures;
}
