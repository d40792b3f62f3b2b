// The `coffer` CLI as a user runs it: outputs, exit codes and one-line errors.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDescriptor } from '../../src/keys/descriptors.js';
import { coffer } from '../helpers/cli.js';
import { copyOf, tmpDir } from '../helpers/tmp.js';
import { loadVectors } from '../helpers/vectors.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PW = { COFFER_PASSWORD: 'a long enough password' };
const vectors = loadVectors('bip84_bip86_address_vectors.json');

function file(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('usage', () => {
  it('help exits 0; unknown commands and flags exit 2 with one line', async () => {
    const help = await coffer(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('wallet create');
    for (const args of [['frobnicate'], ['wallet', 'create', '--bogus'], ['--network', 'mars', 'wallet', 'address'], ['wallet', 'create', '--words', '13'], ['wallet', 'address', 'extra'], ['wallet', 'address', '--mnemonic-file', 'x']]) {
      const r = await coffer(['--datadir', tmpDir(), ...args], { env: PW });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: usage: .+\n$/);
    }
  });

  it('an error quoting input with line breaks, escape sequences or bidi controls stays one line, shown escaped', async () => {
    const dir = tmpDir();
    const hostile = 'a\nerror: fake: injected\r\u001b[2K\u202eevil\u2028';
    for (const args of [[hostile], ['config', 'get', hostile], ['wallet', 'psbt', 'finalize', path.join(dir, hostile)]]) {
      const r = await coffer(['--datadir', dir, ...args], { env: PW });
      expect(r.code, args.join(' ')).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/^error: [a-z-]+: [^\n\r\u001b\u202e\u2028]+\n$/);
      expect(r.stderr).toContain('a\\nerror: fake: injected\\r\\u001b[2K\\u202eevil\\u2028');
    }
  });
});

describe('wallet create', () => {
  it('prints the words, fingerprint and regtest descriptors; refuses a second wallet', async () => {
    const dir = tmpDir();
    const r = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env: PW });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(r.json)).toEqual(['mnemonic', 'fingerprint', 'descriptors']);
    expect(r.json.mnemonic.split(' ')).toHaveLength(12);
    expect(r.json.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(r.json.descriptors).toHaveLength(2);
    const [ext, int] = r.json.descriptors;
    expect(ext).toEqual({ desc: expect.stringMatching(new RegExp(`^wpkh\\(\\[${r.json.fingerprint}/84h/1h/0h\\]tpub\\w+/0/\\*\\)#\\w{8}$`)), internal: false });
    expect(int.internal).toBe(true);
    expect(() => parseDescriptor(ext.desc, 'regtest', { requireChecksum: true })).not.toThrow();

    const again = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env: PW });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: wallet-exists: .+\n$/);
    const words = file(dir, 'words', ABANDON);
    const restore = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', words], { env: PW });
    expect(restore.stderr).toMatch(/^error: wallet-exists: /);
    const reveal = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'reveal'], { env: PW });
    expect(reveal.json).toEqual({ mnemonic: r.json.mnemonic });
  });

  it('24 words and taproot on mainnet', async () => {
    const r = await coffer(['--datadir', tmpDir(), 'wallet', 'create', '--words', '24', '--script', 'tr'], { env: PW });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.mnemonic.split(' ')).toHaveLength(24);
    expect(r.json.descriptors[0].desc).toMatch(/^tr\(\[[0-9a-f]{8}\/86h\/0h\/0h\]xpub/);
  });

  it('needs a password of 8 characters, from a file or the environment', async () => {
    const dir = tmpDir();
    const none = await coffer(['--datadir', dir, 'wallet', 'create']);
    expect(none.stderr).toMatch(/^error: password-required: /);
    const short = await coffer(['--datadir', dir, 'wallet', 'create'], { env: { COFFER_PASSWORD: 'short' } });
    expect(short.stderr).toMatch(/^error: password-too-short: /);
    const pwFile = file(dir, 'pw', 'from a file, with newline\n');
    const ok = await coffer(['--datadir', dir, 'wallet', 'create', '--password-file', pwFile]);
    expect(ok.code, ok.stderr).toBe(0);
    const reveal = await coffer(['--datadir', dir, 'wallet', 'reveal'], { env: { COFFER_PASSWORD: 'from a file, with newline' } });
    expect(reveal.json.mnemonic).toBe(ok.json.mnemonic);
  });
});

