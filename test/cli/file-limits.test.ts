// Every `coffer` command that reads a file named by the user refuses what is not a small regular
// file, at once: /dev/zero, a FIFO nobody writes to, a directory, a file over the kind's cap
// (sparse, so it costs no disk). Each answers `error: file-unreadable` with the reason; none hangs.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FILE_LIMITS, readFileLimited, type FileKind } from '../../src/service/files.js';
import { coffer } from '../helpers/cli.js';
import { expectCode } from '../helpers/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { loadVectors } from '../helpers/vectors.js';

const env = { COFFER_PASSWORD: 'a long enough password' };
let dir: string;
let wallet: string;
const hostile: Record<string, string> = {};

beforeAll(async () => {
  dir = tmpDir();
  wallet = path.join(dir, 'wallet');
  const created = await coffer(['--datadir', wallet, '--network', 'regtest', 'wallet', 'create'], { env });
  expect(created.code, created.stderr).toBe(0);
  // verify filter reads its other file first: a valid block (testnet's genesis) and its empty prevouts.
  fs.writeFileSync(path.join(dir, 'block.bin'), Buffer.from(loadVectors<[unknown, [number, string, string]]>('bip158_blockfilters.json')[1][2], 'hex'));
  fs.writeFileSync(path.join(dir, 'prevouts.json'), '[]');
  hostile['/dev/zero'] = '/dev/zero';
  hostile['a FIFO'] = path.join(dir, 'fifo');
  execFileSync('mkfifo', [hostile['a FIFO']]);
  hostile['a directory'] = path.join(dir, 'folder');
  fs.mkdirSync(hostile['a directory']);
}, 60_000);

/** A sparse file one byte over the kind's cap. */
function tooLarge(kind: FileKind): string {
  const file = path.join(dir, `large-${kind}`);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, '');
    fs.truncateSync(file, FILE_LIMITS[kind] + 1);
  }
  return file;
}

const ENTRY_POINTS: { name: string; kind: FileKind; args: (file: string) => string[] }[] = [
  { name: 'wallet psbt sign', kind: 'psbt', args: (f) => ['wallet', 'psbt', 'sign', '--yes', f] },
  { name: 'wallet psbt finalize', kind: 'psbt', args: (f) => ['wallet', 'psbt', 'finalize', f] },
  { name: 'wallet psbt combine', kind: 'psbt', args: (f) => ['wallet', 'psbt', 'combine', f] },
  { name: 'wallet psbt broadcast', kind: 'psbt', args: (f) => ['wallet', 'psbt', 'broadcast', f] },
  { name: 'wallet labels import', kind: 'labels', args: (f) => ['wallet', 'labels', 'import', f] },
  { name: 'vault sweep --key-file', kind: 'key', args: (f) => ['vault', 'sweep', 'stray', '--to', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '--key-file', f] },
  { name: 'watchtower run --package', kind: 'package', args: (f) => ['watchtower', 'run', '--package', f] },
  { name: 'channel restore', kind: 'backup', args: (f) => ['channel', 'restore', f] },
  { name: 'ln import-gossip', kind: 'gossip', args: (f) => ['ln', 'import-gossip', f] },
  { name: '--password-file', kind: 'password', args: (f) => ['--password-file', f, 'wallet', 'reveal'] },
  { name: '--rpc-cookie', kind: 'cookie', args: (f) => ['--backend', 'rpc', '--rpc-url', 'http://127.0.0.1:9/', '--rpc-cookie', f, 'sync'] },
  { name: 'verify headers', kind: 'headers', args: (f) => ['verify', 'headers', f] },
  { name: 'verify filter --block', kind: 'block', args: (f) => ['verify', 'filter', '--block', f, '--prevouts', path.join(dir, 'prevouts.json')] },
  { name: 'verify filter --prevouts', kind: 'prevouts', args: (f) => ['verify', 'filter', '--block', path.join(dir, 'block.bin'), '--prevouts', f] },
];

describe('files named on the command line', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry.name}: /dev/zero, a FIFO, a directory and an oversized file each answer file-unreadable`, async () => {
      const cases: [string, string, string][] = [
        ['/dev/zero', hostile['/dev/zero']!, 'not-a-regular-file'],
        ['a FIFO', hostile['a FIFO']!, 'not-a-regular-file'],
        ['a directory', hostile['a directory']!, 'not-a-regular-file'],
        ['an oversized file', tooLarge(entry.kind), 'too-large'],
      ];
      const results = await Promise.all(
        cases.map(([, file]) => coffer(['--datadir', wallet, '--network', 'regtest', ...entry.args(file)], { env: env, killAfterMs: 30_000 })),
      );
      results.forEach((r, i) => {
        const [what, file] = cases[i]!;
        expect(r.signal, `${what}: killed after 30 s`).toBeNull();
        expect(r.stderr, what).toMatch(/^error: file-unreadable: /);
        expect(r.stderr, what).toContain(file);
        expect(r.code, what).toBe(1);
      });
    }, 120_000);
  }
});

describe('readFileLimited', () => {
  it('names the reason: not a regular file, too large, or the error number', () => {
    expect(expectCode(() => readFileLimited('/dev/zero', 'psbt'), 'file-unreadable').details['reason']).toBe('not-a-regular-file');
    expect(expectCode(() => readFileLimited(hostile['a FIFO']!, 'labels'), 'file-unreadable').details['reason']).toBe('not-a-regular-file');
    expect(expectCode(() => readFileLimited(tooLarge('key'), 'key'), 'file-unreadable').details).toMatchObject({ reason: 'too-large', limitBytes: FILE_LIMITS.key });
    expect(expectCode(() => readFileLimited(path.join(dir, 'missing'), 'cookie'), 'file-unreadable').details['reason']).toBe('ENOENT');
    const small = path.join(dir, 'small');
    fs.writeFileSync(small, 'x'.repeat(FILE_LIMITS.cookie));
    expect(readFileLimited(small, 'cookie').length).toBe(FILE_LIMITS.cookie);
  });
});

describe('files written where the command line says', () => {
  it('wallet labels export onto a FIFO, a device or a directory answers file-unreadable at once; a regular file is written', async () => {
    for (const file of [hostile['a FIFO']!, '/dev/null', hostile['a directory']!]) {
      const r = await coffer(['--datadir', wallet, '--network', 'regtest', 'wallet', 'labels', 'export', file], { env, killAfterMs: 30_000 });
      expect(r.signal, `${file}: killed after 30 s`).toBeNull();
      expect(r.stderr, file).toMatch(/^error: file-unreadable: The labels file .* cannot be written \((not-a-regular-file|EISDIR|ENXIO)\)\.\n$/);
    }
    const out = path.join(dir, 'labels.jsonl');
    fs.writeFileSync(out, 'old content that is longer than the export\n'.repeat(10));
    const r = await coffer(['--datadir', wallet, '--network', 'regtest', 'wallet', 'labels', 'export', out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
  }, 120_000);
});
