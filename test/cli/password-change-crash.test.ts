// A crash at any point of a password change leaves the old or the new password working.

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { copyOf, tmpDir } from '../helpers/tmp.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The wallet restored once with password 0; each test changes the password of its own copy. */
let template: string;
beforeAll(async () => {
  template = tmpDir();
  fs.writeFileSync(path.join(template, 'words'), ABANDON);
  const r = await coffer(['--datadir', template, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', path.join(template, 'words')], { env: { COFFER_PASSWORD: 'password number 0' } });
  expect(r.code, r.stderr).toBe(0);
});

function setup(): { base: string[]; dir: string } {
  const dir = copyOf(template);
  return { base: ['--datadir', dir, '--network', 'regtest'], dir };
}

/** Which of the passwords opens the wallet; fails unless exactly one does. */
async function working(base: string[], passwords: string[]): Promise<string> {
  const ok: string[] = [];
  for (const pw of passwords) {
    const r = await coffer([...base, 'wallet', 'reveal'], { env: { COFFER_PASSWORD: pw } });
    if (r.code === 0) {
      expect(r.json.mnemonic).toBe(ABANDON);
      ok.push(pw);
    } else {
      expect(r.stderr).toMatch(/^error: wrong-password: /);
    }
  }
  expect(ok).toHaveLength(1);
  return ok[0] ?? '';
}

describe('interrupted password change', () => {
  for (const [point, expected] of [
    ['change-password:sealed', 'old'],
    ['change-password:committed', 'new'],
  ] as const) {
    it(`killed at ${point}: the ${expected} password works`, async () => {
      const { base, dir } = setup();
      fs.writeFileSync(path.join(dir, 'new'), 'password number 1');
      const r = await coffer([...base, 'wallet', 'change-password', '--new-password-file', path.join(dir, 'new')], {
        env: { COFFER_PASSWORD: 'password number 0', COFFER_FAULT: point },
      });
      expect(r.signal).toBe('SIGKILL');
      const pw = await working(base, ['password number 0', 'password number 1']);
      expect(pw).toBe(expected === 'old' ? 'password number 0' : 'password number 1');
    });
  }

  it('killed at random moments: always exactly one password works', async () => {
    const { base, dir } = setup();
    let current = 'password number 0';
    const outcomes: string[] = [];
    for (const [i, delay] of [400, 2000, 3000, 4200].entries()) {
      const next = `password number ${i + 1}`;
      fs.writeFileSync(path.join(dir, 'new'), next);
      // At the full key-derivation cost (the suite's cheaper regtest cost would finish before the
      // kills): the new keystore is sealed at 2^18, so a change takes seconds to interrupt.
      const r = await coffer([...base, 'wallet', 'change-password', '--new-password-file', path.join(dir, 'new')], {
        env: { COFFER_PASSWORD: current, COFFER_REGTEST_KDF_LOGN: undefined },
        killAfterMs: delay,
      });
      outcomes.push(r.signal === 'SIGKILL' ? 'killed' : `exit ${r.code}`);
      current = await working(base, [next, current]);
    }
    // The run must actually have interrupted some changes, or it proves nothing.
    expect(outcomes).toContain('killed');
  });
});
