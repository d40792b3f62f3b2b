// Search, sort and paging of a long list (history, coins), as a pure function of the rows and
// what the user chose: the screens render one page, however many thousands of rows there are.

export interface SortKey<T> {
  id: string;
  label: string;
  /** Negative when a comes first. */
  compare: (a: T, b: T) => number;
}

export interface ListChoice {
  query: string;
  sort: string;
  page: number;
}

export interface ListPage<T> {
  rows: T[];
  /** Rows matching the query, over all pages. */
  matching: number;
  /** The page shown (0-based, clamped to the pages there are) and how many there are (at least 1). */
  page: number;
  pages: number;
}

export const PAGE_SIZE = 50;

/** The page of `rows` that matches the query (every word in `text(row)`, any case), in the chosen order. */
export function listPage<T>(rows: readonly T[], choice: ListChoice, text: (row: T) => string, keys: readonly SortKey<T>[], size = PAGE_SIZE): ListPage<T> {
  const words = choice.query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matching = words.length === 0 ? [...rows] : rows.filter((r) => {
    const t = text(r).toLowerCase();
    return words.every((w) => t.includes(w));
  });
  const key = keys.find((k) => k.id === choice.sort);
  if (key) matching.sort(key.compare);
  const pages = Math.max(1, Math.ceil(matching.length / size));
  const page = Math.min(Math.max(0, Math.floor(choice.page)), pages - 1);
  return { rows: matching.slice(page * size, (page + 1) * size), matching: matching.length, page, pages };
}
