// The create-a-vault form: amount, delay (with the time it stands for), recovery destination,
// and what each presigned cancel would cost, previewed by the core as the user types; a review of
// the deposit and its fee before anything is signed; once made, the offers to keep a vault backup
// and a watchtower package.
import { useEffect, useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call, UiError } from '../api.js';
import { sentence } from '../errors.js';
import { amount as amountText, blocksText } from '../format.js';
import { useDisplay } from '../hooks/use-display.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { AMOUNT_EXAMPLE, AmountField } from './amount-field.js';
import { CopyButton } from './copy-button.js';
import { BusyNote } from './busy-note.js';
import { ErrorNote, Field, TextField } from './field.js';
import { KeepOffers } from './vault-files.js';

type Preview = Results['vault.preview'];
type Keeping = Results['vault.list']['keeping'];
/** What was made, and what kept the vaults besides the database just before. */
type Created = Results['vault.create'] & { amount: number; keeping: Keeping | undefined };

/** A day of blocks: a thief's withdrawal has to wait this long, and so does yours. */
const DEFAULT_DELAY = '144';
const MAX_DELAY = 65_535;
/** Wait for a pause in typing before asking the core for a preview. */
const PREVIEW_DEBOUNCE_MS = 350;

const RECOVERY_CODES = new Set(['invalid-address', 'wrong-network', 'invalid-descriptor', 'usage']);
const AMOUNT_CODES = new Set(['invalid-amount', 'amount-below-dust']);

function parseDelay(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 1 && n <= MAX_DELAY ? n : undefined;
}

/** Which field an error from the core is about. */
function fieldOf(e: unknown): 'amount' | 'delay' | 'recovery' | 'form' {
  if (!(e instanceof UiError)) return 'form';
  if (RECOVERY_CODES.has(e.code)) return 'recovery';
  if (AMOUNT_CODES.has(e.code)) return 'amount';
  return e.code === 'invalid-setting' ? 'delay' : 'form';
}

/** An error from the core, by the field it is about. */
function coreErrorOf(e: unknown): { field: ReturnType<typeof fieldOf>; text: string } {
  return { field: fieldOf(e), text: sentence(e) };
}

/** Both ladders by fee rate: a row per rate, the fee of each kind of cancel at that rate. */
function costRows(p: Preview): { feerate: number; cancel?: number; emergency?: number }[] {
  const rates = [...new Set([...p.cancels, ...p.emergencyCancels].map((r) => r.feerate))].sort((a, b) => a - b);
  return rates.map((feerate) => {
    const cancel = p.cancels.find((r) => r.feerate === feerate)?.fee;
    const emergency = p.emergencyCancels.find((r) => r.feerate === feerate)?.fee;
    return { feerate, ...(cancel !== undefined ? { cancel } : {}), ...(emergency !== undefined ? { emergency } : {}) };
  });
}

