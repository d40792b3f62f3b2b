// Overview: balances (coins in vaults on their own line), the balance over time, the latest transactions, and what needs attention.
import { useState } from 'react';
import type { AppStatus } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { BalanceChart } from '../components/balance-chart.js';
import { ErrorNote, Field } from '../components/field.js';
import { TxList } from '../components/tx-list.js';
import { Fiat } from '../components/fiat.js';
import { amount, priceText } from '../format.js';
import { useDisplay } from '../hooks/use-display.js';
import { useAction } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';
import type { Go } from '../routes.js';
import { BackupWords } from './backup-words.js';

function BackupReminder({ onDone }: { onDone: () => void }) {
  const [stage, setStage] = useState<'note' | 'password' | 'words'>('note');
  const [password, setPassword] = useState('');
  if (stage === 'words') return <BackupWords password={password} onDone={onDone} onLater={() => setStage('note')} />;
  return (
    <section className="card warning" data-testid="dashboard/backup-reminder">
      <h2>Back up your recovery words</h2>
      <p>You have not confirmed your recovery words yet. Without them, a lost computer or forgotten password means lost coins.</p>
      {stage === 'note' ? (
        <button type="button" onClick={() => setStage('password')} data-testid="dashboard/backup-start">
          Back up now
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setStage('words');
          }}
        >
          <Field label="Password">{(p) => <input {...p} type="password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
          <button type="submit">Show my words</button>
        </form>
      )}
    </section>
  );
}

function Playground({ onMined }: { onMined: () => void }) {
  const { busy, error, run } = useAction();
  const mine = (blocks: number) =>
    void run(async () => {
      await call('node.mine', { blocks });
      onMined();
    });
  return (
    <section className="card" data-testid="dashboard/playground">
      <h2>Playground</h2>
      <p className="muted">Mine blocks on your private regtest network; the rewards go to this wallet and mature after 100 blocks.</p>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => mine(1)} data-testid="playground/mine-1">
          Mine 1 block
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => mine(100)} data-testid="playground/mine-100">
          Mine 100 blocks
        </button>
      </div>
      <ErrorNote text={error?.text} testId="playground/mine-error" />
    </section>
  );
}

/** The price the fiat values use and its age, or why it could not be fetched; nothing while off. */
function PriceLine() {
  const { quote, priceError } = useDisplay();
  return (
    <>
      {quote ? (
        <p className="muted small" data-testid="dashboard/price">
          {priceText(quote, Date.now())}
        </p>
      ) : null}
      {priceError ? (
        <p className="muted small" data-testid="dashboard/price-error">
          {priceError}
        </p>
      ) : null}
    </>
  );
}

/** Transactions shown under the chart; the rest are in History. */
const RECENT = 6;

export function Dashboard({ revision, status, go, onChanged }: { revision: number; status: AppStatus; go: Go; onChanged: () => void }) {
  const summary = useLoad(() => call('wallet.summary', {}), revision);
  const history = useLoad(() => call('wallet.history', { limit: RECENT }), revision);
  const open = status.open!;
  const s = summary.data;
  return (
    <>
      <h1>Overview</h1>
      {!open.backupConfirmed ? <BackupReminder onDone={onChanged} /> : null}
      <section className="balances" aria-label="Balance">
        <div className="balance main">
          <span className="muted">Balance</span>
          <strong data-testid="dashboard/confirmed">{s ? amount(s.confirmed) : '…'}</strong>
          {s ? <Fiat sats={s.confirmed} testId="dashboard/confirmed-fiat" /> : null}
        </div>
        <div className="balance">
          {/* The net of unconfirmed transactions: below zero, what is on its way out. */}
          <span className="muted" data-testid="dashboard/pending-label">
            {s && s.unconfirmed < 0 ? 'Outgoing, unconfirmed' : s && s.unconfirmed > 0 ? 'Incoming, unconfirmed' : 'Pending'}
          </span>
          <strong data-testid="dashboard/pending">{s ? amount(s.unconfirmed) : '…'}</strong>
          {s && s.unconfirmed !== 0 ? <Fiat sats={s.unconfirmed} /> : null}
        </div>
        {s && s.vaults > 0 ? (
          <div className="balance">
            <span className="muted">In vaults (not spendable)</span>
            <strong data-testid="dashboard/vaults">{amount(s.vaults)}</strong>
            <Fiat sats={s.vaults} />
          </div>
        ) : null}
        {s && s.immature > 0 ? (
          <div className="balance">
            <span className="muted">Maturing (mined, spendable after 101 confirmations)</span>
            <strong data-testid="dashboard/immature">{amount(s.immature)}</strong>
            <Fiat sats={s.immature} />
          </div>
        ) : null}
      </section>
      <PriceLine />
      <ErrorNote text={summary.error ?? history.error} testId="dashboard/error" />
      {s ? <BalanceChart series={s.series} /> : null}
      {open.network === 'regtest' && open.backend === 'node' ? <Playground onMined={onChanged} /> : null}
      <section>
        <h2>Recent transactions</h2>
        {history.data ? <TxList txs={history.data} onSelect={(txid) => go('history', txid)} testId="dashboard/recent" /> : null}
      </section>
    </>
  );
}
