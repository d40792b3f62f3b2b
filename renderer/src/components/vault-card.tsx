// One vault: its amount and state in words, the countdown of a withdrawal, and what can be done
// now (withdraw, complete after the delay with a review of its fee, cancel to the recovery
// destination after a confirm step), and what exists today to get its coins back.
import { useState } from 'react';
import type { Results, VaultInfo } from '../../../src/api/contract.js';
import { call, UiError } from '../api.js';
import { sentence } from '../errors.js';
import { amount, blocksText, blocksTime } from '../format.js';
import { Fiat } from './fiat.js';
import { submit, useAction } from '../hooks/use-action.js';
import { ErrorNote, TextField } from './field.js';
import { recoveryWays, type Keeping } from '../vault-ways.js';

/** An error from the core: about the address typed (to show under it), or about the vault. */
function errorOf(e: unknown): { field: 'address' | 'vault'; text: string } {
  const address = e instanceof UiError && (e.code === 'invalid-address' || e.code === 'wrong-network');
  return { field: address ? 'address' : 'vault', text: sentence(e) };
}

/** States after which nothing more happens to a vault. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['withdrawn', 'cancelled', 'abandoned', 'swept']);

const STATUS_WORDS: Record<string, string> = {
  funding: 'Deposit not on the network yet',
  funded: 'In the vault',
  unvaulting: 'Withdrawal under way',
  withdrawable: 'Ready to withdraw',
  withdrawn: 'Withdrawn',
  cancelled: 'Cancelled: sent to the recovery destination',
  abandoned: 'Abandoned: the deposit never reached the network',
  stray: 'Stray payment',
  swept: 'Swept with the recovery key',
};

export function statusWords(v: VaultInfo): string {
  if (v.alert && (v.status === 'unvaulting' || v.status === 'withdrawable')) return 'Withdrawal you did not start: being cancelled';
  return STATUS_WORDS[v.status] ?? v.status;
}

function confirmationsText(n: number): string {
  return n === 0 ? 'unconfirmed' : `${n.toLocaleString('en-US')} confirmation${n === 1 ? '' : 's'}`;
}

/**
 * Where a withdrawal stands. The withdrawal can be mined from block N (BIP68: the unvault's height
 * plus the delay), so it may be sent once the tip is N - 1: that many blocks are still to come.
 */
function countdown(v: VaultInfo, tip: number): string {
  if (v.withdrawableAtHeight === undefined) return 'Waiting for the unvault to confirm; the delay starts then.';
  const left = Math.max(0, v.withdrawableAtHeight - 1 - tip);
  return `Withdrawable at block ${v.withdrawableAtHeight.toLocaleString('en-US')} — ${left.toLocaleString('en-US')} block${left === 1 ? '' : 's'} (${blocksTime(left)}) left.`;
}

function Txid({ label, txid, testId }: { label: string; txid: string | undefined; testId: string }) {
  if (!txid) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd className="mono small" data-testid={testId}>
        {txid}
      </dd>
    </>
  );
}

