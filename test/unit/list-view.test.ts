// The long lists' search, sort and paging (history and coins, thousands of rows), and the notices
// that sum up a batch of incoming payments instead of stacking one per payment.

import { describe, expect, it } from 'vitest';
import { listPage, PAGE_SIZE, type SortKey } from '../../renderer/src/list-view.js';
import { MAX_NOTICES, withIncoming, withNotice, type Toast } from '../../renderer/src/notices.js';

interface Row {
  n: number;
  label: string;
}

const ROWS: Row[] = Array.from({ length: 5_000 }, (_, n) => ({ n, label: n % 10 === 7 ? `Rent ${n}` : `coffee ${n}` }));
const text = (r: Row) => r.label;
const KEYS: SortKey<Row>[] = [
  { id: 'up', label: 'Up', compare: (a, b) => a.n - b.n },
  { id: 'down', label: 'Down', compare: (a, b) => b.n - a.n },
];

describe('list view', () => {
  it('pages 5,000 rows fifty at a time, in the chosen order', () => {
    const first = listPage(ROWS, { query: '', sort: 'down', page: 0 }, text, KEYS);
    expect(first.pages).toBe(100);
    expect(first.matching).toBe(5_000);
    expect(first.rows).toHaveLength(PAGE_SIZE);
    expect(first.rows[0]!.n).toBe(4_999);
    const last = listPage(ROWS, { query: '', sort: 'up', page: 99 }, text, KEYS);
    expect(last.rows.map((r) => r.n)).toEqual(Array.from({ length: 50 }, (_, i) => 4_950 + i));
    // The input is left as it was.
    expect(ROWS[0]!.n).toBe(0);
  });

  it('searches every word, in any case, and clamps the page to the pages there are', () => {
    const v = listPage(ROWS, { query: '  rENT 4 ', sort: 'up', page: 1_000 }, text, KEYS);
    // "Rent" rows end in 7; those with a 4 in them.
    const expected = ROWS.filter((r) => r.n % 10 === 7 && String(r.n).includes('4'));
    expect(v.matching).toBe(expected.length);
    expect(v.page).toBe(v.pages - 1);
    expect(v.rows.every((r) => r.label.startsWith('Rent') && r.label.includes('4'))).toBe(true);
    const none = listPage(ROWS, { query: 'tea', sort: 'up', page: 3 }, text, KEYS);
    expect(none).toEqual({ rows: [], matching: 0, page: 0, pages: 1 });
  });
});

describe('notices', () => {
  it('a hundred incoming payments make one notice with their count and total', () => {
    let list: Toast[] = [];
    for (let i = 1; i <= 100; i++) list = withIncoming(list, i, 5_000_000_000, true);
    expect(list).toHaveLength(1);
    // The total as amounts show everywhere (the unit chosen in the settings).
    expect(list[0]!.text).toBe('100 incoming payments, +5,000.00000000 BTC');
    expect(list[0]!.id).toBe(100);
    expect(withIncoming([], 1, 100_000_000, false)[0]!.text).toBe('Incoming payment: +1.00000000 BTC (unconfirmed)');
    // Some seen before a block, some in it: how many are still unconfirmed.
    const mixed = withIncoming(withIncoming(withIncoming([], 1, 1_000, false), 2, 2_000, true), 3, 3_000, false);
    expect(mixed[0]!.text).toBe('3 incoming payments, +0.00006000 BTC (2 unconfirmed)');
  });

  it('never more than a few notices: the oldest gives way, the payments\' summary stays one', () => {
    let list: Toast[] = withIncoming([], 1, 1_000, true);
    for (let i = 2; i <= 10; i++) list = withNotice(list, i, `notice ${i}`);
    expect(list.map((t) => t.text)).toEqual(['notice 8', 'notice 9', 'notice 10']);
    list = withIncoming(list, 11, 2_000, false);
    expect(list).toHaveLength(MAX_NOTICES);
    expect(list.filter((t) => t.incoming)).toHaveLength(1);
  });
});
