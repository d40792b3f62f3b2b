// Load data from the core when a screen opens and whenever the wallet changes (revision); with
// `pollMs`, also that long after each load completes (for data that changes without wallet events).
import { useCallback, useEffect, useState } from 'react';
import { sentence } from '../errors.js';

export function useLoad<T>(load: () => Promise<T>, revision: number, pollMs?: number): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The next poll waits for this load: a slow call is never cut off by the one after it.
    const run = () =>
      load()
        .then(
          (d) => {
            if (!live) return;
            setData(d);
            setError(undefined);
          },
          (e: unknown) => live && setError(sentence(e)),
        )
        .finally(() => {
          if (live && pollMs !== undefined) timer = setTimeout(run, pollMs);
        });
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `load` is a fresh closure each render; revision and tick say when to reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision, tick, pollMs]);
  return { data, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}
