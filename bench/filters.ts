// BIP158 filter matching for a restore: a wallet of 1,000 scripts against generated mainnet-sized
// filters (about 3,000 elements each), the projected time to scan 250,000 blocks, memory, and the
// time to build one filter.

import { randomBytes } from 'node:crypto';
import { encodeFilter, matchAny } from '../src/chain/bip158.js';
import { median, rssMiB, time, type Figure } from './measure.js';

const ELEMENTS = 3_000;
const FILTERS = 200;
const WALLET = 1_000;
const BLOCKS = 250_000;

/** A mix of today's output scripts: P2WPKH, P2TR, P2PKH, P2SH, P2WSH. */
function script(i: number): Uint8Array {
  const kinds: [number[], number, number[]][] = [
    [[0x00, 0x14], 20, []],
    [[0x51, 0x20], 32, []],
    [[0x76, 0xa9, 0x14], 20, [0x88, 0xac]],
    [[0xa9, 0x14], 20, [0x87]],
    [[0x00, 0x20], 32, []],
  ];
  const [pre, n, post] = kinds[i % kinds.length]!;
  return Uint8Array.from([...pre, ...randomBytes(n), ...post]);
}

export function benchFilters(): Figure[] {
  const blocks = Array.from({ length: FILTERS }, () => ({ hash: new Uint8Array(randomBytes(32)), elements: Array.from({ length: ELEMENTS }, (_, i) => script(i)) }));
  const builds: number[] = [];
  const filters = blocks.map((b) => {
    const t = time(() => encodeFilter(b.hash, b.elements));
    builds.push(t.ms);
    return { hash: b.hash, filter: t.result };
  });
  const filterBytes = filters.reduce((s, f) => s + f.filter.length, 0);
  for (const b of blocks) b.elements.length = 0;
  const wallet = Array.from({ length: WALLET }, (_, i) => script(i));
  const rssBefore = rssMiB();

  for (const f of filters.slice(0, 20)) matchAny(f.filter, f.hash, wallet); // warm up
  const rounds: number[] = [];
  let matches = 0;
  for (let r = 0; r < 3; r++) {
    rounds.push(
      time(() => {
        for (const f of filters) if (matchAny(f.filter, f.hash, wallet)) matches++;
      }).ms,
    );
  }
  const perSecond = FILTERS / (Math.min(...rounds) / 1000);
  return [
    { name: `build a filter of ${ELEMENTS.toLocaleString('en-US')} elements (median of ${FILTERS})`, value: median(builds), unit: 'ms' },
    { name: 'filter size (mainnet-sized, as generated)', value: filterBytes / FILTERS, unit: 'bytes', note: `${((filterBytes / FILTERS / ELEMENTS) * 8).toFixed(1)} bits per element` },
    { name: `match a ${WALLET.toLocaleString('en-US')}-script wallet (best of 3 x ${FILTERS} filters)`, value: perSecond, unit: 'filters/s', note: `${matches} false positives in ${3 * FILTERS}` },
    { name: `projected scan of ${BLOCKS.toLocaleString('en-US')} blocks (matching only, one core)`, value: BLOCKS / perSecond, unit: 's' },
    { name: `resident memory growth while matching ${3 * FILTERS} filters`, value: rssMiB() - rssBefore, unit: 'MiB', note: `a match holds one filter and the hashed wallet, ${((WALLET * 8) / 1024).toFixed(1)} KiB` },
    { name: `all ${BLOCKS.toLocaleString('en-US')} filters, if kept`, value: ((filterBytes / FILTERS) * BLOCKS) / 2 ** 30, unit: 'GiB', note: 'a scan needs only one at a time' },
  ];
}
