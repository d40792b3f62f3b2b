// `coffer vault …` and `coffer watchtower export` refuse bad input with one line and the right
// exit code, before touching the network.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const PW = { COFFER_PASSWORD: 'a long enough password' };

describe('coffer vault: bad input', () => {
  it('usage errors exit 2', async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env: PW });
    const cases: [string[], string][] = [
      [['vault', 'create', '--delay', '6', '--recovery', 'x'], 'give --amount SATS once'],
      [['vault', 'create', '--amount', '1000', '--amount', '2000', '--delay', '6', '--recovery', 'x'], 'give --amount SATS once'],
      [['vault', 'create', '--amount', '12.5', '--delay', '6', '--recovery', 'x'], '--amount must be a whole number'],
      [['vault', 'create', '--amount', '100000', '--recovery', 'x'], 'needs --delay BLOCKS'],
      [['vault', 'create', '--amount', '100000', '--delay', 'soon', '--recovery', 'x'], '--delay must be a whole number'],
      [['vault', 'create', '--amount', '100000', '--delay', '6'], 'needs --recovery'],
      [['vault', 'create', '--amount', '100000', '--delay', '6', '--recovery', 'x', '--feerate', 'lots'], '--feerate must be'],
      [['vault', 'withdraw'], 'takes ID'],
      [['vault', 'complete', 'abc'], 'give --to ADDR once'],
      [['vault', 'sweep', 'abc', '--to', 'bcrt1q'], 'needs --key-file'],
      [['vault', 'list', '--to', 'x'], '--to does not apply'],
      [['watchtower', 'export'], 'takes FILE'],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^error: usage: .+\n$/);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });

  it('no wallet, no vaults, an unreadable key file: typed errors', async () => {
    const dir = tmpDir();
    const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env: PW });
    expect((await run(['vault', 'list'])).stderr).toMatch(/^error: no-wallet: /);
    expect((await run(['wallet', 'create'])).code).toBe(0);
    const empty = await run(['vault', 'list']);
    expect(empty.code).toBe(0);
    expect(empty.json).toEqual([]);
    const exported = await run(['watchtower', 'export', path.join(dir, 'pkg.json')]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(/^error: unknown-vault: This wallet has no vaults yet/);
    const key = await run(['vault', 'sweep', 'abc', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '--key-file', path.join(dir, 'none.key')]);
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(/^error: file-unreadable: /);
    // An id no vault can have (empty, longer than 64 characters) is refused before any password is asked.
    for (const bad of ['', 'a'.repeat(65)]) {
      for (const verb of [['withdraw'], ['cancel'], ['complete', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080']]) {
        const r = await coffer(['--datadir', dir, '--network', 'regtest', 'vault', verb[0]!, bad, ...verb.slice(1)]);
        expect(r.code, `${verb} ${bad.length}`).toBe(1);
        expect(r.stderr, `${verb} ${bad.length}`).toBe(`error: unknown-vault: This wallet has no vault ${bad}.\n`);
      }
    }
  });
});
