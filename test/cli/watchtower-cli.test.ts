// `coffer watchtower run` refuses what it cannot use, with a typed error and before touching the network.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('coffer watchtower run: bad input', () => {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, 'watchtower', 'run', ...args]);

  it('needs a package, readable, in its format, and a sane fee floor', async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --package FILE');

    const unreadable = await run(['--package', path.join(dir, 'nope.json')]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^error: file-unreadable: /);

    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"format":"coffer-watchtower","version":1,"network":"regtest","announceKey":"00","vaults":[]}');
    const badPkg = await run(['--package', junk]);
    expect(badPkg.code).toBe(1);
    expect(badPkg.stderr).toMatch(/^error: invalid-watchtower-package: .*announceKey/);

    const truncated = path.join(dir, 'truncated.json');
    fs.writeFileSync(truncated, '{"format":"coffer-watch');
    expect((await run(['--package', truncated])).stderr).toMatch(/^error: invalid-watchtower-package: The watchtower package is not JSON\./);

    const good = path.join(dir, 'empty.json');
    fs.writeFileSync(good, JSON.stringify({ format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: '11'.repeat(32), vaults: [] }));
    const rate = await run(['--package', good, '--min-feerate', 'fast']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--min-feerate must be a number');
  });
});
