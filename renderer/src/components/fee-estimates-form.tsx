// Settings' "Fee estimates" card: on the light clients (BIP37, compact filters), estimate the send
// form's rates from the last 6 blocks or keep the fixed presets (the `fee-estimates` setting).
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { useAction } from '../hooks/use-action.js';
import { ErrorNote, Field } from './field.js';

type Mode = Results['settings.get']['feeEstimates'];

const MODES: Record<Mode, string> = {
  auto: 'Automatic: recent blocks, except on regtest',
  blocks: 'Recent blocks',
  presets: 'Fixed presets',
};

export function FeeEstimatesSection({ current, network }: { current: Mode; network: string }) {
  const [mode, setMode] = useState<Mode>(current);
  const [done, setDone] = useState<string | undefined>(undefined);
  const { busy, error, run } = useAction();
  const fromBlocks = mode === 'blocks' || (mode === 'auto' && network !== 'regtest');
  const save = (next: Mode) =>
    void run(async () => {
      setDone(undefined);
      setMode(next);
      await call('settings.set', { feeEstimates: next });
      setDone('Saved. The send form uses it from now on.');
    });
  return (
    <section className="card" aria-labelledby="set-fee-estimates">
      <h2 id="set-fee-estimates">Fee estimates</h2>
      <Field
        label="Where the light client's fee rates come from"
        hint="A light client sees no mempool. From recent blocks, Coffer downloads the last 6 blocks (telling peers nothing about your wallet) and reads what they paid: a block with room counts at the network's minimum. A node, Bitcoin Core or an Electrum server gives its own estimates whatever this says."
      >
        {(p) => (
          <select {...p} value={mode} disabled={busy} onChange={(e) => save(e.target.value as Mode)} data-testid="settings/fee-estimates">
            {(Object.keys(MODES) as Mode[]).map((m) => (
              <option key={m} value={m}>
                {MODES[m]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p className="muted small" data-testid="settings/fee-estimates-now">
        {fromBlocks
          ? 'Rates are estimated from the last 6 blocks; until they have been downloaded, your presets apply and the send form says so.'
          : `Rates are your fixed presets (${network === 'regtest' && mode === 'auto' ? 'regtest blocks have no fee market' : 'chosen here'}); the send form labels them presets.`}
      </p>
      <ErrorNote text={error?.text} testId="settings/fee-estimates-error" />
      {done ? (
        <p className="ok" role="status" data-testid="settings/fee-estimates-done">
          {done}
        </p>
      ) : null}
    </section>
  );
}
