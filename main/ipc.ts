// Wires the IPC router to Electron: 'coffer:call' from the renderer goes through ipc-router.ts
// (sender, then schema) to the core; a backup, a vault restore or a watchtower package first
// through a save or open dialog shown here; the core's events go to the window as 'coffer:event'.

import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import type { CofferEvent } from '../src/api/contract.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';
import type { CoreLink } from './core-link.js';
import { createRouter, isTrustedSender, type DialogMethod, type SenderInfo } from './ipc-router.js';

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

const VAULT_BACKUP = { name: 'Coffer vault backup', extensions: ['backup'] };

/** Where each kept file goes: a save dialog, named as the core will accept it. */
const SAVE: Record<Exclude<DialogMethod, 'vault.restore'>, SaveDialogOptions> = {
  'channel.backup': { title: 'Keep the channel backup in', defaultPath: 'coffer-channels.backup', buttonLabel: 'Keep backup here', filters: [{ name: 'Coffer channel backup', extensions: ['backup'] }] },
  'vault.backup': { title: 'Keep the vault backup in', defaultPath: 'coffer-vaults.backup', buttonLabel: 'Keep backup here', filters: [VAULT_BACKUP] },
  'vault.exportPackage': { title: 'Keep the watchtower package in', defaultPath: 'coffer-watchtower.json', buttonLabel: 'Keep package here', filters: [{ name: 'Watchtower package', extensions: ['json'] }] },
};
const RESTORE: OpenDialogOptions = { title: 'Restore vaults from the backup', buttonLabel: 'Restore', filters: [VAULT_BACKUP], properties: ['openFile'] };

/** The file the user chose for `method`, or undefined when the dialog was closed. */
async function chooseFile(win: BrowserWindow | undefined, method: DialogMethod): Promise<string | undefined> {
  const parent = win && !win.isDestroyed() ? win : undefined;
  if (method === 'vault.restore') {
    const r = parent ? await dialog.showOpenDialog(parent, RESTORE) : await dialog.showOpenDialog(RESTORE);
    return r.canceled ? undefined : r.filePaths[0];
  }
  const options: SaveDialogOptions = { ...SAVE[method], properties: ['createDirectory', 'showOverwriteConfirmation'] };
  const r = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? undefined : r.filePath;
}

export function routeCalls(windowRef: WindowRef, link: CoreLink): void {
  const route = createRouter<IpcMainInvokeEvent>({
    isTrustedSender(event) {
      const win = windowRef();
      const id = win && !win.isDestroyed() ? win.webContents.id : undefined;
      return isTrustedSender(senderInfo(event, win), id);
    },
    forward: (method, params) => link.call(method, params),
    chooseFile: (method) => chooseFile(windowRef(), method),
  });
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, params: unknown) => route(event, method, params));
}

export function sendEvent(windowRef: WindowRef, event: CofferEvent): void {
  const win = windowRef();
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  win.webContents.send(EVENT_CHANNEL, event);
}