function Costs({ preview }: { preview: Preview }) {
  return (
    <section className="costs" aria-label="Cost of each cancel" data-testid="vaults/costs">
      <h3>What a cancel would cost</h3>
      <p className="hint">
        Coffer signs these cancels now, one per fee rate, and later sends the cheapest one the network needs at that moment. The fee comes
        out of the vault. Starting a withdrawal (the unvault) costs <span data-testid="vaults/unvault-fee">{amountText(preview.unvaultFee)}</span>.
      </p>
      <table className="txs">
        <thead>
          <tr>
            <th scope="col">Fee rate</th>
            <th scope="col" className="num">
              Cancel of a withdrawal
            </th>
            <th scope="col" className="num">
              Emergency cancel (no withdrawal)
            </th>
          </tr>
        </thead>
        <tbody>
          {costRows(preview).map((r) => (
            <tr key={r.feerate} data-testid="vaults/cost-row" data-feerate={r.feerate}>
              <td>{r.feerate} sat/vB</td>
              <td className="num" data-testid="vaults/cost-cancel">
                {r.cancel !== undefined ? amountText(r.cancel) : '—'}
              </td>
              <td className="num" data-testid="vaults/cost-emergency">
                {r.emergency !== undefined ? amountText(r.emergency) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RecoveryNote() {
  return (
    <p className="note" data-testid="vaults/recovery-note">
      The recovery wallet’s key receives the cancels, and with this wallet’s words it can take the vault back in any state before its
      withdrawal, even with this computer lost (<span className="mono">coffer vault recover</span>, on a machine that holds the recovery key).
    </p>
  );
}

/** `keeping` is vault.list's; `onKept` reloads it once an offer kept a file. */
export function VaultForm({ keeping, onCreated, onKept }: { keeping: Keeping | undefined; onCreated: (r: Created) => void; onKept: () => void }) {
  const amount = useAmount(useDisplay().settings.unit);
  const [delay, setDelay] = useState(DEFAULT_DELAY);
  const [recovery, setRecovery] = useState('');
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const { busy, error: coreError, setError: setCoreError, run } = useAction(coreErrorOf);
  const [created, setCreated] = useState<Created | undefined>(undefined);
  /** The preview being reviewed, with the deposit's fee; creating uses its rate. */
  const [review, setReview] = useState<(Preview & { deposit: NonNullable<Preview['deposit']> }) | undefined>(undefined);

  const sats = amount.sats;
  const blocks = parseDelay(delay);
  const dest = recovery.trim();
  const amountError = amount.bad ? AMOUNT_EXAMPLE : coreError?.field === 'amount' ? coreError.text : undefined;
  const delayError = delay.trim() !== '' && blocks === undefined ? `Enter a whole number of blocks from 1 to ${MAX_DELAY.toLocaleString('en-US')}.` : coreError?.field === 'delay' ? coreError.text : undefined;
  const recoveryError = coreError?.field === 'recovery' ? coreError.text : undefined;
  const ready = sats !== undefined && sats > 0 && blocks !== undefined && dest !== '';

  useEffect(() => {
    setPreview(undefined);
    setReview(undefined);
    setCoreError(undefined);
    if (!ready) return;
    let live = true;
    const t = setTimeout(() => {
      call('vault.preview', { amount: sats, delay: blocks, recovery: dest }).then(
        (p) => live && setPreview(p),
        (e: unknown) => live && setCoreError(coreErrorOf(e)),
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [ready, sats, blocks, dest]);

  const create = () => {
    if (!ready) return;
    return run(async () => {
      const r = await call('vault.create', { amount: sats, delay: blocks, recovery: dest, ...(review ? { feeRate: review.deposit.feeRateUsed } : {}) });
      const done = { ...r, amount: sats, keeping };
      setReview(undefined);
      setCreated(done);
      amount.set('');
      setRecovery('');
      onCreated(done);
    });
  };

  // Nothing is created without its review: the preview is asked for again if it has not come yet,
  // and one without a deposit fee means the coins cannot pay for the deposit.
  const toReview = () => {
    if (!ready) return;
    return run(async () => {
      const p = preview ?? (await call('vault.preview', { amount: sats, delay: blocks, recovery: dest }));
      if (!p.deposit) throw new UiError({ code: 'insufficient-funds', message: 'The wallet cannot pay for this deposit and its fee.' });
      setReview({ ...p, deposit: p.deposit });
    });
  };

  return (
    <section className="card" aria-labelledby="vault-create-title">
      <h2 id="vault-create-title">New vault</h2>
      {created ? (
        <div className="note" role="status" data-testid="vaults/created">
          <p>
            Vault <span className="mono" data-testid="vaults/created-id">{created.id}</span> holds {amountText(created.amount)} once its deposit
            confirms. Deposit transaction <span className="mono small" data-testid="vaults/created-txid">{created.depositTxid}</span>.
          </p>
          <CopyButton text={created.depositTxid} label="Copy deposit transaction ID" testId="vaults/copy-deposit" />
          <KeepOffers keeping={created.keeping} onKept={onKept} />
        </div>
      ) : null}
      <form onSubmit={submit(toReview)}>
        <AmountField
          {...amount.field(() => setCreated(undefined))}
          error={amountError}
          testId="vaults"
        />
        <Field
          label="Delay (blocks)"
          hint={blocks !== undefined ? <span data-testid="vaults/delay-time">{blocksText(blocks)}, at ten minutes a block</span> : 'How long a withdrawal waits before the coins can leave.'}
          error={delayError}
          testId="vaults/delay"
        >
          {(p) => <input {...p} inputMode="numeric" autoComplete="off" value={delay} onChange={(e) => setDelay(e.target.value)} data-testid="vaults/delay" />}
        </Field>
        <TextField
          label="Recovery destination"
          hint="The descriptor, with its key (for example wpkh(xpub…/0/*)), of a wallet that never touches this computer: a hardware wallet or a paper wallet. Cancelled withdrawals go there; a bare address cannot get a vault back."
          error={recoveryError}
          testId="vaults/recovery"
          value={recovery}
          onChange={setRecovery}
        />
        {ready && !preview && coreError === undefined && amountError === undefined && delayError === undefined ? (
          <BusyNote text="Working out what each cancel would cost (this waits for the wallet to catch up with the chain)…" testId="vaults/previewing" />
        ) : null}
        {preview ? (
          <>
            <RecoveryNote />
            <Costs preview={preview} />
          </>
        ) : null}
        <ErrorNote text={coreError?.field === 'form' ? coreError.text : undefined} testId="vaults/error" />
        {review && sats ? (
          <div className="note" role="group" aria-label="Review the new vault" data-testid="vaults/review-panel">
            <dl className="facts">
              <dt>Into the vault</dt>
              <dd>
                {amountText(sats)}
              </dd>
              <dt>Deposit’s network fee</dt>
              <dd data-testid="vaults/deposit-fee">
                {amountText(review.deposit.fee)} · {review.deposit.feerate} sat/vB · {review.deposit.vsize} vbytes
              </dd>
              <dt>Total leaving the wallet</dt>
              <dd data-testid="vaults/total">{amountText(sats + review.deposit.fee)}</dd>
              <dt>Later, to withdraw</dt>
              <dd>{amountText(review.unvaultFee)} for the unvault, out of the vault</dd>
            </dl>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setReview(undefined)} data-testid="vaults/review-back">
                Back
              </button>
              <button type="button" disabled={busy} onClick={() => void create()} data-testid="vaults/create">
                {busy ? 'Creating…' : `Put ${amountText(sats)} in a vault`}
              </button>
            </div>
          </div>
        ) : (
          <button type="submit" disabled={busy || !ready || amountError !== undefined || delayError !== undefined || recoveryError !== undefined} data-testid="vaults/review">
            Review
          </button>
        )}
      </form>
    </section>
  );
}
