// Coin control in the send form: pick the coins a send spends (none picked: Coffer chooses).
// Frozen coins are listed but cannot be picked; they are unfrozen on the Coins screen.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { amount } from '../format.js';

type Coin = Results['wallet.utxos'][number];

export const outpointOf = (c: Coin) => `${c.txid}:${c.vout}`;

export function CoinPicker({ coins, selected, setSelected }: { coins: Coin[] | undefined; selected: string[]; setSelected: (s: string[]) => void }) {
  const total = (coins ?? []).filter((c) => selected.includes(outpointOf(c))).reduce((n, c) => n + c.value, 0);
  const toggle = (op: string, on: boolean) => setSelected(on ? [...selected, op] : selected.filter((s) => s !== op));
  // The rows are drawn only while the list is open: a wallet of thousands of coins would redraw
  // them all on every change otherwise.
  const [open, setOpen] = useState(false);
  return (
    <details className="coin-picker" data-testid="send/coins" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary data-testid="send/coins-toggle">
        Coins to spend: {selected.length === 0 ? 'chosen by Coffer' : <span data-testid="send/coins-chosen">{`${selected.length} chosen, ${amount(total)}`}</span>}
      </summary>
      {!open ? null : coins && coins.length > 0 ? (
        <table className="txs">
          <thead>
            <tr>
              <th scope="col">Spend</th>
              <th scope="col">Coin</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Label</th>
            </tr>
          </thead>
          <tbody>
            {coins.map((c) => {
              const op = outpointOf(c);
              return (
                <tr key={op} data-testid="send/coin" data-outpoint={op} className={c.frozen ? 'frozen' : undefined}>
                  <td>
                    <input type="checkbox" disabled={c.frozen} checked={selected.includes(op)} onChange={(e) => toggle(op, e.target.checked)} aria-label={`Spend coin ${op}`} data-testid="send/coin-pick" />
                  </td>
                  <td className="mono">
                    {c.txid.slice(0, 10)}…:{c.vout} {c.frozen ? <span className="badge small">frozen</span> : null}
                  </td>
                  <td className="num">{amount(c.value)}</td>
                  <td>{c.label ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p className="muted">No coins yet.</p>
      )}
      <p className="hint">Frozen coins are never spent; unfreeze them on the Coins screen.</p>
    </details>
  );
}
