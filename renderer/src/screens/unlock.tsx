// The locked wallet: only the password opens it again.
import { useState } from 'react';
import type { SyncState } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { ErrorNote, Field } from '../components/field.js';
import { submit, useAction } from '../hooks/use-action.js';

export function Unlock({ network, sync, onUnlocked }: { network: string; sync?: SyncState; onUnlocked: () => void }) {
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  return (
    <main className="center narrow" data-testid="screen/unlock">
      <h1>Coffer is locked</h1>
      <p className="muted">Your {network === 'main' ? '' : `${network} `}wallet is locked. Enter your password to open it.</p>
      {sync?.error?.code === 'wallet-locked' && sync.error.details?.['reason'] === 'rpc-password' ? (
        <p className="note" data-testid="unlock/rpc-locked">
          While the wallet is locked, Coffer does not sync: the password of your Bitcoin Core node is stored encrypted with the wallet&apos;s
          key. A cookie file, set with the <code>coffer</code> command, lets it sync while locked.
        </p>
      ) : null}
      <form
        onSubmit={submit(() =>
          run(async () => {
            await call('wallet.unlock', { password });
            setPassword('');
            onUnlocked();
          }),
        )}
      >
        <Field label="Password">
          {(p) => <input {...p} type="password" autoFocus autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="unlock/password" />}
        </Field>
        <ErrorNote text={error?.text} testId="unlock/error" />
        <button type="submit" disabled={busy || password.length === 0} data-testid="unlock/submit">
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
    </main>
  );
}
