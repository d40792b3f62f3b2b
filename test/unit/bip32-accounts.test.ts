// BIP32 derivation vectors, and BIP84/BIP86 accounts and addresses through Coffer's descriptors.

import { HDKey } from '@scure/bip32';
import { base58check as b58c } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { accountDescriptor, accountDescriptorText, deriveAccount, masterFromSeed } from '../../src/keys/accounts.js';
import { scriptToAddress } from '../../src/keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../../src/keys/descriptors.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { codeOf } from '../helpers/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const bip32 = loadVectors('bip32_test_vectors.json');
const accounts = loadVectors('bip84_bip86_address_vectors.json');
const base58check = b58c(sha256);

describe('BIP32 vectors 1-4', () => {
  for (const v of bip32.vectors.filter((x: any) => x.chains)) {
    for (const c of v.chains) {
      it(`vector ${v.vector} ${c.path}`, () => {
        const key = HDKey.fromMasterSeed(hexToBytes(v.seed_hex)).derive(c.path);
        expect(key.privateExtendedKey).toBe(c.xprv);
        expect(key.publicExtendedKey).toBe(c.xpub);
      });
    }
  }
});

describe('BIP32 vector 5: invalid extended keys', () => {
  const invalid = bip32.vectors.find((x: any) => x.vector === 5).invalid_keys as { key: string; reason: string }[];
  for (const { key, reason } of invalid) {
    it(`descriptor import refuses: ${reason}`, () => {
      expect(codeOf(() => parseDescriptor(`wpkh(${key}/0/*)`, 'main'))).toBe('invalid-descriptor');
    });
  }
});

/** Re-encode a SLIP-132 zpub/zprv with xpub/xprv versions so it can be compared. */
function asX(key: string, isPrivate: boolean): string {
  const raw = base58check.decode(key);
  raw.set(isPrivate ? [0x04, 0x88, 0xad, 0xe4] : [0x04, 0x88, 0xb2, 0x1e], 0);
  return base58check.encode(raw);
}

for (const [name, script] of [['bip84', 'wpkh'], ['bip86', 'tr']] as const) {
  describe(`${name} vectors`, () => {
    const v = accounts[name];
    const seed = mnemonicToSeed(parseMnemonic(v.mnemonic).entropy, 'english', '');
    const master = masterFromSeed(seed, 'main');
    const account = deriveAccount(master, script, 'main');

    it('root key', () => {
      const rootpriv = name === 'bip84' ? asX(v.rootpriv, true) : v.rootpriv;
      expect(master.privateExtendedKey).toBe(rootpriv);
    });

    it('account xpub', () => {
      const entry = v.entries[0];
      expect(account.xpub).toBe(name === 'bip84' ? asX(entry.xpub, false) : entry.xpub);
      expect(bytesToHex(Uint8Array.from(account.path.map((n) => n >>> 24)))).toBe('808080');
    });

    for (const entry of v.entries.filter((e: any) => e.address)) {
      it(`${entry.path} -> ${entry.address}`, () => {
        const [chain, index] = entry.path.split('/').slice(-2).map(Number) as [0 | 1, number];
        const text = accountDescriptorText(account, chain);
        const deriver = new ScriptDeriver(parseDescriptor(text, 'main', { requireChecksum: true }), 'main');
        const script = deriver.scriptAt(index);
        if (entry.scriptPubKey) expect(bytesToHex(script)).toBe(entry.scriptPubKey);
        expect(scriptToAddress(script, 'main')).toBe(entry.address);
        if (entry.pubkey) expect(bytesToHex(deriver.pubkeyAt(index))).toBe(entry.pubkey);
        if (entry.internal_key) expect(bytesToHex(deriver.pubkeyAt(index).subarray(1))).toBe(entry.internal_key);
      });
    }

    it('descriptor text has origin, h-notation and checksum', () => {
      const text = accountDescriptorText(account, 0);
      expect(text).toMatch(new RegExp(`^${script}\\(\\[73c5da0a/${name === 'bip84' ? 84 : 86}h/0h/0h\\]xpub[1-9A-HJ-NP-Za-km-z]+/0/\\*\\)#[a-z0-9]{8}$`));
      expect(accountDescriptor(account, 1)).toEqual(parseDescriptor(accountDescriptorText(account, 1), 'main'));
    });
  });
}

describe('coin type off mainnet', () => {
  it('uses 1h and tpub on regtest', () => {
    const master = masterFromSeed(new Uint8Array(64).fill(7), 'regtest');
    const text = accountDescriptorText(deriveAccount(master, 'wpkh', 'regtest'), 0);
    expect(text).toMatch(/^wpkh\(\[[0-9a-f]{8}\/84h\/1h\/0h\]tpub/);
    const addr = scriptToAddress(new ScriptDeriver(parseDescriptor(text, 'regtest'), 'regtest').scriptAt(0), 'regtest');
    expect(addr).toMatch(/^bcrt1q/);
  });

  it('BIP44 and BIP49 accounts give 1... and 3... addresses', () => {
    const master = masterFromSeed(mnemonicToSeed(parseMnemonic(accounts.bip84.mnemonic).entropy, 'english', ''), 'main');
    for (const [script, prefix] of [['pkh', '1'], ['sh-wpkh', '3']] as const) {
      const text = accountDescriptorText(deriveAccount(master, script, 'main'), 0);
      const addr = scriptToAddress(new ScriptDeriver(parseDescriptor(text, 'main'), 'main').scriptAt(0), 'main');
      expect(addr?.startsWith(prefix)).toBe(true);
    }
    // Well-known first addresses of the "abandon ... about" wallet (BIP44, BIP49).
    const pkh = new ScriptDeriver(parseDescriptor(accountDescriptorText(deriveAccount(master, 'pkh', 'main'), 0), 'main'), 'main');
    expect(scriptToAddress(pkh.scriptAt(0), 'main')).toBe('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA');
    const sh = new ScriptDeriver(parseDescriptor(accountDescriptorText(deriveAccount(master, 'sh-wpkh', 'main'), 0), 'main'), 'main');
    expect(scriptToAddress(sh.scriptAt(0), 'main')).toBe('37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf');
  });
});
