// The `coffer` command at its edges: a folder where a file belongs.

import { describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('coffer at its edges', () => {
  it('verify headers on a folder is file-unreadable, not internal', async () => {
    const dir = tmpDir();
    const r = await coffer(['verify', 'headers', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: file-unreadable: The headers file ${dir} is not a regular file.\n`);
  });

});
