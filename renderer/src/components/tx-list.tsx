// Transactions as rows: when, what for (label, and what a vault's transaction is), how much, and how settled.
import type { TxSummary } from '../../../src/api/contract.js';
import { dateTime, signedAmount } from '../format.js';
import { Fiat } from './fiat.js';

/** A coinbase output can be spent from its 101st confirmation (wallet/wallet-state.ts's isMature). */
export const MATURE_AT = 101;

export function statusText(t: Pick<TxSummary, 'status' | 'confirmations' | 'maturing'>): string {
  if (t.maturing) return `Maturing: ${t.confirmations} of ${MATURE_AT} confirmations`;
  if (t.status === 'confirmed') return t.confirmations >= 6 ? 'Confirmed' : `${t.confirmations} confirmation${t.confirmations === 1 ? '' : 's'}`;
  return t.status === 'pending' ? 'Sending…' : 'Unconfirmed';
}

/** What a vault's transaction did, in words. */
export const KIND_WORDS: Record<NonNullable<TxSummary['kind']>, string> = {
  'vault-deposit': 'Vault deposit',
  unvault: 'Vault withdrawal started (unvault)',
  'vault-withdraw': 'Vault withdrawal',
  'vault-cancel': 'Vault cancel to recovery',
};

export function TxList({ txs, onSelect, selected, testId }: { txs: TxSummary[]; onSelect: (txid: string) => void; selected?: string | undefined; testId: string }) {
  if (txs.length === 0) return <p className="muted" data-testid={`${testId}-empty`}>No transactions yet.</p>;
  return (
    <table className="txs" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Label</th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {txs.map((t) => (
          <tr key={t.txid} className={t.txid === selected ? 'selected' : undefined} data-testid="tx-row" data-txid={t.txid} data-kind={t.kind}>
            <td>
              <button type="button" className="link row-link" onClick={() => onSelect(t.txid)} aria-label={`Details of the transaction of ${dateTime(t.time)}${t.label ? `, ${t.label}` : ''}`}>
                {dateTime(t.time)}
              </button>
            </td>
            {/* A label, or what a vault's transaction is, or nothing: the transaction ID is in the details. */}
            <td data-testid="tx-label">
              {t.label ?? (t.kind ? KIND_WORDS[t.kind] : null)}
              {t.kind && t.label ? (
                <span className="badge small" data-testid="tx-kind">
                  {KIND_WORDS[t.kind]}
                </span>
              ) : null}
            </td>
            <td className={`num ${t.amount >= 0 ? 'in' : 'out'}`} data-testid="tx-amount">
              {signedAmount(t.amount)}
              <Fiat sats={t.amount} />
            </td>
            <td data-testid="tx-status">
              {t.maturing ? (
                <>
                  <span className="badge small" data-testid="tx-maturing">
                    maturing
                  </span>{' '}
                  {t.confirmations} of {MATURE_AT} confirmations
                </>
              ) : (
                statusText(t)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
