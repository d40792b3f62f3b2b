// Electron main process entry (dist/main/main.js): one sandboxed window on app://coffer, the core
// in a utilityProcess, and the IPC router between them. Run with `npm start` (bin/start.js).

import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, Menu, session, type BrowserWindow } from 'electron';
import { METHOD_NAMES } from '../src/api/contract.js';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { startCore, type CoreHost } from './core-host.js';
import { routeCalls, sendEvent } from './ipc.js';
import { menuTemplate } from './menu.js';
import { guardAllWebContents, hardenSession } from './security.js';
import { createMainWindow, focusWindow } from './window.js';

/** dist/main; the renderer and the core were built next to it (dist/renderer, dist/src). */
const HERE = import.meta.dirname;
const PRELOAD = path.join(HERE, 'preload.cjs');
const CORE_MODULE = path.join(HERE, '..', 'src', 'service', 'core-process.js');
const RENDERER_DIR = path.join(HERE, '..', 'renderer');

/** `--datadir <dir>` or `--datadir=<dir>` on the command line, as the `coffer` CLI takes it. */
function datadirArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--datadir' && argv[i + 1]) return argv[i + 1];
    if (a.startsWith('--datadir=') && a.length > '--datadir='.length) return a.slice('--datadir='.length);
  }
  return undefined;
}

/** A plain sentence, then exit: nothing useful can run without the core or the UI. */
function fatal(message: string): void {
  dialog.showErrorBox('Coffer cannot continue', message);
  app.exit(1);
}

function main(): void {
  app.enableSandbox();
  registerAppScheme();
  app.setName('Coffer');
  // The same folder the core and the CLI use by default (<appData>/Coffer), or --datadir. Making
  // it Electron's userData too puts the single-instance lock there: one Coffer per data directory.
  const datadir = path.resolve(datadirArg(process.argv) ?? path.join(app.getPath('appData'), 'Coffer'));
  app.setPath('userData', datadir);
  if (!app.requestSingleInstanceLock()) {
    app.quit(); // the first instance got 'second-instance' and came to the front
    return;
  }
  guardAllWebContents();

  let win: BrowserWindow | undefined;
  let core: CoreHost | undefined;
  let coreStopped = false;
  const windowRef = () => win;

  app.on('second-instance', () => focusWindow(win));
  app.on('activate', () => focusWindow(win));
  // Quit when the window closes, on macOS too: a wallet with no window should not keep running
  // with its keys in memory.
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (!core || coreStopped) return;
    // Let the core close its database before the app goes; quit again once it has.
    event.preventDefault();
    const stopping = core;
    core = undefined;
    void stopping.stop().finally(() => {
      coreStopped = true;
      app.quit();
    });
  });

  const start = () => {
    if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html')) || !fs.existsSync(CORE_MODULE) || !fs.existsSync(PRELOAD)) {
      fatal('Coffer is not built completely: the user interface or the core is missing. Run `npm run build` and start Coffer again.');
      return;
    }
    hardenSession(session.defaultSession);
    handleAppProtocol(RENDERER_DIR);
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, packaged: app.isPackaged })));
    core = startCore({
      modulePath: CORE_MODULE,
      datadir,
      onEvent: (event) => sendEvent(windowRef, event),
      // Not restarted: a core that failed once (bad datadir, corrupt database) would most likely
      // fail again, and a silent restart would lose the unlocked state under the user's feet.
      onUnexpectedExit: (code) =>
        fatal(`The Coffer core stopped unexpectedly (exit code ${code}), so Coffer will close. Start Coffer again; your wallet files are kept in ${datadir}.`),
    });
    routeCalls(windowRef, core.link);
    win = createMainWindow({ preload: PRELOAD, methods: METHOD_NAMES, packaged: app.isPackaged });
    win.on('closed', () => (win = undefined));
  };

  app.whenReady().then(start).catch(() => fatal('Coffer could not start its window. Start Coffer again.'));
}

main();
