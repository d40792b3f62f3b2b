// The wallet service on a real database in a temp folder: create, restore, addresses, locking,
// reveal, password change, settings.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nullLogger } from '../../src/service/log.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { DEFAULT_KDF, inspectKeystore, REGTEST_MIN_LOGN, sealKeystore } from '../../src/keys/keystore.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { loadVectors } from '../helpers/vectors.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PW = 'a long enough password';
const vectors = loadVectors('bip84_bip86_address_vectors.json');
const open: WalletService[] = [];

function service(datadir = tmpDir(), network: 'main' | 'regtest' | 'test' = 'main', timers?: Parameters<typeof WalletService.open>[0]['timers']) {
  const s = WalletService.open({ datadir, network, logger: nullLogger, ...(timers ? { timers } : {}) });
  open.push(s);
  return s;
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  vi.useRealTimers();
});

describe('restore', () => {
  it('BIP84 wallet gives the vector addresses in order and scans the other scripts', () => {
    const dir = tmpDir();
    const w = service(dir);
    const r = w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: PW, birthday: 500_000 });
    expect(r.fingerprint).toBe('73c5da0a');
    expect(r.descriptors.map((d) => d.internal)).toEqual([false, true]);
    expect(r.descriptors[0]?.desc).toMatch(/^wpkh\(\[73c5da0a\/84h\/0h\/0h\]xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V\/0\/\*\)#/);
    expect(w.nextAddress()).toEqual({ address: vectors.bip84.entries[1].address, index: 0 });
    expect(w.nextAddress()).toEqual({ address: vectors.bip84.entries[2].address, index: 1 });
    expect(w.info()).toMatchObject({ birthdayHeight: 500_000, script: 'wpkh', hasPassphrase: false });
    const db = new Database(path.join(dir, 'main', 'wallet.sqlite'), { readonly: true });
    const accounts = db.prepare('SELECT script, status, (SELECT count(*) FROM wallet_addresses WHERE account_id = a.id) AS n FROM wallet_accounts a ORDER BY id').all();
    db.close();
    expect(accounts).toEqual([
      { script: 'wpkh', status: 'active', n: 40 },
      { script: 'tr', status: 'discover', n: 40 },
      { script: 'sh-wpkh', status: 'discover', n: 40 },
      { script: 'pkh', status: 'discover', n: 40 },
    ]);
  });

  it('BIP86 wallet', () => {
    const w = service();
    w.restore({ mnemonic: ABANDON, passphrase: '', script: 'tr', password: PW });
    expect(w.nextAddress().address).toBe(vectors.bip86.entries[1].address);
  });

  it('a passphrase gives another wallet', () => {
    const w = service();
    const r = w.restore({ mnemonic: ABANDON, passphrase: 'TREZOR', script: 'wpkh', password: PW });
    expect(r.fingerprint).not.toBe('73c5da0a');
    expect(w.info()['hasPassphrase']).toBe(true);
  });

  it('refuses a bad mnemonic or a weak password without creating anything', () => {
    const w = service();
    expectCode(() => w.restore({ mnemonic: 'abandon about', passphrase: '', script: 'wpkh', password: PW }), 'invalid-mnemonic');
    expectCode(() => w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: 'short' }), 'password-too-short');
    expect(w.hasWallet()).toBe(false);
    expectCode(() => w.nextAddress(), 'no-wallet');
  });
});

describe('create', () => {
  it('creates, refuses to overwrite, reveals the same words', () => {
    const dir = tmpDir();
    const w = service(dir, 'regtest');
    const c = w.create({ words: 24, passphrase: '', script: 'wpkh', password: PW });
    expect(c.mnemonic.split(' ')).toHaveLength(24);
    expect(c.descriptors[0]?.desc).toContain('/84h/1h/0h]tpub');
    expectCode(() => w.create({ words: 12, passphrase: '', script: 'wpkh', password: PW }), 'wallet-exists');
    expectCode(() => w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: PW }), 'wallet-exists');
    expect(w.reveal(PW).mnemonic).toBe(c.mnemonic);
    expectCode(() => w.reveal('not the password'), 'wrong-password');
  });

  it('a folder renamed to another network is refused', () => {
    const dir = tmpDir();
    service(dir, 'regtest').create({ words: 12, passphrase: '', script: 'tr', password: PW });
    open.pop()?.close();
    fs.renameSync(path.join(dir, 'regtest'), path.join(dir, 'test'));
    expectCode(() => service(dir, 'test'), 'wrong-network');
  });
});

