// The locked wallet: only the password opens it again.
import { useState } from 'react';
import { call } from '../api.js';
import { ErrorNote, Field } from '../components/field.js';
import { sentence } from '../errors.js';

export function Unlock({ network, onUnlocked }: { network: string; onUnlocked: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <main className="center narrow" data-testid="screen/unlock">
      <h1>Coffer is locked</h1>
      <p className="muted">Your {network === 'main' ? '' : `${network} `}wallet is locked. Enter your password to open it.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          call('wallet.unlock', { password })
            .then(() => {
              setPassword('');
              onUnlocked();
            })
            .catch((err: unknown) => setError(sentence(err)))
            .finally(() => setBusy(false));
        }}
      >
        <Field label="Password">
          {(p) => <input {...p} type="password" autoFocus autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="unlock/password" />}
        </Field>
        <ErrorNote text={error} testId="unlock/error" />
        <button type="submit" disabled={busy || password.length === 0} data-testid="unlock/submit">
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
    </main>
  );
}
