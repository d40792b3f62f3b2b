// The `coffer` command at its edges: a folder where a file belongs, a reader that goes away, and
// Lightning commands whose arguments are wrong (refused before any wallet, password or LDK).

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const PEER = `02${'11'.repeat(32)}@127.0.0.1:9735`;

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
    expect(r.stderr).toBe(`error: file-unreadable: The headers file ${dir} cannot be read (it is not a regular file).\n`);
  });

  it('a reader that closed its end: the output is dropped, no stack trace, the status is the command\'s', async () => {
    expect(await closedReader(['help'])).toEqual({ code: 0, stderr: '' });
    const headers = await closedReader(['verify', 'headers', tmpDir()]);
    expect(headers).toEqual({ code: 1, stderr: expect.stringMatching(/^error: file-unreadable: .*\n$/) });
    // The error line itself has nowhere to go either: still the usage status, not a crash.
    expect((await closedReader(['frobnicate'], true)).code).toBe(2);
  });

  it('channel open and close check their arguments before anything starts: no wallet or password needed to be told', async () => {
    const run = (args: string[]) => coffer(['--datadir', tmpDir(), '--network', 'regtest', ...args]);
    const cases: [string[], number, RegExp][] = [
      [['channel', 'open', '--peer', 'nobody', '--amount', '100000'], 1, /^error: invalid-peer: /],
      [['channel', 'open', '--peer', `04${'11'.repeat(32)}@127.0.0.1:9735`, '--amount', '100000'], 1, /^error: invalid-peer: .*02 or 03/],
      [['channel', 'open', '--peer', PEER, '--amount', '0'], 1, /^error: invalid-amount: /],
      [['channel', 'open', '--peer', PEER, '--amount', '100000', '--push', '100000'], 1, /^error: invalid-amount: The push amount/],
      [['channel', 'open', '--peer', PEER, '--amount', '3000000000000000'], 2, /^error: usage: Malformed parameters for channel\.open/],
      [['channel', 'close', 'abc'], 2, /^error: usage: CHANNEL_ID is the channel's id, 64 hex digits/],
      [['channel', 'close', 'g'.repeat(64), '--force'], 2, /^error: usage: CHANNEL_ID/],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
    }
  });
});
