// The vault note in a deposit: only this seed's note key reads it, it names the vault's output,
// and its size is what docs/architecture.md says.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import type { Tx } from '../../src/chain/tx.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { outputWeight } from '../../src/wallet/policy.js';
import { vaultNoteKey } from '../../src/vaults/vault-keys.js';
import { NOTE_BYTES, NOTE_PLACEHOLDER, noteScript, readNote } from '../../src/vaults/vault-note.js';
import { depositScript, p2wsh } from '../../src/vaults/vault-tx.js';

const seed = (() => {
  const { entropy, language } = parseMnemonic('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');
  return mnemonicToSeed(entropy, language, '');
})();
const evenKey = () => {
  for (;;) {
    const p = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
    if (p[0] === 2) return p;
  }
};
const kPub = evenKey();
const vault = p2wsh(depositScript(kPub, secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)));
const change = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(5));
const key = vaultNoteKey(seed, 'regtest');
const deposit = (note: Uint8Array): Tx => ({
  version: 2,
  inputs: [],
  outputs: [
    { value: 40_000, script: change },
    { value: 0, script: note },
    { value: 1_000_000, script: vault },
  ],
  locktime: 0,
});

describe('vault note', () => {
  it('reads back k, the vault number, the delay and the vault output with the same seed', () => {
    const tx = deposit(noteScript(key, vault, { kPub, seq: 513, delay: 4320 }));
    expect(readNote(key, tx)).toEqual({ vout: 2, kPub, seq: 513, delay: 4320 });
  });

  it('is 40 bytes of noise to anyone else: another seed, or the mainnet key, reads nothing', () => {
    const tx = deposit(noteScript(key, vault, { kPub, seq: 0, delay: 144 }));
    expect(readNote(vaultNoteKey(seed, 'main'), tx)).toBeUndefined();
    expect(readNote(vaultNoteKey(new Uint8Array(64).fill(1), 'regtest'), tx)).toBeUndefined();
    // The x of k does not appear in the clear.
    expect(Buffer.from(tx.outputs[1]!.script).includes(Buffer.from(kPub.subarray(1)))).toBe(false);
  });

  it('a changed byte, a note for another output or another length is no note', () => {
    const note = noteScript(key, vault, { kPub, seq: 1, delay: 6 });
    const flipped = note.slice();
    flipped[3] = flipped[3]! ^ 1; // inside the tag
    expect(readNote(key, deposit(flipped))).toBeUndefined();
    expect(readNote(key, deposit(noteScript(key, change, { kPub, seq: 1, delay: 6 })))).toMatchObject({ vout: 0 });
    expect(readNote(key, { ...deposit(note), outputs: deposit(note).outputs.filter((o) => o.script !== vault) })).toBeUndefined();
    expect(readNote(key, deposit(Uint8Array.of(0x6a, 0x04, 1, 2, 3, 4)))).toBeUndefined();
  });

  it('refuses what it cannot carry', () => {
    expect(() => noteScript(key, vault, { kPub: Uint8Array.of(3, ...kPub.subarray(1)), seq: 0, delay: 1 })).toThrow(RangeError);
    expect(() => noteScript(key, vault, { kPub, seq: 0x10000, delay: 1 })).toThrow(RangeError);
    expect(() => noteScript(key, vault, { kPub, seq: 0, delay: 0 })).toThrow();
  });

  it('costs 51 vbytes in the deposit', () => {
    expect(NOTE_BYTES).toBe(40);
    expect(outputWeight(NOTE_PLACEHOLDER) / 4).toBe(51);
    expect(noteScript(key, vault, { kPub, seq: 0, delay: 1 }).length).toBe(NOTE_PLACEHOLDER.length);
  });
});
