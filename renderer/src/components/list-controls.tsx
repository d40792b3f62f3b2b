// The search box, sort choice and pager above and below a long list (history, coins).
import { useState } from 'react';
import type { ListChoice, ListPage, SortKey } from '../list-view.js';

export function useListChoice(sort: string): [ListChoice, (c: Partial<ListChoice>) => void] {
  const [choice, setChoice] = useState<ListChoice>({ query: '', sort, page: 0 });
  // A new search or order starts on the first page.
  const set = (c: Partial<ListChoice>) => setChoice((old) => ({ ...old, page: 0, ...c }));
  return [choice, set];
}

export function ListControls<T>({ choice, set, keys, what, testId }: { choice: ListChoice; set: (c: Partial<ListChoice>) => void; keys: readonly SortKey<T>[]; what: string; testId: string }) {
  return (
    <div className="list-controls" role="search">
      <label>
        <span className="visually-hidden">Search {what}</span>
        <input type="search" placeholder={`Search ${what}`} value={choice.query} onChange={(e) => set({ query: e.target.value })} data-testid={`${testId}/search`} />
      </label>
      <label>
        Sort by{' '}
        <select value={choice.sort} onChange={(e) => set({ sort: e.target.value })} data-testid={`${testId}/sort`}>
          {keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function Pager<T>({ view, set, what, testId }: { view: ListPage<T>; set: (c: Partial<ListChoice>) => void; what: string; testId: string }) {
  return (
    <nav className="pager" aria-label={`Pages of ${what}`}>
      <button type="button" className="secondary" disabled={view.page === 0} onClick={() => set({ page: view.page - 1 })} data-testid={`${testId}/previous`}>
        Previous
      </button>
      <span data-testid={`${testId}/page`} data-matching={view.matching}>
        Page {(view.page + 1).toLocaleString('en-US')} of {view.pages.toLocaleString('en-US')} ({view.matching.toLocaleString('en-US')} {what})
      </span>
      <button type="button" className="secondary" disabled={view.page >= view.pages - 1} onClick={() => set({ page: view.page + 1 })} data-testid={`${testId}/next`}>
        Next
      </button>
    </nav>
  );
}
