// History: every transaction with its label and status; one selected shows its details,
// including how Coffer verified it is in the chain, and for an unconfirmed one how to speed it up.
import { useEffect, useState } from 'react';
import type { TxDetail, TxSummary } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { CopyButton } from '../components/copy-button.js';
import { FeeBump } from '../components/fee-bump.js';
import { ErrorNote, Field } from '../components/field.js';
import { ListControls, Pager, useListChoice } from '../components/list-controls.js';
import { KIND_WORDS, statusText, TxList } from '../components/tx-list.js';
import { sentence } from '../errors.js';
import { Fiat } from '../components/fiat.js';
import { amount, dateTime, signedAmount } from '../format.js';
import { useLoad } from '../hooks/use-load.js';
import { listPage, type SortKey } from '../list-view.js';

function proofText(t: TxDetail): string {
  if (t.proof === 'merkle-proof') return 'Merkle proof verified: Coffer checked that this transaction is in a block of the header chain it validated itself.';
  // The whole block: from your node (RPC, embedded) or, on compact filters, from a peer.
  if (t.proof === 'full-block') return 'Verified in the full block: Coffer checked that the block’s Merkle root commits to this transaction.';
  return 'Not in a block yet: no proof until it confirms.';
}

function Details({ txid, revision, onLabelled, onSpedUp }: { txid: string; revision: number; onLabelled: () => void; onSpedUp: (text: string, txid: string) => void }) {
  const detail = useLoad(() => call('wallet.transaction', { txid }), revision);
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const t = detail.data;
  useEffect(() => setLabel(t?.label ?? ''), [t?.label, t?.txid]);
  if (detail.error) return <ErrorNote text={detail.error} testId="tx/error" />;
  if (!t) return null;
  const save = () => {
    if ((t.label ?? '') === label.trim()) return;
    call('wallet.setLabel', { type: 'tx', ref: t.txid, label: label.trim() })
      .then(onLabelled)
      .catch((e: unknown) => setError(sentence(e)));
  };
  return (
    <section className="card details" data-testid="tx/details" aria-label="Transaction details">
      <h2>
        {signedAmount(t.amount)} <Fiat sats={t.amount} />
      </h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="tx/status">
          {statusText(t)}
          {t.status === 'confirmed' && t.confirmations >= 6 ? ` (${t.confirmations.toLocaleString('en-US')} confirmations)` : ''}
        </dd>
        <dt>Verification</dt>
        <dd data-testid="tx/proof" className={t.proofVerified ? 'ok' : 'muted'}>
          {t.proofVerified ? '✓ ' : ''}
          {proofText(t)}
        </dd>
        {t.blockHeight !== null ? (
          <>
            <dt>Block</dt>
            <dd data-testid="tx/block">
              {t.blockHeight.toLocaleString('en-US')} <span className="mono muted">{t.blockHash}</span>
            </dd>
          </>
        ) : null}
        <dt>Date</dt>
        <dd>{dateTime(t.time)}</dd>
        <dt>Transaction ID</dt>
        <dd className="mono" data-testid="tx/txid">
          {t.txid}
        </dd>
        {t.fee !== undefined ? (
          <>
            <dt>Fee</dt>
            <dd data-testid="tx/fee">
              {amount(t.fee)} ({(t.fee / t.vsize).toFixed(1)} sat/vB) <Fiat sats={t.fee} />
            </dd>
          </>
        ) : null}
        <dt>Size</dt>
        <dd>{t.vsize} vbytes</dd>
      </dl>
      <Field label="Label" error={error}>
        {(p) => <input {...p} value={label} maxLength={255} onChange={(e) => setLabel(e.target.value)} onBlur={save} onKeyDown={(e) => e.key === 'Enter' && save()} data-testid="tx/label" />}
      </Field>
      <div className="io">
        <div>
          <h3>From</h3>
          <ul>
            {t.inputs.map((i) => (
              <li key={i.outpoint} className="mono">
                {i.outpoint.slice(0, 12)}…:{i.outpoint.split(':')[1]} {i.value !== undefined ? amount(i.value) : ''} {i.mine ? <span className="badge">yours</span> : null}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>To</h3>
          <ul>
            {t.outputs.map((o, n) => (
              <li key={n} className="mono">
                {o.address} {amount(o.value)} {o.mine ? <span className="badge">yours</span> : null}
              </li>
            ))}
          </ul>
        </div>
      </div>
      <CopyButton text={t.txid} label="Copy transaction ID" testId="tx/copy" />
      {t.status === 'unconfirmed' && !t.kind ? <FeeBump t={t} onDone={onSpedUp} /> : null}
    </section>
  );
}

/** Unconfirmed transactions count as the newest; then the block height, then the time seen. */
const age = (t: TxSummary) => [t.blockHeight ?? Number.MAX_SAFE_INTEGER, t.time] as const;
const SORTS: SortKey<TxSummary>[] = [
  { id: 'newest', label: 'Newest first', compare: (a, b) => age(b)[0] - age(a)[0] || age(b)[1] - age(a)[1] },
  { id: 'oldest', label: 'Oldest first', compare: (a, b) => age(a)[0] - age(b)[0] || age(a)[1] - age(b)[1] },
  { id: 'largest', label: 'Largest amount', compare: (a, b) => Math.abs(b.amount) - Math.abs(a.amount) },
  { id: 'smallest', label: 'Smallest amount', compare: (a, b) => Math.abs(a.amount) - Math.abs(b.amount) },
];
/** What a search matches in a transaction: its label, kind, ID, amount and status. */
const searchText = (t: TxSummary) => [t.label ?? '', t.kind ? KIND_WORDS[t.kind] : '', t.txid, signedAmount(t.amount), statusText(t)].join(' ');

export function History({ revision, selected, select }: { revision: number; selected: string | undefined; select: (txid: string | undefined) => void }) {
  const [labelled, setLabelled] = useState(0);
  const history = useLoad(() => call('wallet.history', {}), revision + labelled);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [choice, setChoice] = useListChoice('newest');
  const view = listPage(history.data ?? [], choice, searchText, SORTS);
  return (
    <>
      <h1>History</h1>
      <ErrorNote text={history.error} testId="history/error" />
      {notice ? (
        <p className="note" role="status" data-testid="history/notice">
          {notice}
        </p>
      ) : null}
      {history.data && history.data.length > 0 ? <ListControls choice={choice} set={setChoice} keys={SORTS} what="transactions" testId="history" /> : null}
      <div className={selected ? 'split' : undefined}>
        <div>
          {history.data && view.matching === 0 && choice.query ? (
            <p className="muted" data-testid="history/no-match">
              No transaction matches “{choice.query.trim()}”.
            </p>
          ) : history.data ? (
            <TxList txs={view.rows} onSelect={select} selected={selected} testId="history/list" />
          ) : null}
          {view.pages > 1 || choice.query ? <Pager view={view} set={setChoice} what="transactions" testId="history" /> : null}
        </div>
        {selected ? <Details key={selected} txid={selected} revision={revision + labelled} onLabelled={() => setLabelled((n) => n + 1)} onSpedUp={(text, txid) => { setNotice(text); setLabelled((n) => n + 1); select(txid); }} /> : null}
      </div>
    </>
  );
}
