// Policy for every web page Electron creates: no permissions, no devices, no network, no
// navigation, no new windows, no <webview>. The renderer needs none of these to show a wallet.

import { app, type Session, type WebContents } from 'electron';
import { mayUse } from './ipc-router.js';

/** Deny-all handlers on a session (the window uses the default session). */
export function hardenSession(ses: Session): void {
  // Camera, notifications, clipboard-read, geolocation...: refused without asking the user. Only
  // our own page may write to the clipboard (the Copy buttons); it can never read it.
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(mayUse(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => mayUse(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  // The CSP already forbids remote origins; this also stops anything the CSP does not cover
  // (a favicon, a prefetch) from reaching the network.
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_details, callback) => callback({ cancel: true }));
}

/** Our window's webContents and any other one (devtools, a page the renderer tries to open). */
export function lockDownWebContents(contents: WebContents): void {
  const deny = (event: { preventDefault(): void }) => event.preventDefault();
  // The app loads its one page programmatically (loadURL), which emits none of these, so any
  // of them is the page (or something injected into it) trying to go elsewhere.
  contents.on('will-navigate', deny);
  contents.on('will-frame-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Registers the guard for every webContents created from now on; call before the first window. */
export function guardAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents));
}
