// Speeding up an unconfirmed transaction from its history details: replace our own send with a
// higher fee (RBF, `send.bump`) or spend one of its outputs to ourselves in a child that pays for
// both (CPFP, `send.cpfp`). Each is built and signed first without sending (dryRun), shown, then sent.
import { useState } from 'react';
import type { Results, TxDetail } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { amount } from '../format.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNote, Field } from './field.js';

type Way = 'bump' | 'cpfp';
type Checked = { way: Way; rate: number; fee: number; feerate: number; packageFeerate?: number };

const WAYS: Record<Way, { label: string; hint: string; confirm: string }> = {
  bump: { label: 'Replace with a higher fee (RBF)', hint: 'A new version of this send, to the same recipients, paying more; the old one is dropped.', confirm: 'Replace the transaction' },
  cpfp: { label: 'Speed up with a child (CPFP)', hint: 'A new transaction spending your output of this one back to you; miners take both for its fee.', confirm: 'Send the child transaction' },
};

export function FeeBump({ t, onDone }: { t: TxDetail; onDone: (text: string, txid: string) => void }) {
  const fees = useLoad(() => call('fees.get', {}), 0).data;
  const ours = t.inputs.some((i) => i.mine);
  const mineOut = t.outputs.findIndex((o) => o.mine);
  const ways = ([ours ? 'bump' : undefined, mineOut >= 0 ? 'cpfp' : undefined] as const).filter((w): w is Way => w !== undefined);
  const [way, setWay] = useState<Way>(ways[0] ?? 'cpfp');
  const [rate, setRate] = useState('');
  const [checked, setChecked] = useState<Checked | undefined>(undefined);
  const { busy, error, setError, run } = useAction();
  if (ways.length === 0) return null;
  const shown = rate === '' && fees ? String(fees.fast) : rate;
  const n = Number(shown);
  const rateError = shown !== '' && !(n >= 1 && n <= 10_000) ? 'Enter a fee rate from 1 to 10,000 sat/vB.' : undefined;

  const attempt = (dryRun: boolean): Promise<Results['send.bump'] | Results['send.cpfp']> =>
    way === 'bump' ? call('send.bump', { txid: t.txid, feeRate: n, dryRun }) : call('send.cpfp', { outpoint: `${t.txid}:${mineOut}`, feeRate: n, dryRun });
  const check = () =>
    run(async () => {
      const r = await attempt(true);
      setChecked({ way, rate: n, fee: r.fee, feerate: r.feerate, ...('packageFeerate' in r ? { packageFeerate: r.packageFeerate } : {}) });
    });
  const send = () =>
    run(async () => {
      const r = await attempt(false);
      setChecked(undefined);
      onDone(way === 'bump' ? 'Replaced with a higher fee.' : 'Child transaction sent: the two confirm together.', r.txid);
    });

  return (
    <section className="card" aria-labelledby="bump-title" data-testid="tx/speed-up">
      <h3 id="bump-title">Speed it up</h3>
      <form onSubmit={submit(check)}>
        <fieldset>
          <legend>How</legend>
          {ways.map((w) => (
            <label className="choice" key={w}>
              <input type="radio" name="speed-up" checked={way === w} onChange={() => { setWay(w); setChecked(undefined); setError(undefined); }} data-testid={`tx/${w}`} />
              <span>
                {WAYS[w].label}: {WAYS[w].hint}
              </span>
            </label>
          ))}
        </fieldset>
        <Field label="New fee rate (sat/vB)" hint={fees ? `Fast is ${fees.fast} sat/vB${fees.presets.includes('fast') ? ' (your preset)' : ''}.` : undefined} error={rateError} testId="tx/bump-rate">
          {(p) => <input {...p} inputMode="decimal" value={shown} onChange={(e) => { setRate(e.target.value); setChecked(undefined); }} data-testid="tx/bump-rate" />}
        </Field>
        <button type="submit" className="secondary" disabled={busy || rateError !== undefined || shown === ''} data-testid="tx/bump-check">
          Check the fee
        </button>
      </form>
      {checked && checked.way === way && checked.rate === n ? (
        <div className="note" data-testid="tx/bump-review">
          <p>
            {checked.way === 'bump' ? 'The replacement pays' : 'The child pays'} <span data-testid="tx/bump-fee">{amount(checked.fee)}</span> ({checked.feerate} sat/vB)
            {checked.packageFeerate !== undefined ? `; with its parent ${checked.packageFeerate} sat/vB` : ''}.
          </p>
          <button type="button" disabled={busy} onClick={() => void send()} data-testid="tx/bump-confirm">
            {busy ? 'Sending…' : WAYS[checked.way].confirm}
          </button>
        </div>
      ) : null}
      <ErrorNote text={error?.text} code={error?.code} testId="tx/bump-error" />
    </section>
  );
}