describe('the keystore cost', () => {
  function storedLogN(dir: string, network: string): number {
    const db = new Database(path.join(dir, network, 'wallet.sqlite'), { readonly: true });
    const row = db.prepare('SELECT blob FROM keys_keystore WHERE id = 1').get() as { blob: Buffer };
    db.close();
    return inspectKeystore(new Uint8Array(row.blob), 10).kdf.logN;
  }

  it('COFFER_REGTEST_KDF_LOGN lowers a regtest wallet\'s cost only; a password change keeps it', () => {
    vi.stubEnv('COFFER_REGTEST_KDF_LOGN', '11');
    try {
      const reg = tmpDir();
      const r = service(reg, 'regtest');
      r.create({ words: 12, passphrase: '', script: 'wpkh', password: PW });
      expect(storedLogN(reg, 'regtest')).toBe(11);
      r.changePassword(PW, 'another long password');
      expect(storedLogN(reg, 'regtest')).toBe(11);
      const main = tmpDir();
      service(main, 'main').create({ words: 12, passphrase: '', script: 'wpkh', password: PW });
      expect(storedLogN(main, 'main')).toBe(18);
      vi.stubEnv('COFFER_REGTEST_KDF_LOGN', undefined);
      const plain = tmpDir();
      service(plain, 'regtest').create({ words: 12, passphrase: '', script: 'wpkh', password: PW });
      expect(storedLogN(plain, 'regtest')).toBe(18);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the mainnet floor', () => {
  it('a main wallet whose keystore was made cheaper than 2^18 does not open: keystore-corrupt', () => {
    const dir = tmpDir();
    const w = service(dir, 'main');
    w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: PW });
    w.close();
    const cheap = sealKeystore({ entropy: new Uint8Array(16), language: 'english', seed: new Uint8Array(64) }, PW, { ...DEFAULT_KDF, logN: 12 }, REGTEST_MIN_LOGN);
    const db = new Database(path.join(dir, 'main', 'wallet.sqlite'));
    db.prepare('UPDATE keys_keystore SET blob = ? WHERE id = 1').run(Buffer.from(cheap));
    db.close();
    expectCode(() => service(dir, 'main').reveal(PW), 'keystore-corrupt');
  });
});

describe('an empty wallet.sqlite', () => {
  /** A network folder holding an empty wallet.sqlite and whatever `traces` makes. */
  function emptyDb(traces: (dir: string) => void = () => {}): { datadir: string; file: string } {
    const datadir = tmpDir();
    const dir = path.join(datadir, 'main');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    // What the CLI logs before it opens any database: no trace of a wallet.
    fs.writeFileSync(path.join(dir, 'logs', 'coffer.log'), '{"t":"2026-01-01T00:00:00.000Z","level":"info","event":"cli.command","command":"wallet create"}\n');
    const file = path.join(dir, 'wallet.sqlite');
    fs.writeFileSync(file, '');
    traces(dir);
    return { datadir, file };
  }

  it('in a folder with no trace of a wallet is a fresh start, as is a folder with none at all', () => {
    // app.json naming another network is no trace of a main wallet.
    const { datadir } = emptyDb((dir) => fs.writeFileSync(path.join(dir, '..', 'app.json'), '{"network":"regtest"}'));
    expect(service(datadir).create({ words: 12, passphrase: '', script: 'wpkh', password: PW }).mnemonic.split(' ')).toHaveLength(12);
    expect(service(tmpDir()).hasWallet()).toBe(false);
  });

  const traces: Record<string, (dir: string) => void> = {
    'header files': (dir) => fs.writeFileSync(path.join(dir, 'headers.bin'), Buffer.alloc(80)),
    'the lightning lock': (dir) => fs.writeFileSync(path.join(dir, 'lightning.lock'), ''),
    "a daemon's files": (dir) => fs.writeFileSync(path.join(dir, 'daemon.json'), '{}'),
    'the embedded node': (dir) => fs.mkdirSync(path.join(dir, 'node')),
    'a tower folder': (dir) => fs.mkdirSync(path.join(dir, 'watchtower')),
    'a -wal file': (dir) => fs.writeFileSync(path.join(dir, 'wallet.sqlite-wal'), Buffer.alloc(4096, 1)),
    'a copy of the database': (dir) => fs.writeFileSync(path.join(dir, 'wallet.sqlite.bak'), 'x'),
    "a wallet's log lines": (dir) => fs.appendFileSync(path.join(dir, 'logs', 'coffer.log'), '{"t":"2026-01-01T00:00:01.000Z","level":"info","event":"wallet.created"}\n'),
    'app.json naming this network': (dir) => fs.writeFileSync(path.join(dir, '..', 'app.json'), '{"network":"main"}'),
  };
  for (const [what, make] of Object.entries(traces)) {
    it(`beside ${what} is database-corrupt, and the file is left as it was`, () => {
      const { datadir, file } = emptyDb(make);
      const e = expectCode(() => service(datadir), 'database-corrupt');
      expect(e.message).toMatch(/^The wallet database .*wallet\.sqlite is empty, but this folder held a wallet \(.+\); nothing was changed\./);
      expect(fs.statSync(file).size).toBe(0);
      expect(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('wallet.sqlite-') && f !== 'wallet.sqlite-wal')).toEqual([]);
    });
  }
});