describe('wallet restore, descriptors, address, reveal, change-password', () => {
  it('restores the BIP84 vector wallet and walks its addresses', async () => {
    const dir = tmpDir();
    const words = file(dir, 'words', `${ABANDON}\n`);
    const r = await coffer(['--datadir', dir, 'wallet', 'restore', '--mnemonic-file', words, '--birthday', '800000'], { env: PW });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(r.json)).toEqual(['fingerprint', 'descriptors']);
    expect(r.json.fingerprint).toBe('73c5da0a');
    const d = await coffer(['--datadir', dir, 'wallet', 'descriptors']);
    expect(d.json).toEqual(r.json.descriptors);
    const a0 = await coffer(['--datadir', dir, 'wallet', 'address']);
    const a1 = await coffer(['--datadir', dir, 'wallet', 'address']);
    expect(a0.json).toEqual({ address: vectors.bip84.entries[1].address, index: 0 });
    expect(a1.json).toEqual({ address: vectors.bip84.entries[2].address, index: 1 });
    const info = await coffer(['--datadir', dir, 'wallet', 'info']);
    expect(info.json).toMatchObject({ network: 'main', fingerprint: '73c5da0a', birthdayHeight: 800000 });
  });

  it('a passphrase file changes the wallet', async () => {
    const dir = tmpDir();
    const words = file(dir, 'words', ABANDON);
    const pass = file(dir, 'pass', 'TREZOR\n');
    const r = await coffer(['--datadir', dir, 'wallet', 'restore', '--mnemonic-file', words, '--passphrase-file', pass, '--script', 'tr'], { env: PW });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.fingerprint).not.toBe('73c5da0a');
    expect(r.json.descriptors[0].desc).toMatch(/^tr\(/);
  });

  it('bad inputs give typed errors and exit 1', async () => {
    const dir = tmpDir();
    const missing = await coffer(['--datadir', dir, 'wallet', 'restore', '--mnemonic-file', path.join(dir, 'nope')], { env: PW });
    expect(missing.stderr).toMatch(/^error: file-unreadable: /);
    const bad = await coffer(['--datadir', dir, 'wallet', 'restore', '--mnemonic-file', file(dir, 'w', 'abandon about zoo')], { env: PW });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid-mnemonic: /);
    for (const cmd of [['wallet', 'address'], ['wallet', 'descriptors'], ['wallet', 'reveal']]) {
      const r = await coffer(['--datadir', dir, ...cmd], { env: PW });
      expect(r.stderr).toMatch(/^error: no-wallet: /);
    }
    const bday = await coffer(['--datadir', dir, 'wallet', 'restore', '--mnemonic-file', file(dir, 'w2', ABANDON), '--birthday', 'yesterday'], { env: PW });
    expect(bday.code).toBe(2);
  });

  it('reveal and change-password check the password', async () => {
    // On regtest (the suite's cheaper key derivation): six derivations; the mainnet cost is the tests above.
    const dir = tmpDir();
    await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', file(dir, 'w', ABANDON)], { env: PW });
    const wrong = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'reveal'], { env: { COFFER_PASSWORD: 'not the password' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('error: wrong-password: The password is not correct.\n');
    const next = file(dir, 'new', 'the new password\n');
    const change = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'change-password', '--new-password-file', next], { env: PW });
    expect(change.code, change.stderr).toBe(0);
    expect((await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'reveal'], { env: PW })).stderr).toMatch(/^error: wrong-password/);
    expect((await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'reveal'], { env: { COFFER_PASSWORD: 'the new password' } })).json).toEqual({ mnemonic: ABANDON });
  });
});

