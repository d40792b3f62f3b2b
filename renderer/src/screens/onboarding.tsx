// First run: create a wallet (then back up its words), restore one, or try the regtest playground;
// a new wallet's words and password come first, its network and chain source after.
import { useState } from 'react';
import type { AppStatus, BackendConfig } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { BackendForm, badPeer, defaultBackend, EmbeddedNodeNote, PublicHostConfirm, publicHostOf } from '../components/backend-form.js';
import { ErrorNote, Field } from '../components/field.js';
import { PasswordChoice, passwordProblem, type PasswordValue } from '../components/password-choice.js';
import { codeOf, sentence } from '../errors.js';
import { submit, useAction } from '../hooks/use-action.js';
import { BackupWords } from './backup-words.js';

type Network = 'main' | 'test' | 'signet' | 'regtest';
type Step = 'welcome' | 'create' | 'restore' | 'playground' | 'backup';

const NETWORKS: { id: Network; label: string; about: string }[] = [
  { id: 'main', label: 'Bitcoin (mainnet)', about: 'Real bitcoin, with real value.' },
  { id: 'test', label: 'Testnet', about: 'A public test network: its coins are worth nothing, for trying things out.' },
  { id: 'signet', label: 'Signet', about: 'A public test network with steadier blocks than testnet; its coins are worth nothing.' },
  { id: 'regtest', label: 'Regtest (local test network)', about: 'A private network on your own computer, for developers: you mine its blocks.' },
];

interface Common {
  network: Network;
  script: 'wpkh' | 'tr';
  passphrase: string;
  passphraseAgain: string;
  backend: BackendConfig;
  pw: PasswordValue;
  /** The password of a wallet already in this data directory (asked only when there is one). */
  current: string;
}

/** A wallet is here already: the new one replaces it in the app, so its password is asked. */
function CurrentPassword({ v, set, idPrefix }: { v: Common; set: (v: Common) => void; idPrefix: string }) {
  return (
    <Field label="Password of the wallet already here" hint="This data directory already holds a wallet. A new one takes its place in the app, so enter that wallet's password; it stays on this computer, untouched.">
      {(p) => <input {...p} type="password" autoComplete="current-password" value={v.current} onChange={(e) => set({ ...v, current: e.target.value })} data-testid={`${idPrefix}/current-password`} />}
    </Field>
  );
}

