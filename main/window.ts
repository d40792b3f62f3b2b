// The one Coffer window: sandboxed, context-isolated, no Node, our preload only, loading
// app://coffer/index.html. Navigation, new windows and <webview> are refused for every
// webContents by security.ts (registered before this window exists).

import { BrowserWindow, nativeTheme } from 'electron';
import { APP_ENTRY, METHODS_ARG } from './channels.js';

export interface WindowOptions {
  /** Absolute path of the compiled preload (dist/main/preload.cjs). */
  preload: string;
  /** Every API method; the sandboxed preload cannot import the contract, so it gets the names here. */
  methods: readonly string[];
  /** app.isPackaged: devtools only in development. */
  packaged: boolean;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    title: 'Coffer',
    width: 1100,
    height: 760,
    minWidth: 820,
    minHeight: 560,
    show: false,
    // Painted before the page loads, so there is no white flash in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1c1c1e' : '#f5f5f5',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // The spellchecker may download dictionaries from Google; words typed here stay here.
      spellcheck: false,
      devTools: !options.packaged,
      additionalArguments: [METHODS_ARG + options.methods.join(',')],
    },
  });
  win.once('ready-to-show', () => win.show());
  // A failed load leaves the page blank; main.ts has already checked that index.html exists.
  win.loadURL(APP_ENTRY).catch(() => {});
  return win;
}

/** Brings the window to the front (a second `coffer` launch lands here). */
export function focusWindow(win: BrowserWindow | undefined): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
