// The loud banner over every screen: a withdrawal this wallet did not start was seen for a vault
// (someone else has the wallet's keys). Raised by the core's 'vault-alert' event, and by the vault
// list while such a vault is still live; the in-app watchtower has already sent a cancel.
import type { VaultInfo } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { FINAL_STATUSES } from './vault-card.js';

export interface VaultAlertEvent {
  vault: string;
  unvaultTxid: string;
}

function alertText(id: string, v: VaultInfo | undefined): string {
  if (v?.status === 'withdrawn') {
    return `A withdrawal you did not start took the coins of vault ${id}: the cancel came too late.`;
  }
  const after =
    v?.status === 'cancelled'
      ? 'The cancel is on the network: the coins go to your recovery wallet, not to whoever started the withdrawal.'
      : 'Keep Coffer open (or your watchtower running) until the cancel confirms.';
  return `A withdrawal you did not start is under way for vault ${id}. Coffer broadcast a cancel to your recovery destination. ${after}`;
}

export function VaultAlertBanner({ revision, events, onOpen, onDismiss }: { revision: number; events: VaultAlertEvent[]; onOpen: () => void; onDismiss: () => void }) {
  const list = useLoad(() => call('vault.list', {}), revision);
  const vaults = list.data?.vaults ?? [];
  const live = vaults.filter((v) => v.alert && !FINAL_STATUSES.has(v.status)).map((v) => v.id);
  const ids = [...new Set([...live, ...events.map((e) => e.vault)])];
  if (ids.length === 0) return null;
  return (
    <div className="vault-alert" role="alert" data-testid="app/vault-alert">
      <strong className="vault-alert-title">Someone else is moving your vault’s coins</strong>
      {ids.map((id) => (
        <p key={id} data-testid="vault-alert/text" data-vault-id={id}>
          {alertText(
            id,
            vaults.find((v) => v.id === id),
          )}
        </p>
      ))}
      <p>Whoever did it has this wallet’s keys or a copy of this wallet: move your other coins to a new wallet with new recovery words.</p>
      <div className="actions">
        <button type="button" className="inverse" onClick={onOpen} data-testid="vault-alert/open">
          Go to Vaults
        </button>
        {live.length === 0 ? (
          <button type="button" className="secondary inverse-outline" onClick={onDismiss} data-testid="vault-alert/dismiss">
            Dismiss
          </button>
        ) : null}
      </div>
    </div>
  );
}
