// The `coffer` command at its edges: a folder where a file belongs, a reader that goes away.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/** Run the command with its stdout (and optionally stderr) closed by the reader before it writes. */
function closedReader(args: string[], closeStderr = false): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    if (closeStderr) child.stderr.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('coffer at its edges', () => {
  it('verify headers on a folder is file-unreadable, not internal', async () => {
    const dir = tmpDir();
    const r = await coffer(['verify', 'headers', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: file-unreadable: The headers file ${dir} is not a regular file.\n`);
  });

  it('a reader that closed its end: the output is dropped, no stack trace, the status is the command\'s', async () => {
    expect(await closedReader(['help'])).toEqual({ code: 0, stderr: '' });
    const headers = await closedReader(['verify', 'headers', tmpDir()]);
    expect(headers).toEqual({ code: 1, stderr: expect.stringMatching(/^error: file-unreadable: .*\n$/) });
    // The error line itself has nowhere to go either: still the usage status, not a crash.
    expect((await closedReader(['frobnicate'], true)).code).toBe(2);
  });
});