describe('password and locking', () => {
  it('change-password: the new one works, the old one no longer does', () => {
    const w = service(tmpDir(), 'regtest'); // the suite's cheaper regtest key derivation
    w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: PW });
    expectCode(() => w.changePassword('wrong password!', 'another long password'), 'wrong-password');
    expectCode(() => w.changePassword(PW, 'short'), 'password-too-short');
    w.changePassword(PW, 'another long password');
    expectCode(() => w.reveal(PW), 'wrong-password');
    expect(w.reveal('another long password').mnemonic).toBe(ABANDON);
  });

  it('unlock needs the password; the wallet locks itself after the idle time', () => {
    vi.useFakeTimers();
    const timers = { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
    const w = service(tmpDir(), 'regtest', timers);
    w.restore({ mnemonic: ABANDON, passphrase: '', script: 'wpkh', password: PW });
    expect(w.locked).toBe(true);
    expectCode(() => w.withSeed(() => 1), 'wallet-locked');
    expectCode(() => w.unlock('wrong password'), 'wrong-password');
    w.setSetting('auto-lock-minutes', '2');
    w.unlock(PW);
    expect(w.withSeed((s) => s.length)).toBe(64);
    vi.advanceTimersByTime(119_000);
    expect(w.locked).toBe(false);
    vi.advanceTimersByTime(2_000);
    expect(w.locked).toBe(true);
    expectCode(() => w.withSeed(() => 1), 'wallet-locked');
  });

  it('settings are validated', () => {
    const w = service();
    expect(w.settings()).toEqual({ 'auto-lock-minutes': 15, 'gap-limit': 20, 'fee-rate-fast': 20, 'fee-rate-normal': 8, 'fee-rate-slow': 2, 'fee-estimates': 'auto' });
    expectCode(() => w.setSetting('auto-lock-minutes', '-1'), 'invalid-setting');
    expectCode(() => w.setSetting('auto-lock-minutes', '1.5'), 'invalid-setting');
    expectCode(() => w.setSetting('colour', 'blue'), 'invalid-setting');
    expect(w.setSetting('gap-limit', '50')['gap-limit']).toBe(50);
    // fee-estimates is one of three words, not a number.
    expect(w.setSetting('fee-estimates', 'blocks')['fee-estimates']).toBe('blocks');
    expect(w.feeEstimates()).toBe('blocks');
    for (const bad of ['Blocks', '1', '', 'auto ']) expect(expectCode(() => w.setSetting('fee-estimates', bad), 'invalid-setting').message).toBe('fee-estimates must be auto, blocks or presets.');
    expect(w.feeEstimates()).toBe('blocks');
  });
});
