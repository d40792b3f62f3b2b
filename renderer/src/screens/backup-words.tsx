// Showing the recovery words once, then asking for a few of them back, so a wallet is not
// funded before its backup exists.
import { useEffect, useMemo, useState } from 'react';
import { call } from '../api.js';
import { BusyNote } from '../components/busy-note.js';
import { ErrorNote, Field } from '../components/field.js';
import { sentence } from '../errors.js';
import { submit, useAction } from '../hooks/use-action.js';

const QUIZ_SIZE = 3;

function pickPositions(count: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i + 1);
  const rnd = new Uint32Array(count);
  crypto.getRandomValues(rnd);
  return all.sort((a, b) => rnd[a - 1]! - rnd[b - 1]!).slice(0, QUIZ_SIZE).sort((a, b) => a - b);
}

export function BackupWords({ password, onDone, onLater }: { password: string; onDone: () => void; onLater?: () => void }) {
  const [words, setWords] = useState<string[] | undefined>(undefined);
  const [step, setStep] = useState<'show' | 'quiz'>('show');
  const [answers, setAnswers] = useState<Record<number, string>>({});
  const { busy, error: failure, setError, run } = useAction();
  const error = failure?.text;

  useEffect(() => {
    let live = true;
    call('wallet.reveal', { password }).then(
      (r) => live && setWords(r.mnemonic.split(' ')),
      (e: unknown) => live && setError({ text: sentence(e) }),
    );
    return () => {
      live = false;
      setWords(undefined);
    };
  }, [password]);

  const positions = useMemo(() => (words ? pickPositions(words.length) : []), [words]);

  const check = () =>
    run(async () => {
      const r = await call('wallet.checkWords', { password, answers: positions.map((p) => ({ position: p, word: answers[p] ?? '' })) });
      if (r.correct) {
        setWords(undefined);
        onDone();
      } else {
        setError({ text: 'These words do not match your recovery words. Look at your written copy again, or show the words once more.' });
      }
    });

  if (!words) {
    return (
      <section className="card" aria-busy={error === undefined}>
        {error === undefined ? <BusyNote text="Deriving the key from your password to show the words…" testId="backup/revealing" /> : null}
        <ErrorNote text={error} testId="backup/error" />
        {error && onLater ? (
          <button type="button" className="secondary" onClick={onLater} data-testid="backup/back">
            Back
          </button>
        ) : null}
      </section>
    );
  }
  if (step === 'show') {
    return (
      <section className="card" data-testid="backup/show">
        <h2>Your recovery words</h2>
        <p>
          Write these {words.length} words on paper, in order, and keep them somewhere safe and offline. Anyone with them can take your
          coins; without them, a lost computer or forgotten password means lost coins. Never type them into a website.
        </p>
        <ol className="words" data-testid="backup/words">
          {words.map((w, i) => (
            <li key={i} data-testid={`backup/word-${i + 1}`}>
              {w}
            </li>
          ))}
        </ol>
        <div className="actions">
          {onLater ? (
            <button type="button" className="secondary" onClick={onLater} data-testid="backup/later">
              Later
            </button>
          ) : null}
          <button type="button" onClick={() => setStep('quiz')} data-testid="backup/written">
            I have written them down
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="card" data-testid="backup/quiz">
      <h2>Check your copy</h2>
      <p>Type these words from your written copy.</p>
      <form onSubmit={submit(check)}>
        {positions.map((p, i) => (
          <Field key={p} label={`Word #${p}`}>
            {(props) => (
              <input
                {...props}
                autoComplete="off"
                spellCheck={false}
                autoFocus={i === 0}
                value={answers[p] ?? ''}
                onChange={(e) => setAnswers({ ...answers, [p]: e.target.value })}
                data-testid={`backup/answer-${i}`}
                data-position={p}
              />
            )}
          </Field>
        ))}
        <ErrorNote text={error} testId="backup/error" />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setStep('show')} data-testid="backup/show-again">
            Show the words again
          </button>
          <button type="submit" disabled={busy} data-testid="backup/confirm">
            Confirm
          </button>
        </div>
      </form>
    </section>
  );
}
