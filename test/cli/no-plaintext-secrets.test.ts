// After every command, no file in the data directory (database, WAL, logs) holds the recovery
// words, the entropy, the seed or a private extended key, in text or in raw bytes.

import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { masterFromSeed } from '../../src/keys/accounts.js';
import { mnemonicToSeed, parseMnemonic } from '../../src/keys/mnemonic.js';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : [p];
  });
}

function needles(mnemonic: string, passphrase: string): { name: string; bytes: Buffer }[] {
  const { entropy, language } = parseMnemonic(mnemonic);
  const seed = mnemonicToSeed(entropy, language, passphrase);
  const master = masterFromSeed(seed, 'regtest');
  const words = mnemonic.split(' ');
  return [
    { name: 'mnemonic', bytes: Buffer.from(mnemonic) },
    { name: 'first four words', bytes: Buffer.from(words.slice(0, 4).join(' ')) },
    { name: 'last four words', bytes: Buffer.from(words.slice(-4).join(' ')) },
    { name: 'seed hex', bytes: Buffer.from(bytesToHex(seed)) },
    { name: 'seed hex upper', bytes: Buffer.from(bytesToHex(seed).toUpperCase()) },
    { name: 'seed bytes', bytes: Buffer.from(seed) },
    { name: 'entropy hex', bytes: Buffer.from(bytesToHex(entropy)) },
    { name: 'entropy bytes', bytes: Buffer.from(entropy) },
    { name: 'master tprv', bytes: Buffer.from(master.privateExtendedKey) },
    { name: 'master key bytes', bytes: Buffer.from(master.privateKey ?? new Uint8Array(32)) },
    { name: 'any tprv', bytes: Buffer.from('tprv') },
    ...(passphrase ? [{ name: 'passphrase', bytes: Buffer.from(passphrase) }] : []),
  ];
}

function assertClean(dir: string, secrets: { name: string; bytes: Buffer }[], after: string): void {
  const files = allFiles(dir).filter((f) => !f.endsWith('.input'));
  expect(files.some((f) => f.endsWith('wallet.sqlite'))).toBe(true);
  expect(files.some((f) => f.endsWith('coffer.log'))).toBe(true);
  for (const f of files) {
    const content = fs.readFileSync(f);
    for (const s of secrets) expect(content.includes(s.bytes), `${s.name} found in ${path.relative(dir, f)} after ${after}`).toBe(false);
  }
}

describe('no plaintext secrets in the data directory or logs', () => {
  for (const mode of ['create', 'restore'] as const) {
    it(`after ${mode} and every later command`, async () => {
      const dir = tmpDir();
      const put = (name: string, text: string) => {
        const f = path.join(dir, `${name}.input`);
        fs.writeFileSync(f, text);
        return f;
      };
      const base = ['--datadir', dir, '--network', 'regtest'];
      const env = { COFFER_PASSWORD: 'the wallet password' };
      const passphrase = 'a secret passphrase';
      let mnemonic: string;
      if (mode === 'create') {
        const r = await coffer([...base, 'wallet', 'create', '--words', '24', '--passphrase-file', put('pass', passphrase)], { env });
        expect(r.code, r.stderr).toBe(0);
        mnemonic = r.json.mnemonic;
      } else {
        mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
        const r = await coffer([...base, 'wallet', 'restore', '--mnemonic-file', put('words', mnemonic), '--passphrase-file', put('pass', passphrase)], { env });
        expect(r.code, r.stderr).toBe(0);
      }
      const secrets = needles(mnemonic, passphrase);
      assertClean(dir, secrets, mode);
      const later: [string, string[], Record<string, string>][] = [
        ['address', ['wallet', 'address'], {}],
        ['descriptors', ['wallet', 'descriptors'], {}],
        ['info', ['wallet', 'info'], {}],
        ['reveal', ['wallet', 'reveal'], env],
        ['wrong password', ['wallet', 'reveal'], { COFFER_PASSWORD: mnemonic }],
        ['change-password', ['wallet', 'change-password', '--new-password-file', put('new', 'the second password')], env],
        ['config', ['config', 'set', 'gap-limit', '25'], {}],
        ['create again', ['wallet', 'create'], env],
      ];
      for (const [name, args, e] of later) {
        const r = await coffer([...base, ...args], { env: e });
        if (name === 'reveal') expect(r.json.mnemonic).toBe(mnemonic);
        assertClean(dir, secrets, name);
      }
    });
  }
});