describe('damaged data', () => {
  // The wallet is restored once; each test damages a copy of its data directory.
  let template: string;
  beforeAll(async () => {
    template = tmpDir();
    const r = await coffer(['--datadir', template, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', file(template, 'w', ABANDON)], { env: PW });
    expect(r.code, r.stderr).toBe(0);
  });
  const restored = async (): Promise<string> => copyOf(template);

  it('a flipped keystore byte is keystore-corrupt', async () => {
    const dir = await restored();
    const db = new Database(path.join(dir, 'regtest', 'wallet.sqlite'));
    const { blob } = db.prepare('SELECT blob FROM keys_keystore').get() as { blob: Buffer };
    blob[100] = (blob[100] ?? 0) ^ 1;
    db.prepare('UPDATE keys_keystore SET blob = ?').run(blob);
    db.close();
    const r = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'reveal'], { env: PW });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: keystore-corrupt: /);
  });

  it('a database from a newer version is database-too-new; a truncated one is database-corrupt', async () => {
    const dir = await restored();
    const file = path.join(dir, 'regtest', 'wallet.sqlite');
    const db = new Database(file);
    db.pragma('user_version = 5000');
    db.close();
    expect((await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'address'])).stderr).toMatch(/^error: database-too-new: /);

    const dir2 = await restored();
    const file2 = path.join(dir2, 'regtest', 'wallet.sqlite');
    const db2 = new Database(file2);
    db2.pragma('wal_checkpoint(TRUNCATE)');
    db2.close();
    fs.truncateSync(file2, Math.floor(fs.statSync(file2).size / 3));
    const r = await coffer(['--datadir', dir2, '--network', 'regtest', 'wallet', 'address']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: database-corrupt: /);
  });

  it('an emptied wallet.sqlite is database-corrupt, never a new wallet over the lost one; it stays as it is', async () => {
    const dir = await restored();
    const file = path.join(dir, 'regtest', 'wallet.sqlite');
    fs.truncateSync(file, 0);
    for (const f of ['wallet.sqlite-wal', 'wallet.sqlite-shm']) fs.rmSync(path.join(dir, 'regtest', f), { force: true });
    for (const args of [['wallet', 'address'], ['wallet', 'create']]) {
      const r = await coffer(['--datadir', dir, '--network', 'regtest', ...args], { env: PW });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error: database-corrupt: The wallet database .*wallet\.sqlite is empty, but this folder held a wallet \(logs\); nothing was changed\. Restore from your recovery phrase or a backup\.\n$/);
    }
    expect(fs.statSync(file).size).toBe(0);
    // A first run still starts from nothing.
    const fresh = await coffer(['--datadir', tmpDir(), '--network', 'regtest', 'wallet', 'create'], { env: PW });
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});

describe('config', () => {
  it('gets and sets auto-lock and gap limit', async () => {
    const dir = tmpDir();
    expect((await coffer(['--datadir', dir, 'config', 'get'])).json).toMatchObject({ 'auto-lock-minutes': 15, 'gap-limit': 20 });
    expect((await coffer(['--datadir', dir, 'config', 'set', 'auto-lock-minutes', '5'])).json['auto-lock-minutes']).toBe(5);
    expect((await coffer(['--datadir', dir, 'config', 'get', 'auto-lock-minutes'])).json).toEqual({ 'auto-lock-minutes': 5 });
    const bad = await coffer(['--datadir', dir, 'config', 'set', 'gap-limit', '0']);
    expect(bad.stderr).toMatch(/^error: invalid-setting: /);
  });

  it("saves the app's chain source: a cookie file checked now, an RPC password only encrypted", async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args, 'config', 'backend'], { env: PW });
    expect((await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env: PW })).code).toBe(0);
    expect((await run([])).stderr).toMatch(/^error: usage: config backend needs --backend/);
    const rpc = ['--backend', 'rpc', '--rpc-url', 'http://127.0.0.1:18443'];
    expect((await run([...rpc, '--rpc-cookie', path.join(dir, 'missing.cookie')])).stderr).toMatch(/^error: file-unreadable: /);
    const cookie = path.join(dir, '.cookie');
    fs.writeFileSync(cookie, '__cookie__:abc');
    expect((await run([...rpc, '--rpc-cookie', cookie])).json).toEqual({ backend: { kind: 'rpc', url: 'http://127.0.0.1:18443/', cookieFile: cookie, passwordStatus: 'none' } });
    const pwFile = path.join(dir, 'rpc-password');
    fs.writeFileSync(pwFile, 'cli-rpc-s3cret\n');
    const saved = await run([...rpc, '--rpc-user', 'alice', '--rpc-password-file', pwFile]);
    expect(saved.json).toEqual({ backend: { kind: 'rpc', url: 'http://127.0.0.1:18443/', user: 'alice', passwordStatus: 'saved' } });
    for (const f of fs.readdirSync(path.join(dir, 'regtest')).filter((f) => f.startsWith('wallet.sqlite'))) {
      expect(fs.readFileSync(path.join(dir, 'regtest', f)).includes(Buffer.from('cli-rpc-s3cret')), f).toBe(false);
    }
    expect((await run(['--backend', 'spv', '--connect', '127.0.0.1:18444'])).json).toEqual({ backend: { kind: 'spv', connect: ['127.0.0.1:18444'] } });
  });
});
