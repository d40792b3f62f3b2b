// Settings: chain backend and its peers, amounts (unit, fiat price), auto-lock, fee estimates, password, recovery words, vault backup, descriptors, labels.
import { useEffect, useState } from 'react';
import type { BackendConfig, BackendView } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { BackendForm, badPeer, formBackend, PublicHostConfirm, publicHostOf } from '../components/backend-form.js';
import { CopyButton } from '../components/copy-button.js';
import { BusyNote } from '../components/busy-note.js';
import { DisplaySection } from '../components/display-form.js';
import { FeeEstimatesSection } from '../components/fee-estimates-form.js';
import { ErrorNote, Field } from '../components/field.js';
import { PasswordChoice, passwordProblem, type PasswordValue } from '../components/password-choice.js';
import { PeersPanel } from '../components/peers-panel.js';
import { VaultBackupSection } from '../components/vault-files.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';

/** A settings action: what it did, as the sentence its `fn` returns, or why it failed. */
function useSetting(): [(fn: () => Promise<string>) => void, { busy: boolean; error?: string | undefined; done?: string | undefined }] {
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | undefined>(undefined);
  const save = (fn: () => Promise<string>) => {
    setDone(undefined);
    void run(async () => setDone(await fn()));
  };
  return [save, { busy, error: error?.text, done }];
}

function Result({ s, id }: { s: { error?: string | undefined; done?: string | undefined }; id: string }) {
  return (
    <>
      <ErrorNote text={s.error} testId={`${id}/error`} />
      {s.done ? (
        <p className="ok" role="status" data-testid={`${id}/done`}>
          {s.done}
        </p>
      ) : null}
    </>
  );
}

function BackendSection({ network, current, onSaved }: { network: string; current: BackendView; onSaved: () => void }) {
  const [b, setB] = useState<BackendConfig>(formBackend(current));
  const [run, s] = useSetting();
  /** The core asked to confirm this public host first. */
  const [publicHost, setPublicHost] = useState<string | undefined>(undefined);
  const bad = badPeer(b);
  const save = (confirmed: boolean) =>
    run(async () => {
      setPublicHost(undefined);
      const backend = confirmed && b.kind === 'rpc' ? { ...b, publicHostConfirmed: true as const } : b;
      try {
        await call('settings.set', { backend });
      } catch (e) {
        const host = publicHostOf(e);
        if (host === undefined) throw e;
        setPublicHost(host);
        return '';
      }
      onSaved();
      return 'Saved. Coffer reconnects with the new settings.';
    });
  return (
    <section className="card" aria-labelledby="set-backend">
      <h2 id="set-backend">Connection</h2>
      <BackendForm network={network} value={b} onChange={(next) => { setPublicHost(undefined); setB(next); }} idPrefix="settings" passwordStatus={current.kind === 'rpc' ? current.passwordStatus : 'none'} pinned={current.kind === 'electrum' ? current.pinned : {}} />
      {publicHost ? <PublicHostConfirm host={publicHost} idPrefix="settings" onConfirm={() => save(true)} onCancel={() => setPublicHost(undefined)} /> : null}
      <button type="button" disabled={s.busy || bad !== undefined} onClick={() => save(false)} data-testid="settings/save-backend">
        Save connection
      </button>
      <Result s={s} id="settings/backend" />
    </section>
  );
}

function AutoLockSection({ current }: { current: number }) {
  const [minutes, setMinutes] = useState(String(current));
  const [password, setPassword] = useState('');
  const [run, s] = useSetting();
  const n = Number(minutes);
  const bad = !/^\d{1,4}$/.test(minutes) || n > 1440;
  return (
    <section className="card" aria-labelledby="set-lock">
      <h2 id="set-lock">Auto-lock</h2>
      <Field label="Lock after this many idle minutes (0: never)" error={bad ? 'Enter a number of minutes from 0 to 1440.' : undefined} testId="settings/auto-lock">
        {(p) => <input {...p} inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="settings/auto-lock" />}
      </Field>
      <Field label="Password (to change the auto-lock)">
        {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="settings/auto-lock-password" />}
      </Field>
      <button
        type="button"
        disabled={s.busy || bad || !password}
        onClick={() =>
          run(async () => {
            await call('settings.set', { autoLockMinutes: n, password });
            setPassword('');
            return 'Saved.';
          })
        }
        data-testid="settings/save-auto-lock"
      >
        Save
      </button>
      <Result s={s} id="settings/auto-lock" />
    </section>
  );
}

