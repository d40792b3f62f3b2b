// The wallet's remote watchtowers (`coffer watchtower serve` on another machine): each with when
// it last confirmed holding this wallet's package, a warning when that is stale, and a form to pin
// one more by its address and id.
import { useState } from 'react';
import { call } from '../api.js';
import { dateTime } from '../format.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNote, TextField } from './field.js';

export function TowerPanel({ revision }: { revision: number }) {
  const [reload, setReload] = useState(0);
  // Pushes are retried in the background: the list is read again every 30 s.
  const list = useLoad(() => call('tower.list', {}), revision + reload, 30_000);
  const [address, setAddress] = useState('');
  const [id, setId] = useState('');
  const { busy, error, setError, run } = useAction();
  const towers = list.data?.towers ?? [];

  const add = () => {
    if (!address.trim() || !id.trim()) return setError({ text: "Enter the tower's address (host:port) and its id." });
    return run(async () => {
      await call('tower.add', { address: address.trim(), id: id.trim().toLowerCase() });
      setAddress('');
      setId('');
      setReload((n) => n + 1);
    });
  };
  const remove = (towerId: string) =>
    run(async () => {
      await call('tower.remove', { id: towerId });
      setReload((n) => n + 1);
    });

  return (
    <section className="card" aria-labelledby="towers-title" data-testid="vaults/towers">
      <h2 id="towers-title">Remote watchtowers</h2>
      <p className="muted">
        A tower on a machine that is always on and away from this one (run <span className="mono">coffer watchtower serve</span> there) cancels
        a withdrawal you did not start even when this computer is off or gone. Coffer sends it your vaults’ package, which holds no key, after
        every vault change.
      </p>
      <ErrorNote text={list.error} testId="towers/list-error" />
      {list.data && towers.length === 0 ? (
        <p className="muted" data-testid="towers/empty">
          No remote tower yet.
        </p>
      ) : null}
      {towers.length > 0 ? (
        <ul className="towers">
          {towers.map((t) => (
            <li key={t.id} className="card" data-testid="tower" data-tower-id={t.id} data-stale={t.stale}>
              <p>
                <span className="mono">{t.address}</span> <span className="mono small">{t.id.slice(0, 16)}…</span>
              </p>
              <p data-testid="tower/confirmed">
                {t.lastConfirmedAt !== undefined ? `Last confirmed ${dateTime(t.lastConfirmedAt)}.` : 'Has not confirmed yet.'}
                {t.pendingVersion !== undefined ? ' A newer package is waiting to reach it.' : ''}
              </p>
              {t.stale ? (
                <p className="note warning" role="alert" data-testid="tower/stale">
                  This tower has not confirmed your latest vaults{t.lastConfirmedAt !== undefined ? ' recently' : ''}: it may not protect them. Check
                  that it runs and can be reached.
                </p>
              ) : null}
              {t.lastError ? (
                <p className="muted small" data-testid="tower/error">
                  Last try: {t.lastError}
                </p>
              ) : null}
              <button type="button" className="secondary" disabled={busy} data-testid="tower/remove" onClick={() => void remove(t.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={submit(add)}>
        <TextField
          label="Tower address"
          hint="host:port, as the tower was started with --listen"
          testId="towers/address"
          placeholder="tower.example:9914"
          value={address}
          onChange={(v) => {
            setAddress(v);
            setError(undefined);
          }}
        />
        <TextField
          label="Tower id"
          hint="The id the tower printed when it started (66 hex digits)"
          testId="towers/id"
          value={id}
          onChange={(v) => {
            setId(v);
            setError(undefined);
          }}
        />
        <ErrorNote text={error?.text} code={error?.code} testId="towers/error" />
        <button type="submit" disabled={busy} data-testid="towers/add">
          {busy ? 'Adding…' : 'Add tower'}
        </button>
      </form>
    </section>
  );
}
