// The wallet's screens as routes: their ids, their names in the sidebar, and how a screen opens
// another (history can be opened on one transaction).

export type View = 'dashboard' | 'send' | 'receive' | 'history' | 'coins' | 'vaults' | 'channels' | 'settings';

export const VIEWS: readonly { id: View; label: string }[] = [
  { id: 'dashboard', label: 'Overview' },
  { id: 'send', label: 'Send' },
  { id: 'receive', label: 'Receive' },
  { id: 'history', label: 'History' },
  { id: 'coins', label: 'Coins' },
  { id: 'vaults', label: 'Vaults' },
  { id: 'channels', label: 'Channels' },
  { id: 'settings', label: 'Settings' },
];

/** Open a screen; `txid` selects a transaction in the history. */
export type Go = (v: View, txid?: string) => void;