function PasswordSection() {
  const [old, setOld] = useState('');
  const [pw, setPw] = useState<PasswordValue>({ password: '', confirm: '' });
  const [run, s] = useSetting();
  const problem = passwordProblem(pw);
  return (
    <section className="card" aria-labelledby="set-password">
      <h2 id="set-password">Change password</h2>
      <Field label="Current password">{(p) => <input {...p} type="password" autoComplete="current-password" value={old} onChange={(e) => setOld(e.target.value)} data-testid="settings/old-password" />}</Field>
      <PasswordChoice value={pw} onChange={setPw} idPrefix="settings/new" label="New password" />
      <button
        type="button"
        disabled={s.busy || !old || problem !== undefined}
        onClick={() =>
          run(async () => {
            await call('wallet.changePassword', { oldPassword: old, newPassword: pw.password });
            setOld('');
            setPw({ password: '', confirm: '' });
            return 'Password changed.';
          })
        }
        data-testid="settings/change-password"
      >
        Change password
      </button>
      <Result s={s} id="settings/password" />
    </section>
  );
}

function RevealSection() {
  const [password, setPassword] = useState('');
  const [words, setWords] = useState<string[] | undefined>(undefined);
  const { busy, error, run } = useAction();
  useEffect(() => () => setWords(undefined), []);
  return (
    <section className="card" aria-labelledby="set-words">
      <h2 id="set-words">Recovery words</h2>
      {words ? (
        <>
          <p className="warning">Anyone who sees these words can take your coins. Make sure nobody is watching.</p>
          <ol className="words" data-testid="settings/words">
            {words.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ol>
          <button type="button" onClick={() => setWords(undefined)} data-testid="settings/hide-words">
            Hide the words
          </button>
        </>
      ) : (
        <form
          onSubmit={submit(() =>
            run(async () => {
              const r = await call('wallet.reveal', { password });
              setPassword('');
              setWords(r.mnemonic.split(' '));
            }),
          )}
        >
          <Field label="Password (again, to show the words)">{(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="settings/reveal-password" />}</Field>
          <ErrorNote text={error?.text} testId="settings/reveal-error" />
          {busy ? <BusyNote text="Deriving the key from your password to show the words…" testId="settings/revealing" /> : null}
          <button type="submit" disabled={busy || !password} data-testid="settings/reveal">
            Show recovery words
          </button>
        </form>
      )}
    </section>
  );
}

function DescriptorsSection({ revision }: { revision: number }) {
  const d = useLoad(() => call('wallet.descriptors', {}), revision);
  return (
    <section className="card" aria-labelledby="set-desc">
      <h2 id="set-desc">Output descriptors</h2>
      <p className="muted">Public descriptors let another wallet watch this one (see balances and addresses) without being able to spend.</p>
      <ErrorNote text={d.error} testId="settings/descriptors-error" />
      <ul className="descriptors" data-testid="settings/descriptors">
        {(d.data ?? []).map((x) => (
          <li key={x.desc}>
            <span className="muted">{x.internal ? 'Change' : 'Receive'}</span>
            <code className="mono small">{x.desc}</code>
            <CopyButton text={x.desc} label="Copy" testId="settings/copy-descriptor" />
          </li>
        ))}
      </ul>
    </section>
  );
}

function LabelsSection() {
  const [run, s] = useSetting();
  const download = async () => {
    const { text } = await call('labels.export', {});
    const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'coffer-labels.jsonl';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return `Exported ${text.split('\n').filter(Boolean).length} labels (BIP329).`;
  };
  return (
    <section className="card" aria-labelledby="set-labels">
      <h2 id="set-labels">Labels</h2>
      <p className="muted">Labels move between wallets as BIP329 files (Sparrow and others read them).</p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => run(download)} data-testid="settings/export-labels">
          Export labels
        </button>
        <label className="button secondary">
          Import labels…
          <input
            type="file"
            accept=".jsonl,.json,text/plain"
            className="visually-hidden"
            data-testid="settings/import-labels"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) run(async () => { const r = await call('labels.import', { text: await f.text() }); return `Imported ${r.imported} labels${r.skipped ? `, skipped ${r.skipped} that could not be read` : ''}.`; });
            }}
          />
        </label>
      </div>
      <Result s={s} id="settings/labels" />
    </section>
  );
}

export function Settings({ revision, onChanged }: { revision: number; onChanged: () => void }) {
  const settings = useLoad(() => call('settings.get', {}), revision);
  const s = settings.data;
  return (
    <>
      <h1>Settings</h1>
      <ErrorNote text={settings.error} testId="settings/error" />
      {s ? (
        <>
          <BackendSection network={s.network} current={s.backend} onSaved={onChanged} />
          <PeersPanel revision={revision} backend={s.backend.kind} />
          <AutoLockSection current={s.autoLockMinutes} />
          <FeeEstimatesSection current={s.feeEstimates} network={s.network} />
        </>
      ) : null}
      <DisplaySection />
      <PasswordSection />
      <RevealSection />
      <VaultBackupSection revision={revision} />
      <DescriptorsSection revision={revision} />
      <LabelsSection />
    </>
  );
}
