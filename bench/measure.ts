// Small helpers for benchmarks: timing, resident memory, one printed line per figure.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export function time<T>(fn: () => T): { ms: number; result: T } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

export function report(figures: Figure[]): void {
  for (const f of figures) {
    const v = f.value >= 100 ? f.value.toFixed(0) : f.value.toFixed(2);
    console.log(`${f.name.padEnd(52)} ${v.padStart(10)} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
  }
}
