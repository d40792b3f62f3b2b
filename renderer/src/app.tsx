// The app's states: loading, onboarding, locked, and the wallet's screens; core events (sync,
// incoming payments, auto-lock) arrive here and flow down.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppStatus, ChannelBackupAlarm, CofferEvent, SyncState } from '../../src/api/contract.js';
import { call, coffer } from './api.js';
import { ChannelBackupAlarmBanner } from './components/channel-backup-alarm.js';
import { SyncBar } from './components/sync-bar.js';
import { Toasts } from './components/toasts.js';
import { withIncoming, withNotice, type Toast } from './notices.js';
import { VaultAlertBanner, type VaultAlertEvent } from './components/vault-alert.js';
import { sentence } from './errors.js';
import { DisplayContext, useDisplayState } from './hooks/use-display.js';
import { VIEWS, type Go, type View } from './routes.js';
import { Channels } from './screens/channels.js';
import { Coins } from './screens/coins.js';
import { Dashboard } from './screens/dashboard.js';
import { History } from './screens/history.js';
import { Onboarding } from './screens/onboarding.js';
import { Receive } from './screens/receive.js';
import { Send } from './screens/send.js';
import { Settings } from './screens/settings.js';
import { Unlock } from './screens/unlock.js';
import { Vaults } from './screens/vaults.js';

/** A key press or click counts as activity for the auto-lock, at most twice a minute. */
const ACTIVITY_THROTTLE_MS = 30_000;

export function App() {
  const [status, setStatus] = useState<AppStatus | undefined>(undefined);
  const [fatal, setFatal] = useState<string | undefined>(undefined);
  const [sync, setSync] = useState<SyncState>({ phase: 'idle', height: 0 });
  const [view, setView] = useState<View>('dashboard');
  const [selectedTx, setSelectedTx] = useState<string | undefined>(undefined);
  const [revision, setRevision] = useState(0);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [syncBusy, setSyncBusy] = useState(false);
  const [vaultAlerts, setVaultAlerts] = useState<VaultAlertEvent[]>([]);
  const [backupAlarm, setBackupAlarm] = useState<ChannelBackupAlarm | undefined>(undefined);
  const toastId = useRef(0);
  const display = useDisplayState(status?.open?.locked === false);

  const refresh = useCallback(async () => {
    try {
      const s = await call('app.status', {});
      setStatus(s);
      setSync(s.sync);
      setBackupAlarm(s.channelBackupFailing);
      setFatal(undefined);
    } catch (e) {
      setFatal(sentence(e));
    }
  }, []);

  const toast = useCallback((text: string) => setToasts((t) => withNotice(t, ++toastId.current, text)), []);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);

  useEffect(() => {
    void refresh();
    return coffer.onEvent((e: CofferEvent) => {
      if (e.type === 'sync') {
        setSync(e.state);
      } else if (e.type === 'wallet-changed') {
        setRevision((r) => r + 1);
      } else if (e.type === 'transaction') {
        const id = ++toastId.current;
        setToasts((t) => withIncoming(t, id, e.amount, e.confirmations > 0));
        setRevision((r) => r + 1);
      } else if (e.type === 'vault-alert') {
        setVaultAlerts((a) => (a.some((x) => x.unvaultTxid === e.unvaultTxid) ? a : [...a, { vault: e.vault, unvaultTxid: e.unvaultTxid }]));
        setRevision((r) => r + 1);
      } else if (e.type === 'channel-backup') {
        setBackupAlarm(e.failing);
      } else if (e.type === 'locked') {
        void refresh();
      }
    });
  }, [refresh, toast]);

  useEffect(() => {
    let last = 0;
    const active = () => {
      if (Date.now() - last < ACTIVITY_THROTTLE_MS) return;
      last = Date.now();
      void call('app.activity', {}).catch(() => {});
    };
    window.addEventListener('keydown', active);
    window.addEventListener('pointerdown', active);
    return () => {
      window.removeEventListener('keydown', active);
      window.removeEventListener('pointerdown', active);
    };
  }, []);

  const syncNow = useCallback(async () => {
    setSyncBusy(true);
    try {
      await call('sync.now', {});
    } catch (e) {
      toast(sentence(e));
    } finally {
      setSyncBusy(false);
      setRevision((r) => r + 1);
    }
  }, [toast]);

  const lock = useCallback(async () => {
    await call('wallet.lock', {}).catch(() => {});
    await refresh();
  }, [refresh]);

  if (fatal) {
    return (
      <main className="center" data-testid="app/fatal">
        <h1>Coffer cannot start</h1>
        <p role="alert">{fatal}</p>
        <button type="button" onClick={() => void refresh()}>
          Try again
        </button>
      </main>
    );
  }
  if (!status) return <main className="center" data-testid="app/loading" aria-busy="true">Starting Coffer…</main>;
  if (!status.open) return <Onboarding status={status} onDone={refresh} />;
  // The alarms show over the lock screen too (from events: the vault list needs the password).
  const alarm = (
    <div className="alerts">
      <VaultAlertBanner revision={revision} events={vaultAlerts} onOpen={() => setView('vaults')} onDismiss={() => setVaultAlerts([])} />
      <ChannelBackupAlarmBanner alarm={backupAlarm} onOpen={status.open.locked ? undefined : () => setView('channels')} />
    </div>
  );
  if (status.open.locked) {
    return (
      <>
        {alarm}
        <Unlock network={status.open.network} sync={sync} onUnlocked={refresh} />
      </>
    );
  }

  const go: Go = (v, txid) => {
    setSelectedTx(txid);
    setView(v);
  };
  const open = status.open;
  return (
    <DisplayContext.Provider value={display}>
    <div className="layout">
      <header className="topbar">
        <span className="brand">Coffer</span>
        {open.network !== 'main' ? (
          <span className="badge" data-testid="app/network">
            {open.network}
          </span>
        ) : null}
        <SyncBar state={sync} onSyncNow={() => void syncNow()} busy={syncBusy} />
        <button type="button" onClick={() => void lock()} data-testid="app/lock">
          Lock
        </button>
      </header>
      {alarm}
      <nav className="sidebar" aria-label="Main">
        <ul>
          {VIEWS.map((v) => (
            <li key={v.id}>
              <button type="button" className={view === v.id ? 'nav active' : 'nav'} aria-current={view === v.id ? 'page' : undefined} onClick={() => go(v.id)} data-testid={`nav/${v.id}`}>
                {v.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content" data-testid={`screen/${view}`}>
        {view === 'dashboard' ? <Dashboard revision={revision} status={status} go={go} onChanged={() => { void refresh(); setRevision((r) => r + 1); }} /> : null}
        {view === 'send' ? <Send revision={revision} network={open.network} go={go} onSent={(t) => { toast(t); setRevision((r) => r + 1); }} /> : null}
        {view === 'receive' ? <Receive /> : null}
        {view === 'history' ? <History revision={revision} selected={selectedTx} select={setSelectedTx} /> : null}
        {view === 'coins' ? <Coins revision={revision} /> : null}
        {view === 'vaults' ? <Vaults revision={revision} network={open.network} onNotice={(t) => { toast(t); setRevision((r) => r + 1); }} /> : null}
        {view === 'channels' ? <Channels revision={revision} network={open.network} onNotice={(t) => { toast(t); setRevision((r) => r + 1); }} /> : null}
        {view === 'settings' ? <Settings revision={revision} onChanged={refresh} /> : null}
      </main>
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
    </DisplayContext.Provider>
  );
}
