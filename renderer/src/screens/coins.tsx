// Coins: every unspent output, which can be frozen (never spent automatically) and labelled.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { ErrorNote } from '../components/field.js';
import { ListControls, Pager, useListChoice } from '../components/list-controls.js';
import { sentence } from '../errors.js';
import { Fiat } from '../components/fiat.js';
import { MATURE_AT } from '../components/tx-list.js';
import { amount } from '../format.js';
import { useLoad } from '../hooks/use-load.js';
import { listPage, type SortKey } from '../list-view.js';

type Coin = Results['wallet.utxos'][number];
const SORTS: SortKey<Coin>[] = [
  { id: 'largest', label: 'Largest amount', compare: (a, b) => b.value - a.value },
  { id: 'smallest', label: 'Smallest amount', compare: (a, b) => a.value - b.value },
  { id: 'newest', label: 'Fewest confirmations', compare: (a, b) => a.confirmations - b.confirmations },
  { id: 'oldest', label: 'Most confirmations', compare: (a, b) => b.confirmations - a.confirmations },
];
/** What a search matches in a coin: its outpoint, address, amount and label. */
const searchText = (c: Coin) => [`${c.txid}:${c.vout}`, c.address, amount(c.value), c.label ?? '', c.frozen ? 'frozen' : ''].join(' ');

function LabelCell({ outpoint, initial, onSaved }: { outpoint: string; initial: string; onSaved: (e?: string) => void }) {
  const [label, setLabel] = useState(initial);
  const save = () => {
    if (label.trim() === initial) return;
    call('wallet.setLabel', { type: 'output', ref: outpoint, label: label.trim() }).then(
      () => onSaved(),
      (e: unknown) => onSaved(sentence(e)),
    );
  };
  return <input aria-label={`Label of coin ${outpoint}`} value={label} maxLength={255} onChange={(e) => setLabel(e.target.value)} onBlur={save} onKeyDown={(e) => e.key === 'Enter' && save()} data-testid="coin/label" />;
}

export function Coins({ revision }: { revision: number }) {
  const [changed, setChanged] = useState(0);
  const coins = useLoad(() => call('wallet.utxos', {}), revision + changed);
  const [error, setError] = useState<string | undefined>(undefined);
  const freeze = (outpoint: string, frozen: boolean) =>
    call('wallet.freeze', { outpoint, frozen }).then(
      () => setChanged((n) => n + 1),
      (e: unknown) => setError(sentence(e)),
    );
  const list = coins.data ?? [];
  const [choice, setChoice] = useListChoice('largest');
  const view = listPage(list, choice, searchText, SORTS);
  const total = list.reduce((n, c) => n + c.value, 0);
  const frozen = list.filter((c) => c.frozen).reduce((n, c) => n + c.value, 0);
  const maturing = list.filter((c) => c.maturing).reduce((n, c) => n + c.value, 0);
  return (
    <>
      <h1>Coins</h1>
      <p className="muted">
        Each coin is an unspent output you received. A frozen coin is never spent by Coffer until you unfreeze it (useful for coins you
        want to keep apart). {list.length.toLocaleString('en-US')} coins, {amount(total)}
        {frozen > 0 ? `, ${amount(frozen)} frozen` : ''}
        {maturing > 0 ? `, ${amount(maturing)} maturing (mined; spendable from ${MATURE_AT} confirmations)` : ''}.
      </p>
      <ErrorNote text={coins.error ?? error} testId="coins/error" />
      {list.length > 0 ? <ListControls choice={choice} set={setChoice} keys={SORTS} what="coins" testId="coins" /> : null}
      {list.length === 0 ? (
        <p className="muted" data-testid="coins/empty">
          No coins yet.
        </p>
      ) : view.matching === 0 ? (
        <p className="muted" data-testid="coins/no-match">
          No coin matches “{choice.query.trim()}”.
        </p>
      ) : (
        <table className="txs" data-testid="coins/list">
          <thead>
            <tr>
              <th scope="col">Coin</th>
              <th scope="col">Address</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Confirmations</th>
              <th scope="col">Label</th>
              <th scope="col">Frozen</th>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((c) => {
              const op = `${c.txid}:${c.vout}`;
              return (
                <tr key={op} data-testid="coin-row" data-outpoint={op} className={c.frozen ? 'frozen' : undefined}>
                  <td className="mono">
                    {c.txid.slice(0, 10)}…:{c.vout}
                  </td>
                  <td className="mono small">{c.address}</td>
                  <td className="num">
                    <span data-testid="coin/value">{amount(c.value)}</span> <Fiat sats={c.value} />
                  </td>
                  <td>
                    {c.confirmations}{' '}
                    {c.maturing ? (
                      <span className="badge small" data-testid="coin/maturing">
                        maturing
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <LabelCell outpoint={op} initial={c.label ?? ''} onSaved={(e) => (e ? setError(e) : setChanged((n) => n + 1))} />
                  </td>
                  <td>
                    <input type="checkbox" checked={c.frozen} aria-label={`Freeze coin ${op}`} onChange={(e) => void freeze(op, e.target.checked)} data-testid="coin/freeze" />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {view.pages > 1 || choice.query ? <Pager view={view} set={setChoice} what="coins" testId="coins" /> : null}
    </>
  );
}
