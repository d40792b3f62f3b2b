// `coffer verify filter`: every BIP158 vector block through the command (filter, hash, header), and
// each kind of bad input answered with its typed error.

import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { loadVectors } from '../helpers/vectors.js';

type Row = [number, string, string, string[], string, string, string, string];
const rows = loadVectors<unknown[]>('bip158_blockfilters.json').slice(1) as Row[];
let dir: string;
const file = (name: string, data: string | Uint8Array) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};

beforeAll(() => {
  dir = tmpDir();
});

describe('coffer verify filter', () => {
  it('prints each vector block\'s filter, filter hash and header', async () => {
    const results = await Promise.all(
      rows.map(([height, , block, prevouts, prevHeader]) =>
        coffer(['verify', 'filter', '--block', file(`${height}.bin`, hexToBytes(block)), '--prevouts', file(`${height}.json`, JSON.stringify(prevouts)), '--prev-header', prevHeader]),
      ),
    );
    results.forEach((r, i) => {
      const [height, , , , , filter, header] = rows[i]!;
      expect(r.code, `${height}: ${r.stderr}`).toBe(0);
      const filterHash = bytesToHex(sha256(sha256(hexToBytes(filter))).reverse());
      expect(r.json, `height ${height}`).toEqual({ filter, filterHash, header });
    });
  });

  it('without --prev-header chains from zeros, as genesis does', async () => {
    const [, , block, , , filter, header] = rows[0]!;
    const r = await coffer(['verify', 'filter', '--block', file('genesis.bin', hexToBytes(block)), '--prevouts', file('none.json', '[]')]);
    expect(r.json).toMatchObject({ filter, header });
  });

  it('refuses bad files and arguments with typed errors', async () => {
    const row = rows.find((r) => r[3].length > 0)!;
    const block = file('block.bin', hexToBytes(row[2]));
    const prevouts = file('prevouts.json', JSON.stringify(row[3]));
    const cases: [string, string[], RegExp][] = [
      ['a truncated block', ['--block', file('short.bin', hexToBytes(row[2]).subarray(0, 100)), '--prevouts', prevouts], /^error: invalid-message: The block is invalid: /],
      ['a block file of hex text', ['--block', file('hex.bin', row[2]), '--prevouts', prevouts], /^error: invalid-message: The block is invalid: /],
      ['prevouts that are not JSON', ['--block', block, '--prevouts', file('bad.json', '["00",')], /^error: invalid-message: The previous output scripts file is invalid: not JSON\./],
      ['prevouts that are not an array', ['--block', block, '--prevouts', file('obj.json', '{"a":1}')], /not a JSON array/],
      ['a prevout that is not hex', ['--block', block, '--prevouts', file('nothex.json', JSON.stringify([...row[3].slice(1), 'zz']))], /item 8 is not a hex string/],
      ['a prevout that is a number', ['--block', block, '--prevouts', file('num.json', '[1]')], /item 1 is not a hex string/],
      ['too few prevouts', ['--block', block, '--prevouts', file('few.json', JSON.stringify(row[3].slice(1)))], /^error: invalid-message: The block spends 8 outputs but 7 previous output scripts were given\./],
      ['a missing block file', ['--block', path.join(dir, 'nope.bin'), '--prevouts', prevouts], /^error: file-unreadable: The block file .* cannot be read \(ENOENT\)/],
    ];
    const results = await Promise.all(cases.map(([, args]) => coffer(['verify', 'filter', ...args])));
    results.forEach((r, i) => {
      const [what, , pattern] = cases[i]!;
      expect(r.stderr, what).toMatch(pattern);
      expect(r.code, what).toBe(1);
      expect(r.stdout, what).toBe('');
    });
  });

  it('answers usage without its files or with a bad --prev-header', async () => {
    const block = file('g.bin', hexToBytes(rows[0]![2]));
    const none = file('empty.json', '[]');
    for (const args of [['--block', block], ['--block', block, '--prevouts', none, '--prev-header', 'abc']]) {
      const r = await coffer(['verify', 'filter', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: usage: /);
    }
  });
});