/** The first part of a new or restored wallet: its password, address type and optional passphrase (asked twice). */
function WalletFields({ v, set, idPrefix }: { v: Common; set: (v: Common) => void; idPrefix: string }) {
  const [advanced, setAdvanced] = useState(v.passphrase !== '' || v.script !== 'wpkh');
  return (
    <>
      <PasswordChoice value={v.pw} onChange={(pw) => set({ ...v, pw })} idPrefix={idPrefix} />
      <button type="button" className="link" aria-expanded={advanced} onClick={() => setAdvanced(!advanced)} data-testid={`${idPrefix}/advanced`}>
        {advanced ? 'Hide advanced options' : 'Advanced options'}
      </button>
      {advanced ? (
        <div className="advanced">
          <fieldset>
            <legend>Address type</legend>
            <label className="choice">
              <input type="radio" name={`${idPrefix}-script`} checked={v.script === 'wpkh'} onChange={() => set({ ...v, script: 'wpkh' })} />
              <span>Native SegWit (bc1q…, BIP84) — recommended</span>
            </label>
            <label className="choice">
              <input type="radio" name={`${idPrefix}-script`} checked={v.script === 'tr'} onChange={() => set({ ...v, script: 'tr' })} data-testid={`${idPrefix}/taproot`} />
              <span>Taproot (bc1p…, BIP86)</span>
            </label>
          </fieldset>
          <Field label="Passphrase (optional)" hint="An extra word added to your recovery words. If you set one, you need both to restore: losing it loses the coins.">
            {(p) => <input {...p} type="password" autoComplete="off" value={v.passphrase} onChange={(e) => set({ ...v, passphrase: e.target.value })} data-testid={`${idPrefix}/passphrase`} />}
          </Field>
          {v.passphrase !== '' ? (
            <Field label="Passphrase again" error={passphraseProblem(v)} testId={`${idPrefix}/passphrase-again`}>
              {(p) => <input {...p} type="password" autoComplete="off" value={v.passphraseAgain} onChange={(e) => set({ ...v, passphraseAgain: e.target.value })} data-testid={`${idPrefix}/passphrase-again`} />}
            </Field>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

/** The second part: which network, and how Coffer sees it (the private light client first on mainnet). */
function ChainFields({ v, set, idPrefix }: { v: Common; set: (v: Common) => void; idPrefix: string }) {
  return (
    <>
      <Field label="Network" hint={<span data-testid={`${idPrefix}/network-about`}>{NETWORKS.find((n) => n.id === v.network)?.about}</span>}>
        {(p) => (
          <select {...p} value={v.network} onChange={(e) => set({ ...v, network: e.target.value as Network, backend: defaultBackend(e.target.value) })} data-testid={`${idPrefix}/network`}>
            {NETWORKS.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <BackendForm key={v.network} network={v.network} value={v.backend} onChange={(backend) => set({ ...v, backend })} idPrefix={idPrefix} />
    </>
  );
}

/** The passphrase typed twice must match (only asked when there is one). */
function passphraseProblem(v: Common): string | undefined {
  return v.passphrase !== '' && v.passphraseAgain !== '' && v.passphrase !== v.passphraseAgain ? 'The two passphrases differ. Type the same passphrase twice.' : undefined;
}

function walletProblem(v: Common): string | undefined {
  if (v.passphrase !== '' && v.passphrase !== v.passphraseAgain) return passphraseProblem(v) ?? 'Type the passphrase again.';
  return passwordProblem(v.pw);
}

function chainProblem(v: Common): string | undefined {
  const bad = badPeer(v.backend);
  if (bad === '') return 'Name at least one Electrum server.';
  if (bad !== undefined) return `“${bad}” is not ${v.backend.kind === 'electrum' ? 'tcp://HOST:PORT or ssl://HOST:PORT' : 'a host:port'}.`;
  if (v.backend.kind === 'rpc' && !/^https?:\/\/.+/.test(v.backend.url)) return 'Enter the RPC address of your node, like http://127.0.0.1:8332/.';
  return undefined;
}

const initial = (): Common => ({ network: 'main', script: 'wpkh', passphrase: '', passphraseAgain: '', backend: defaultBackend('main'), pw: { password: '', confirm: '' }, current: '' });

export function Onboarding({ status, onDone }: { status: AppStatus; onDone: () => void }) {
  const [step, setStep] = useState<Step>('welcome');
  const [v, setV] = useState<Common>(initial);
  const [words, setWords] = useState<12 | 24>(12);
  const [mnemonic, setMnemonic] = useState('');
  const [birthday, setBirthday] = useState('');
  /** Create or restore first (words, password), then the network and chain source. */
  const [part, setPart] = useState<'wallet' | 'chain'>('wallet');
  /** What went wrong, or the RPC address outside this computer and its network the core asks to confirm. */
  const { busy, error: failure, setError, run } = useAction((e): { text: string } | { publicHost: string } => {
    const host = publicHostOf(e);
    return host !== undefined ? { publicHost: host } : { text: sentence(e) };
  });
  const error = failure && 'text' in failure ? failure.text : undefined;
  const publicHost = failure && 'publicHost' in failure ? failure.publicHost : undefined;
  const [backupPassword, setBackupPassword] = useState('');
  const existing = status.wallets.length > 0;
  /** The fields only asked when they apply: the existing wallet's password, the confirmed public host. */
  const extra = (confirmed: boolean) => ({
    ...(existing ? { currentPassword: v.current } : {}),
    backend: confirmed && v.backend.kind === 'rpc' ? { ...v.backend, publicHostConfirmed: true as const } : v.backend,
  });

  const go = (s: Step) => {
    setError(undefined);
    setPart('wallet');
    // Leaving a form forgets what was typed in it (words, passwords).
    if (s === 'welcome') {
      setMnemonic('');
      setV(initial());
    }
    setStep(s);
  };

  if (step === 'backup') {
    return (
      <main className="center narrow">
        <BackupWords password={backupPassword} onDone={onDone} onLater={onDone} />
      </main>
    );
  }

  if (step === 'welcome') {
    return (
      <main className="center narrow" data-testid="onboarding/welcome">
        <h1>Welcome to Coffer</h1>
        <p>A Bitcoin wallet that keeps your keys on this computer and checks the blockchain itself.</p>
        {status.wallets.length > 0 ? (
          <div className="card">
            <h2>Your wallets</h2>
            {status.wallets.map((n) => (
              <button type="button" key={n} onClick={() => void run(async () => { await call('app.open', { network: n as Network }); onDone(); })} data-testid={`onboarding/open-${n}`}>
                Open the {n} wallet
              </button>
            ))}
          </div>
        ) : null}
        <div className="choices">
          <button type="button" onClick={() => go('create')} data-testid="onboarding/create">
            Create a new wallet
          </button>
          <button type="button" className="secondary" onClick={() => go('restore')} data-testid="onboarding/restore">
            Restore from recovery words
          </button>
          <button type="button" className="secondary" onClick={() => go('playground')} data-testid="onboarding/playground">
            Try the playground (a private test network, no real money)
          </button>
        </div>
        <ErrorNote text={error} testId="onboarding/error" />
      </main>
    );
  }

  const back = (
    <button type="button" className="link" onClick={() => go('welcome')} data-testid="onboarding/back">
      ← Back
    </button>
  );

  if (step === 'playground') {
    const pwProblem = passwordProblem(v.pw);
    return (
      <main className="center narrow" data-testid="onboarding/playground-form">
        {back}
        <h1>Playground</h1>
        <p>
          Coffer starts a private regtest network on this computer, creates a wallet on it and mines some blocks to it, so you can try
          receiving and sending with coins that are worth nothing.
        </p>
        <EmbeddedNodeNote testId="playground/node-warning" />
        <form
          onSubmit={submit(() =>
            run(async () => {
              await call('wallet.playground', { password: v.pw.password, ...(existing ? { currentPassword: v.current } : {}) });
              onDone();
            }),
          )}
        >
          <PasswordChoice value={v.pw} onChange={(pw) => setV({ ...v, pw })} idPrefix="playground" />
          {existing ? <CurrentPassword v={v} set={setV} idPrefix="playground" /> : null}
          <ErrorNote text={error} testId="playground/error" />
          <button type="submit" disabled={busy || pwProblem !== undefined || (existing && !v.current)} data-testid="playground/start">
            {busy ? 'Starting the node and mining blocks…' : 'Start the playground'}
          </button>
        </form>
      </main>
    );
  }

  /** The second part of either form: network and chain source, then the button that makes the wallet. */
  const chainPart = (idPrefix: 'create' | 'restore', submitLabel: string, busyLabel: string, make: (confirmed: boolean) => void) => {
    const p = chainProblem(v);
    return (
      <form onSubmit={submit(() => make(false))} aria-labelledby={`${idPrefix}-chain-title`}>
        <h2 id={`${idPrefix}-chain-title`}>Network and chain source</h2>
        <ChainFields v={v} set={setV} idPrefix={idPrefix} />
        {publicHost ? <PublicHostConfirm host={publicHost} idPrefix={idPrefix} onConfirm={() => make(true)} onCancel={() => setError(undefined)} /> : null}
        <ErrorNote text={error} testId={`${idPrefix}/error`} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setPart('wallet')} data-testid={`${idPrefix}/previous`}>
            Previous
          </button>
          <button type="submit" disabled={busy || p !== undefined} title={p} data-testid={`${idPrefix}/submit`}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
        {p ? <p className="hint">{p}</p> : null}
      </form>
    );
  };
  /** The first part's button: on to the network, once what it asks is right. */
  const next = (idPrefix: 'create' | 'restore', p: string | undefined) => (
    <>
      <button type="submit" disabled={p !== undefined} title={p} data-testid={`${idPrefix}/next`}>
        Next: network and chain source
      </button>
      {p && v.pw.password ? <p className="hint">{p}</p> : null}
    </>
  );

  if (step === 'create') {
    const p = walletProblem(v) ?? (existing && !v.current ? 'Enter the password of the wallet already here.' : undefined);
    const create = (confirmed: boolean) =>
      void run(async () => {
        await call('wallet.create', { network: v.network, words, passphrase: v.passphrase, script: v.script, password: v.pw.password, ...extra(confirmed) });
        setBackupPassword(v.pw.password);
        setV(initial());
        setStep('backup');
      });
    return (
      <main className="center narrow" data-testid="onboarding/create-form">
        {back}
        <h1>Create a wallet</h1>
        {part === 'chain' ? (
          chainPart('create', 'Create wallet', 'Creating…', create)
        ) : (
          <form onSubmit={submit(() => { setError(undefined); setPart('chain'); })}>
            <fieldset>
              <legend>Recovery words</legend>
              <label className="choice">
                <input type="radio" name="words" checked={words === 12} onChange={() => setWords(12)} />
                <span>12 words</span>
              </label>
              <label className="choice">
                <input type="radio" name="words" checked={words === 24} onChange={() => setWords(24)} data-testid="create/words-24" />
                <span>24 words</span>
              </label>
            </fieldset>
            <WalletFields v={v} set={setV} idPrefix="create" />
            {existing ? <CurrentPassword v={v} set={setV} idPrefix="create" /> : null}
            <ErrorNote text={error} testId="create/error" />
            {next('create', p)}
          </form>
        )}
      </main>
    );
  }

  const p = walletProblem(v) ?? (mnemonic.trim() ? undefined : 'Enter your recovery words.') ?? (existing && !v.current ? 'Enter the password of the wallet already here.' : undefined);
  const birthdayBad = birthday !== '' && !/^\d{1,8}$/.test(birthday.trim());
  const restore = (confirmed: boolean) =>
    void run(async () => {
      const words = mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
      // A word not in the list is shown beside the words, in the first part.
      await call('wallet.restore', {
        network: v.network,
        mnemonic: words,
        passphrase: v.passphrase,
        script: v.script,
        password: v.pw.password,
        ...extra(confirmed),
        ...(birthday.trim() ? { birthday: Number(birthday.trim()) } : {}),
      }).catch((e: unknown) => {
        if (codeOf(e) === 'invalid-mnemonic') setPart('wallet');
        throw e;
      });
      setMnemonic('');
      setV(initial());
      onDone();
    });
  return (
    <main className="center narrow" data-testid="onboarding/restore-form">
      {back}
      <h1>Restore a wallet</h1>
      {part === 'chain' ? (
        chainPart('restore', 'Restore wallet', 'Restoring…', restore)
      ) : (
        <form onSubmit={submit(() => { setError(undefined); setPart('chain'); })}>
          <Field label="Recovery words" hint="12 or 24 words, separated by spaces, in order.">
            {(props) => <textarea {...props} rows={3} autoComplete="off" spellCheck={false} value={mnemonic} onChange={(e) => setMnemonic(e.target.value)} data-testid="restore/words" />}
          </Field>
          <Field label="Wallet birthday (optional)" hint="The block height when the wallet was created; Coffer scans from there, which is faster. Leave empty to scan everything." error={birthdayBad ? 'Enter a block height, like 850000.' : undefined}>
            {(props) => <input {...props} inputMode="numeric" value={birthday} onChange={(e) => setBirthday(e.target.value)} data-testid="restore/birthday" />}
          </Field>
          <WalletFields v={v} set={setV} idPrefix="restore" />
          {existing ? <CurrentPassword v={v} set={setV} idPrefix="restore" /> : null}
          <ErrorNote text={error} testId="restore/error" />
          {next('restore', p ?? (birthdayBad ? 'Enter a block height, like 850000.' : undefined))}
        </form>
      )}
    </main>
  );
}