export function VaultCard({ v, tip, keeping, onDone }: { v: VaultInfo; tip: number; keeping: Keeping | undefined; onDone: (notice: string) => void }) {
  const { busy, error, setError, run } = useAction(errorOf);
  const [confirming, setConfirming] = useState(false);
  const [address, setAddress] = useState('');
  /** The withdrawal built and signed but not sent (dryRun), shown before it is sent. */
  const [review, setReview] = useState<Results['vault.complete'] & { address: string } | undefined>(undefined);
  /** Complete was asked for without an address. */
  const [noAddress, setNoAddress] = useState(false);
  const addressError = noAddress ? 'Enter the address the coins should go to.' : error?.field === 'address' ? error.text : undefined;

  const act = (step: () => Promise<string>) => {
    setNoAddress(false);
    return run(async () => {
      onDone(await step());
      setConfirming(false);
    });
  };
  const withdraw = () =>
    act(async () => {
      const r = await call('vault.withdraw', { id: v.id });
      return `Withdrawal from vault ${v.id} started: it can complete from block ${r.withdrawableAtHeight.toLocaleString('en-US')} if the unvault confirms in the next block.`;
    });
  const cancel = () =>
    act(async () => {
      const r = await call('vault.cancel', { id: v.id });
      return `Vault ${v.id} cancelled: ${amount(v.amount)} minus the fee go to the recovery destination (transaction ${r.cancelTxid.slice(0, 12)}…).`;
    });
  const check = () => {
    if (!address.trim()) return setNoAddress(true);
    setNoAddress(false);
    return run(async () => setReview({ ...(await call('vault.complete', { id: v.id, address: address.trim(), dryRun: true })), address: address.trim() }));
  };
  const complete = () =>
    review &&
    act(async () => {
      // The rate that was reviewed: the fee cannot change behind the user's back.
      const r = await call('vault.complete', { id: v.id, address: review.address, feeRate: review.feerate });
      setAddress('');
      setReview(undefined);
      return `Vault ${v.id} withdrawn (transaction ${r.txid.slice(0, 12)}…).`;
    });

  // A vault found after a restore has no presigned set: only the recovery key moves it.
  const canWithdraw = v.status === 'funded' && !v.found;
  const canCancel = !v.found && (v.status === 'funded' || v.status === 'unvaulting' || v.status === 'withdrawable');
  const canComplete = v.status === 'withdrawable' && !v.alert;
  const classes = ['card', 'vault', FINAL_STATUSES.has(v.status) ? 'final' : '', v.alert ? 'alerted' : ''].filter(Boolean).join(' ');
  return (
    <li className={classes} data-testid="vault" data-vault-id={v.id} data-status={v.status} aria-labelledby={`vault-${v.id}`}>
      <div className="vault-head">
        <h3 id={`vault-${v.id}`}>
          {amount(v.amount)} <Fiat sats={v.amount} />
        </h3>
        <span className={`badge status-${v.status}`} data-testid="vault/status">
          {statusWords(v)}
        </span>
      </div>
      <dl className="facts">
        <dt>Vault</dt>
        <dd className="mono" data-testid="vault/id">
          {v.id}
        </dd>
        <dt>Delay</dt>
        <dd data-testid="vault/delay">{blocksText(v.delay)}</dd>
        <dt>Deposit</dt>
        <dd data-testid="vault/confirmations">{confirmationsText(v.confirmations)}</dd>
        <Txid label="Deposit transaction" txid={v.depositTxid} testId="vault/deposit-txid" />
        <dt>Recovery destination</dt>
        <dd className="mono small">{v.found ? 'Not known after a restore: the recovery key shows it' : v.recovery}</dd>
        <Txid label="Unvault transaction" txid={v.unvaultTxid} testId="vault/unvault-txid" />
        <Txid label="Withdrawal transaction" txid={v.withdrawTxid} testId="vault/withdraw-txid" />
        <Txid label="Cancel transaction" txid={v.cancelTxid} testId="vault/cancel-txid" />
      </dl>
      {FINAL_STATUSES.has(v.status) ? null : (
        <div data-testid="vault/recovery-ways">
          <h4>How to get these coins back</h4>
          <ul>
            {recoveryWays(v, keeping).map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {v.alert ? (
        <p className="note warning" data-testid="vault/alert">
          {v.status === 'withdrawn'
            ? 'A withdrawal this wallet did not start took these coins.'
            : v.found
              ? 'A withdrawal was started for this vault, before this wallet was restored or by someone else. If it was not you, sweep it with the recovery key before the delay ends.'
              : 'A withdrawal this wallet did not start was seen for this vault; Coffer answered it with a cancel to the recovery destination.'}
        </p>
      ) : null}
      {v.status === 'unvaulting' ? (
        <p className="countdown" data-testid="vault/countdown">
          {countdown(v, tip)}
        </p>
      ) : null}
      {canComplete ? (
        <form className="complete" onSubmit={submit(check)}>
          <TextField
            label="Send the coins to"
            hint="Any address: the delay is over, the coins can leave."
            error={addressError}
            testId="vault/complete-address"
            value={address}
            onChange={(text) => {
              setAddress(text);
              setReview(undefined);
              setNoAddress(false);
              if (error?.field === 'address') setError(undefined);
            }}
          />
          <button type="submit" className={review ? 'secondary' : undefined} disabled={busy} data-testid="vault/complete-review">
            Review the withdrawal
          </button>
        </form>
      ) : null}
      {canComplete && review ? (
        <div className="note" role="group" aria-label={`Review the withdrawal of vault ${v.id}`} data-testid="vault/complete-step">
          <dl className="facts">
            <dt>To</dt>
            <dd className="mono">{review.address}</dd>
            <dt>Arrives</dt>
            <dd data-testid="vault/complete-amount">
              {amount(review.amount)}
            </dd>
            <dt>Network fee</dt>
            <dd data-testid="vault/complete-fee">
              {amount(review.fee)} · {review.feerate} sat/vB{review.feeSource.startsWith('preset') ? ' (your preset)' : ''}
            </dd>
          </dl>
          <button type="button" disabled={busy} onClick={() => void complete()} data-testid="vault/complete">
            {busy ? 'Sending…' : `Send ${amount(review.amount)}`}
          </button>
        </div>
      ) : null}
      {confirming ? (
        <div className="confirm" role="group" aria-label={`Confirm the cancel of vault ${v.id}`} data-testid="vault/cancel-step">
          <p>
            Send {amount(v.amount)} (minus the cancel’s fee) to the recovery destination? This cannot be undone: afterwards only the recovery
            wallet can spend these coins.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void cancel()} data-testid="vault/cancel-confirm">
              {busy ? 'Cancelling…' : 'Yes, send them to recovery'}
            </button>
            <button type="button" className="secondary" autoFocus disabled={busy} onClick={() => setConfirming(false)} data-testid="vault/cancel-keep">
              Keep the vault
            </button>
          </div>
        </div>
      ) : canWithdraw || canCancel ? (
        <div className="actions">
          {canWithdraw ? (
            <button type="button" disabled={busy} onClick={() => void withdraw()} data-testid="vault/withdraw">
              {busy ? 'Starting…' : 'Withdraw'}
            </button>
          ) : null}
          {canCancel ? (
            <button type="button" className="secondary danger-text" disabled={busy} onClick={() => setConfirming(true)} data-testid="vault/cancel">
              Cancel to recovery…
            </button>
          ) : null}
        </div>
      ) : null}
      {canWithdraw ? <p className="hint">Withdraw starts the wait of {blocksText(v.delay)}; after it you can send the coins anywhere.</p> : null}
      <ErrorNote text={error?.field === 'vault' ? error.text : undefined} testId="vault/error" />
    </li>
  );
}
