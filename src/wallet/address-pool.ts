// Gap-limit rules for a chain of addresses: how far to derive, and which address to hand out next.
//
// A restore scans until `gap` consecutive unused addresses, so the wallet never hands out an
// address beyond the last used one plus `gap`: once that window is all handed out, it offers
// the first address after the last used one again rather than one a restore would miss.

export const DEFAULT_GAP_LIMIT = 20;

export interface PoolEntry {
  index: number;
  issued: boolean;
  used: boolean;
}

/** Highest index with history, or -1. */
export function lastUsedIndex(entries: readonly PoolEntry[]): number {
  let last = -1;
  for (const e of entries) if (e.used && e.index > last) last = e.index;
  return last;
}

/** Derive indexes 0..(this - 1): every address up to `gap` past the last used one. */
export function derivationTarget(entries: readonly PoolEntry[], gap: number): number {
  return lastUsedIndex(entries) + 1 + gap;
}

export interface NextAddress {
  index: number;
  /** True when the gap window is exhausted and an already handed-out address is offered again. */
  reused: boolean;
}

/**
 * The next receive address: the lowest never-issued one after the last used address and inside
 * the gap window. Gaps below the last used address are never handed out: after a restore the
 * wallet cannot know whether the original wallet gave them to someone.
 */
/** The address to show again: the latest handed out and still unused, if any (Electrum shows it until it is paid). */
export function currentReceive(entries: readonly PoolEntry[]): number | undefined {
  const first = lastUsedIndex(entries) + 1;
  let current: number | undefined;
  for (const e of entries) if (e.index >= first && e.issued && !e.used && (current === undefined || e.index > current)) current = e.index;
  return current;
}

export function nextReceive(entries: readonly PoolEntry[], gap: number): NextAddress {
  const byIndex = new Map(entries.map((e) => [e.index, e]));
  const first = lastUsedIndex(entries) + 1;
  const end = first + gap;
  for (let i = first; i < end; i++) {
    const e = byIndex.get(i);
    if (!e || (!e.issued && !e.used)) return { index: i, reused: false };
  }
  return { index: first, reused: true };
}
