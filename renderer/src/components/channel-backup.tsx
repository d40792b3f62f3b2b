// The channel backup: a file the core keeps up to date, and what the recovery words alone can and
// cannot bring back. In the desktop app the file is chosen in main's save dialog (the page never
// names a path); in the browser shell the path is typed, and the core writes only a new file
// ending in .backup or this wallet's own backup.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call, desktop } from '../api.js';
import { submit, useAction } from '../hooks/use-action.js';
import { ErrorNote, TextField } from './field.js';

export function ChannelBackup({ network }: { network: string }) {
  const [file, setFile] = useState('');
  const [written, setWritten] = useState<Extract<Results['channel.backup'], { file: string }> | undefined>(undefined);
  const { busy, error, setError, run } = useAction();
  const flag = network === 'main' ? '' : ` --network ${network}`;

  const write = () => {
    if (!desktop && !file.trim()) return setError({ text: 'Enter the path of the backup file.' });
    return run(async () => {
      const r = await call('channel.backup', desktop ? {} : { file: file.trim() });
      if (!('cancelled' in r)) setWritten(r);
    });
  };

  return (
    <section className="card" aria-labelledby="channel-backup-title">
      <h2 id="channel-backup-title">Channel backup</h2>
      <div data-testid="channels/backup-explanation">
        <p>
          Your recovery words bring back your on-chain coins, the keys of your vaults and this Lightning node’s key, but not the state of
          open channels: with the words alone, the funds in open channels are not recovered.
        </p>
        <p>
          With the words and a channel backup file, <span className="mono">{`coffer${flag} channel restore FILE`}</span> (after restoring the
          wallet from its words, before Lightning starts in it) closes every channel of the backup by force; each channel’s funds come back to
          the wallet after its delay.
        </p>
        <p className="note warning">
          Use only the file Coffer keeps up to date, never an older copy: a copy older than a channel’s latest state would close that channel
          with a revoked state, and the peer could then take all of its funds.
        </p>
      </div>
      <form onSubmit={submit(write)}>
        {desktop ? (
          <p className="hint">
            Choose where Coffer keeps the file: best on another disk, or in a folder that is copied elsewhere. The file is encrypted with a key
            from your words; Coffer rewrites it after every channel change.
          </p>
        ) : (
          <TextField
            label="Backup file"
            hint="A path on the computer where Coffer runs, in a folder that exists (best on another disk, or a folder that is copied elsewhere), naming a new file that ends in .backup, or this wallet's backup. The file is encrypted with a key from your words; Coffer rewrites it after every channel change."
            testId="channels/backup-file"
            placeholder="/path/to/coffer-channels.backup"
            value={file}
            onChange={(text) => {
              setFile(text);
              setError(undefined);
            }}
          />
        )}
        <ErrorNote text={error?.text} code={error?.code} testId="channels/backup-error" />
        <button type="submit" disabled={busy} data-testid="channels/backup-write">
          {busy ? 'Writing…' : desktop ? 'Choose file and write backup' : 'Write backup'}
        </button>
      </form>
      {written ? (
        <p className="note" role="status" data-testid="channels/backup-done" data-channels={written.channels}>
          Backup of {written.channels} channel{written.channels === 1 ? '' : 's'} written to <span className="mono">{written.file}</span>. Coffer
          keeps it up to date from now on.
        </p>
      ) : null}
    </section>
  );
}
