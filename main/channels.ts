// Names shared by main and the preload. The sandboxed preload cannot import this file at run time,
// so main/preload.cts repeats them; test/unit/preload.test.ts checks both agree.

/** renderer -> main: ipcRenderer.invoke(CALL_CHANNEL, method, params) resolves to a Reply. */
export const CALL_CHANNEL = 'coffer:call';
/** main -> renderer: webContents.send(EVENT_CHANNEL, event) for every CofferEvent. */
export const EVENT_CHANNEL = 'coffer:event';
/** How main hands the preload the method names (webPreferences.additionalArguments). */
export const METHODS_ARG = '--coffer-methods=';

/** The renderer's origin: app://coffer, served by main/app-protocol.ts. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'coffer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;
