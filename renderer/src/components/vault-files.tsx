// The vault backup and the watchtower package as files the core keeps: chosen in main's dialog
// in the desktop app (the page names no path), typed in the browser shell; the Settings section
// keeps and restores the backup, the offers follow a vault's creation.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call, desktop } from '../api.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNote, Field, TextField } from './field.js';

type Keeping = Results['vault.list']['keeping'];
type Kind = 'backup' | 'package';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

const PATH_HINT: Record<Kind, string> = {
  backup: 'A path on the computer where Coffer runs, in a folder that exists (best on another disk, or one copied elsewhere), naming a new file that ends in .backup, or this wallet’s vault backup.',
  package: 'A path on the computer where Coffer runs, in a folder that exists, naming a new file that ends in .json, or this wallet’s package.',
};
const EXAMPLE: Record<Kind, string> = { backup: '/path/to/coffer-vaults.backup', package: '/path/to/coffer-watchtower.json' };

/**
 * One button (and in the browser shell the path) that has the core keep a file from now on: the
 * vault backup or the watchtower package. `onKept` gets the sentence saying what was written.
 */
export function KeepFile({ kind, label, testId, onKept }: { kind: Kind; label: string; testId: string; onKept: (done: string) => void }) {
  const [file, setFile] = useState('');
  const { busy, error, setError, run } = useAction();
  const keep = () => {
    if (!desktop && !file.trim()) return setError({ text: 'Enter the path of the file.' });
    return run(async () => {
      const params = desktop ? {} : { file: file.trim() };
      const r = kind === 'backup' ? await call('vault.backup', params) : await call('vault.exportPackage', params);
      if ('cancelled' in r) return;
      const what = kind === 'backup' ? 'Vault backup' : 'Watchtower package';
      onKept(`${what} of ${plural(r.vaults, 'vault')} written to ${r.file}. Coffer rewrites it after every vault change.`);
    });
  };
  return (
    <form onSubmit={submit(keep)}>
      {desktop ? null : (
        <TextField
          label={kind === 'backup' ? 'Vault backup file' : 'Watchtower package file'}
          hint={PATH_HINT[kind]}
          testId={`${testId}-file`}
          placeholder={EXAMPLE[kind]}
          value={file}
          onChange={(text) => {
            setFile(text);
            setError(undefined);
          }}
        />
      )}
      <ErrorNote text={error?.text} code={error?.code} testId={`${testId}-error`} />
      <button type="submit" className="secondary" disabled={busy} data-testid={testId}>
        {busy ? 'Writing…' : label}
      </button>
    </form>
  );
}

function Done({ text, testId }: { text: string | undefined; testId: string }) {
  return text ? (
    <p className="ok" role="status" data-testid={testId}>
      {text}
    </p>
  ) : null;
}

/** After a vault is made: keep a backup and a package, unless `keeping` (as it was) already does; `onKept` reloads the list. */
export function KeepOffers({ keeping, onKept }: { keeping: Keeping | undefined; onKept: () => void }) {
  const [backup, setBackup] = useState<string | undefined>(undefined);
  const [pkg, setPkg] = useState<string | undefined>(undefined);
  const towerFiles = keeping?.towerFiles ?? [];
  const kept = (set: (t: string) => void) => (t: string) => {
    set(t);
    onKept();
  };
  return (
    <div className="keep-offers" data-testid="vaults/offers">
      {keeping?.backupFile ? (
        <p data-testid="vaults/offer-backup-updated">
          The vault backup <span className="mono">{keeping.backupFile}</span> was updated with this vault.
        </p>
      ) : backup ? (
        <Done text={backup} testId="vaults/offer-backup-done" />
      ) : (
        <>
          <p>A vault backup, with your recovery words, brings back this vault’s withdraw and cancel if this computer is lost.</p>
          <KeepFile kind="backup" label={desktop ? 'Save a vault backup…' : 'Save a vault backup'} testId="vaults/offer-backup" onKept={kept(setBackup)} />
        </>
      )}
      {towerFiles.length > 0 ? (
        <p data-testid="vaults/offer-package-updated">
          The watchtower package <span className="mono">{towerFiles.join(', ')}</span> was updated with this vault.
        </p>
      ) : pkg ? (
        <Done text={pkg} testId="vaults/offer-package-done" />
      ) : (
        <>
          <p>
            A watchtower package lets <span className="mono">coffer watchtower run</span> on an always-on machine cancel a withdrawal you did
            not start. It holds no key.
          </p>
          <KeepFile kind="package" label={desktop ? 'Save a watchtower package…' : 'Save a watchtower package'} testId="vaults/offer-package" onKept={kept(setPkg)} />
        </>
      )}
    </div>
  );
}

