// PSBT files in the app: save a reviewed send unsigned (for another signer), and load one to see
// what it pays, then sign this wallet's inputs and send it. The contract carries PSBTs as base64
// text; the file is read and written here, in the page, so no path ever reaches the core.
import { useState } from 'react';
import type { Params, PsbtSummary, Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { amount } from '../format.js';
import { psbtTextOf } from '../psbt-text.js';
import { submit, useAction } from '../hooks/use-action.js';
import { ErrorNote, Field } from './field.js';

/** The binary PSBT's magic, "psbt" 0xff (BIP174); a file without it is read as base64 text. */
/** Hands `text` to the browser as a download named `name` (Electron asks where to save it). */
export function saveText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Save the reviewed send as an unsigned PSBT: the same recipients, coins and rate. */
export function SavePsbt({ params }: { params: Params<'psbt.create'> }) {
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const save = () =>
    run(async () => {
      const { psbt } = await call('psbt.create', params);
      saveText('coffer-unsigned.psbt', psbt);
      setSaved(true);
    });
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => void save()} data-testid="review/save-psbt">
        Save unsigned PSBT
      </button>
      {saved ? (
        <p className="hint" data-testid="review/psbt-saved">
          Saved coffer-unsigned.psbt: sign it in another wallet, or load it below the send form to sign it here.
        </p>
      ) : null}
      <ErrorNote text={error?.text} code={error?.code} testId="review/psbt-error" />
    </>
  );
}

function Summary({ s }: { s: PsbtSummary }) {
  return (
    <dl className="facts" data-testid="psbt/summary">
      <dt>Pays</dt>
      <dd>
        <ul>
          {s.outputs.map((o, n) => (
            <li key={n} data-testid="psbt/output">
              <span className="mono">{o.address ?? o.script}</span> {amount(o.value)} {o.mine ? <span className="badge">yours ({o.mine})</span> : null}
            </li>
          ))}
        </ul>
      </dd>
      <dt>Leaving the wallet</dt>
      <dd data-testid="psbt/sent">{amount(s.sent)}</dd>
      <dt>Network fee</dt>
      <dd data-testid="psbt/fee">{s.fee !== undefined ? amount(s.fee) : 'unknown (an input’s value is missing)'}</dd>
      <dt>Inputs this wallet signs</dt>
      <dd data-testid="psbt/to-sign">
        {s.toSign} of {s.inputs.length}
      </dd>
    </dl>
  );
}

/** Load a PSBT file, see what it pays, sign this wallet's inputs with the password and send it. */
export function LoadPsbt({ onSent }: { onSent: (text: string) => void }) {
  const [psbt, setPsbt] = useState<{ text: string; summary: PsbtSummary } | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState<Results['psbt.broadcast'] | undefined>(undefined);
  const { busy, error, setError, run } = useAction();
  const load = (file: File | undefined) => {
    setPsbt(undefined);
    setSent(undefined);
    setError(undefined);
    if (!file) return;
    return run(async () => {
      const text = await psbtTextOf(file);
      setPsbt({ text, summary: (await call('psbt.review', { psbt: text })).summary });
    });
  };
  const send = () =>
    psbt &&
    run(async () => {
      const signed = psbt.summary.toSign > 0 ? (await call('psbt.sign', { psbt: psbt.text, password })).psbt : psbt.text;
      setPassword('');
      const r = await call('psbt.broadcast', { psbt: signed });
      setSent(r);
      setPsbt(undefined);
      onSent(`Sent ${amount(psbt.summary.sent)} from a PSBT`);
    });
  return (
    <section className="card" aria-labelledby="psbt-load-title" data-testid="psbt/load">
      <h2 id="psbt-load-title">Sign and send a PSBT file</h2>
      <Field label="PSBT file" hint="A partially signed transaction (binary or base64), from this wallet or another program. Nothing is signed until you confirm.">
        {(p) => <input {...p} type="file" accept=".psbt,.txt,application/octet-stream,text/plain" onChange={(e) => void load(e.target.files?.[0])} data-testid="psbt/file" />}
      </Field>
      {psbt ? (
        <form onSubmit={submit(send)}>
          <Summary s={psbt.summary} />
          {psbt.summary.toSign > 0 ? (
            <Field label="Password" hint="Signing a PSBT always asks for it.">
              {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="psbt/password" />}
            </Field>
          ) : null}
          <button type="submit" disabled={busy || (psbt.summary.toSign > 0 && password === '')} data-testid="psbt/send">
            {busy ? 'Sending…' : psbt.summary.toSign > 0 ? `Sign and send ${amount(psbt.summary.sent)}` : `Send ${amount(psbt.summary.sent)}`}
          </button>
        </form>
      ) : null}
      {sent ? (
        <p role="status" data-testid="psbt/sent-txid">
          Sent: transaction <span className="mono">{sent.txid}</span>.
        </p>
      ) : null}
      <ErrorNote text={error?.text} code={error?.code} testId="psbt/error" />
    </section>
  );
}
