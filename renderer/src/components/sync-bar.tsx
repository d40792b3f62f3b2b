// What the chain source is doing: connecting, downloading headers or blocks (with progress and
// an estimate of the time left), synced, or why it cannot sync.
import { useRef } from 'react';
import type { SyncState } from '../../../src/api/contract.js';
import { wireSentence } from '../errors.js';
import { duration } from '../format.js';

function estimate(s: SyncState, start: { startedAt: number; height: number } | undefined): string {
  if (s.target === undefined || !start || s.height <= start.height) return '';
  const rate = (s.height - start.height) / Math.max(Date.now() - start.startedAt, 1);
  return ` · about ${duration((s.target - s.height) / rate)} left`;
}

export function SyncBar({ state, onSyncNow, busy }: { state: SyncState; onSyncNow: () => void; busy: boolean }) {
  // The first height seen in this download, for the rate behind the estimate.
  const start = useRef<{ startedAt: number; height: number; phase: string } | undefined>(undefined);
  const downloading = state.phase === 'headers' || state.phase === 'blocks';
  if (!downloading) start.current = undefined;
  else if (!start.current || start.current.phase !== state.phase) start.current = { startedAt: Date.now(), height: state.height, phase: state.phase };

  let text: string;
  switch (state.phase) {
    case 'connecting':
      text = 'Connecting to the Bitcoin network…';
      break;
    case 'headers':
    case 'blocks': {
      const what = state.phase === 'headers' ? 'Downloading block headers' : 'Checking blocks for your transactions';
      const of = state.target !== undefined && state.target > 0 ? ` ${state.height.toLocaleString('en-US')} of ${state.target.toLocaleString('en-US')}` : ` ${state.height.toLocaleString('en-US')}`;
      text = `${what}:${of}${estimate(state, start.current)}`;
      break;
    }
    case 'mempool':
      text = 'Looking for unconfirmed transactions…';
      break;
    case 'error':
      // The sentence for the error's code, as everywhere else (the internal error's never names a type).
      text = `Not synced: ${state.error ? wireSentence(state.error) : 'the chain source did not answer.'} Coffer will try again.`;
      break;
    default:
      text = state.lastSyncedAt ? `Synced · block ${state.height.toLocaleString('en-US')}` : `Block ${state.height.toLocaleString('en-US')}`;
  }
  const pct = downloading && state.target ? Math.min(100, Math.floor((state.height / state.target) * 100)) : undefined;
  return (
    <div className={`sync-bar sync-${state.phase}`} data-testid="sync/bar" data-phase={state.phase} role="status" aria-live="polite">
      <span data-testid="sync/status">{text}</span>
      {pct !== undefined ? <progress max={100} value={pct} aria-label="Sync progress" data-testid="sync/progress" /> : null}
      <button type="button" className="link" onClick={onSyncNow} disabled={busy || downloading} data-testid="sync/now">
        Sync now
      </button>
    </div>
  );
}