function RestoreVaults() {
  const [file, setFile] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | undefined>(undefined);
  const { busy, error, setError, run } = useAction();
  const restore = () => {
    setDone(undefined);
    if (!desktop && !file.trim()) return setError({ text: 'Enter the path of the vault backup file.' });
    return run(async () => {
      const r = await call('vault.restore', desktop ? { password } : { file: file.trim(), password });
      if ('cancelled' in r) return;
      setPassword('');
      setDone(r.restored > 0 ? `Restored ${plural(r.restored, 'vault')}. Their state comes from the chain at the next sync.` : 'Nothing to restore: this wallet already has every vault in that backup.');
    });
  };
  return (
    <form onSubmit={submit(restore)}>
      <h3>Restore vaults</h3>
      <p className="muted">After restoring this wallet from its recovery words, a vault backup brings back the vaults this wallet lacks.</p>
      {desktop ? null : (
        <TextField label="Vault backup file" hint="A path on the computer where Coffer runs." testId="settings/vault-restore-file" placeholder={EXAMPLE.backup} value={file} onChange={setFile} />
      )}
      <Field label="Password (to restore vaults)">
        {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="settings/vault-restore-password" />}
      </Field>
      <ErrorNote text={error?.text} code={error?.code} testId="settings/vault-restore-error" />
      <button type="submit" className="secondary" disabled={busy || !password} data-testid="settings/vault-restore">
        {busy ? 'Restoring…' : desktop ? 'Restore vaults from a backup file…' : 'Restore vaults from this file'}
      </button>
      <Done text={done} testId="settings/vault-restore-done" />
    </form>
  );
}

/** Settings: which file keeps the vault backup (if any), choosing one, and restoring from one. */
export function VaultBackupSection({ revision }: { revision: number }) {
  const list = useLoad(() => call('vault.list', {}), revision);
  const [done, setDone] = useState<string | undefined>(undefined);
  const file = list.data?.keeping.backupFile;
  return (
    <section className="card" aria-labelledby="set-vault-backup">
      <h2 id="set-vault-backup">Vault backup</h2>
      <ErrorNote text={list.error} testId="settings/vault-backup-load-error" />
      {list.data ? (
        <p data-testid="settings/vault-backup-status" data-file={file ?? ''}>
          {file ? (
            <>
              Coffer keeps the vault backup in <span className="mono">{file}</span> and rewrites it after every vault change.
            </>
          ) : (
            'No vault backup file is set: if this computer is lost, your recovery words alone cannot start a vault’s withdrawal.'
          )}
        </p>
      ) : null}
      <p className="hint">The file is encrypted with a key from your recovery words. With the words and this file, a restored wallet can withdraw and cancel its vaults again.</p>
      <KeepFile
        kind="backup"
        label={desktop ? 'Choose backup file…' : 'Keep the vault backup here'}
        testId="settings/vault-backup"
        onKept={(t) => {
          setDone(t);
          list.reload();
        }}
      />
      <Done text={done} testId="settings/vault-backup-done" />
      <RestoreVaults />
    </section>
  );
}
