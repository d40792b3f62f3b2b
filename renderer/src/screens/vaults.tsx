// Vaults: what they protect against and need, a form to create one, every vault with what can be
// done to it now and how it can be got back,
// stray payments to a vault's address (swept from the command line with the recovery key), and the remote watchtowers.
import type { VaultInfo } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { ErrorNote } from '../components/field.js';
import { FINAL_STATUSES, VaultCard } from '../components/vault-card.js';
import { TowerPanel } from '../components/tower-panel.js';
import { VaultForm } from '../components/vault-form.js';
import { amount } from '../format.js';
import { useLoad } from '../hooks/use-load.js';

const STRAY_STATUSES = new Set(['stray', 'swept']);

function Strays({ strays, vaults, network }: { strays: VaultInfo[]; vaults: VaultInfo[]; network: string }) {
  const flag = network === 'main' ? '' : ` --network ${network}`;
  return (
    <section aria-labelledby="strays-title" data-testid="vaults/strays">
      <h2 id="strays-title">Stray payments to vault addresses</h2>
      <p className="muted">
        Someone paid a vault’s address again after its deposit. Such a payment is not part of the vault: only the recovery key can move it,
        and that key must never be typed into this computer. On the machine that holds it, run the command shown.
      </p>
      <ul className="strays">
        {strays.map((s) => {
          const parent = vaults.find((v) => v.id === s.vault);
          // A recovery destination without '(' is a bare address (the core reads it the same way): no key, no sweep.
          const bare = !(parent?.recovery ?? s.recovery).includes('(');
          return (
            <li key={s.id} className="card" data-testid="stray" data-stray-id={s.id} data-status={s.status}>
              <p>
                <strong data-testid="stray/amount">{amount(s.amount)}</strong> to vault <span className="mono">{s.vault}</span>
                {s.status === 'swept' ? ' — swept with the recovery key.' : s.confirmations > 0 ? ` — ${s.confirmations} confirmations.` : ' — unconfirmed.'}
              </p>
              <p className="mono small">{s.depositTxid}</p>
              {s.status === 'stray' ? (
                bare ? (
                  <p className="note warning" data-testid="stray/lost">
                    This vault’s recovery destination is a bare address, so the deposit script has no recovery key: this payment cannot be recovered.
                  </p>
                ) : (
                  <p data-testid="stray/hint">
                    <code className="mono">{`coffer${flag} vault sweep ${s.id} --to ADDR --key-file FILE`}</code>
                  </p>
                )
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** `onNotice` shows the notice and reloads (the revision goes up). */
export function Vaults({ revision, network, onNotice }: { revision: number; network: string; onNotice: (text: string) => void }) {
  const list = useLoad(() => call('vault.list', {}), revision);
  const all = list.data?.vaults ?? [];
  // Vaults that may still change come first; finished ones keep their order below them.
  const vaults = all.filter((v) => !STRAY_STATUSES.has(v.status)).sort((a, b) => Number(FINAL_STATUSES.has(a.status)) - Number(FINAL_STATUSES.has(b.status)));
  const strays = all.filter((v) => STRAY_STATUSES.has(v.status));
  return (
    <>
      <h1>Vaults</h1>
      <p className="muted" data-testid="vaults/explanation">
        A vault protects coins against someone who gets this computer or its keys: every withdrawal waits out a delay, during which it can
        be cancelled to your recovery destination. It needs a recovery wallet kept somewhere else and a watchtower that is always on — this
        app while it is open, or <span className="mono">coffer watchtower run</span> on an always-on machine with the package from{' '}
        <span className="mono">coffer watchtower export</span>.
      </p>
      <VaultForm keeping={list.data?.keeping} onKept={list.reload} onCreated={(r) => onNotice(`Vault ${r.id} created with ${amount(r.amount)}; deposit ${r.depositTxid.slice(0, 12)}… is on its way.`)} />
      <section aria-labelledby="vault-list-title">
        <h2 id="vault-list-title">Your vaults</h2>
        <ErrorNote text={list.error} testId="vaults/list-error" />
        {list.data && vaults.length === 0 ? (
          <p className="muted" data-testid="vaults/empty">
            No vaults yet.
          </p>
        ) : null}
        {vaults.length > 0 ? (
          <ul className="vaults" data-testid="vaults/list" data-tip={list.data?.tipHeight}>
            {vaults.map((v) => (
              <VaultCard key={v.id} v={v} tip={list.data?.tipHeight ?? 0} keeping={list.data?.keeping} onDone={onNotice} />
            ))}
          </ul>
        ) : null}
      </section>
      {strays.length > 0 ? <Strays strays={strays} vaults={vaults} network={network} /> : null}
      <TowerPanel revision={revision} />
    </>
  );
}
