// Load data from the core when a screen opens and whenever the wallet changes (revision).
import { useCallback, useEffect, useState } from 'react';
import { sentence } from './errors.js';

export function useLoad<T>(load: () => Promise<T>, revision: number): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => live && setError(sentence(e)),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; revision and tick say when to reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision, tick]);
  return { data, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}
