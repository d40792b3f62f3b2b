// One action against the core at a time: busy while it runs, its error kept for the screen when it
// fails. Every form and button that calls the core goes through this, and forms submit with `submit`.
import { useState, type FormEvent } from 'react';
import { codeOf, sentence } from '../errors.js';

/** An error as a screen shows it: the sentence, and the core's code (for `data-code`). */
export interface Failure {
  text: string;
  code?: string | undefined;
}

export function failureOf(e: unknown): Failure {
  return { text: sentence(e), code: codeOf(e) };
}

export interface Action<F> {
  busy: boolean;
  error: F | undefined;
  /** For what the screen checks itself before calling (an empty field), and for clearing on edit. */
  setError: (error: F | undefined) => void;
  /** Runs `fn` with busy set and the last error cleared; what it throws becomes `error`. */
  run: (fn: () => Promise<unknown>) => Promise<void>;
}

/** `describe` turns what an action threw into the screen's error (by default a `Failure`). */
export function useAction(): Action<Failure>;
export function useAction<F>(describe: (e: unknown) => F): Action<F>;
export function useAction<F>(describe?: (e: unknown) => F): Action<F | Failure> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<F | Failure | undefined>(undefined);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError((describe ?? failureOf)(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A form's onSubmit: the page does not reload, then `fn` runs. */
export function submit(fn: () => unknown): (e: FormEvent) => void {
  return (e) => {
    e.preventDefault();
    void fn();
  };
}
