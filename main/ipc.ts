// Wires the IPC router to Electron: 'coffer:call' from the renderer goes through ipc-router.ts
// (sender, then schema) to the core; 'channel.backup' first through a save dialog shown here;
// the core's events go to the window as 'coffer:event'.

import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type SaveDialogOptions } from 'electron';
import type { CofferEvent } from '../src/api/contract.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';
import type { CoreLink } from './core-link.js';
import { createRouter, isTrustedSender, type SenderInfo } from './ipc-router.js';

/** The current window, or undefined while there is none. */
export type WindowRef = () => BrowserWindow | undefined;

/** Reads what the router needs from an invoke event; a frame that is gone is not trusted. */
function senderInfo(event: IpcMainInvokeEvent, win: BrowserWindow | undefined): SenderInfo {
  try {
    const frame = event.senderFrame;
    const mainFrame = win && !win.isDestroyed() ? win.webContents.mainFrame : undefined;
    return { webContentsId: event.sender.id, isMainFrame: frame !== null && frame === mainFrame, url: frame?.url };
  } catch {
    // Accessing a frame that was disposed in the meantime throws.
    return { webContentsId: event.sender.id, isMainFrame: false, url: undefined };
  }
}

export function routeCalls(windowRef: WindowRef, link: CoreLink): void {
  const route = createRouter<IpcMainInvokeEvent>({
    isTrustedSender(event) {
      const win = windowRef();
      const id = win && !win.isDestroyed() ? win.webContents.id : undefined;
      return isTrustedSender(senderInfo(event, win), id);
    },
    forward: (method, params) => link.call(method, params),
    chooseBackupFile: async () => {
      const options: SaveDialogOptions = {
        title: 'Keep the channel backup in',
        defaultPath: 'coffer-channels.backup',
        buttonLabel: 'Keep backup here',
        filters: [{ name: 'Coffer channel backup', extensions: ['backup'] }],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      };
      const win = windowRef();
      const r = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? undefined : r.filePath;
    },
  });
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, params: unknown) => route(event, method, params));
}

export function sendEvent(windowRef: WindowRef, event: CofferEvent): void {
  const win = windowRef();
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  win.webContents.send(EVENT_CHANNEL, event);
}
