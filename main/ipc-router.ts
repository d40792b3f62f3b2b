// The IPC router's decisions, free of Electron so they can be tested with plain objects: is this
// call from our window's main frame on app://coffer, is it a known method with valid params, and
// only then forward it to the core (a backup, restore or watchtower package with the file the user
// chose in main's dialog).

import { parseCall, type Method } from '../src/api/contract.js';
import { toWireError, type Result } from '../src/api/errors.js';
import { APP_HOST, APP_SCHEME } from './channels.js';

/** A reply as it crosses IPC: the core's value, or an error with a code the renderer branches on. */
export type WireReply = Result<unknown>;

/** What main knows about who sent an IPC message (built from an IpcMainInvokeEvent). */
export interface SenderInfo {
  /** event.sender.id */
  webContentsId: number;
  /** event.senderFrame is the main frame of that webContents (not an iframe, not a destroyed frame). */
  isMainFrame: boolean;
  /** The sending frame's URL, when the frame still exists. */
  url: string | undefined;
}

/** True for app://coffer/... exactly: no other scheme, host, port or credentials. */
export function isAppUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** The one permission granted, to the one origin: writing (sanitized) text to the clipboard. */
export function mayUse(permission: string, url: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(url);
}

/**
 * Only our one window's main frame, showing our own pages, may call the core. A subframe, another
 * webContents (a devtools window, a future helper) or a page from elsewhere may not.
 */
export function isTrustedSender(sender: SenderInfo, windowWebContentsId: number | undefined): boolean {
  return windowWebContentsId !== undefined && sender.webContentsId === windowWebContentsId && sender.isMainFrame && isAppUrl(sender.url);
}

export function usageError(message: string): WireReply {
  return { ok: false, error: { code: 'usage', message } };
}

const INTERNAL: WireReply = { ok: false, error: toWireError(undefined) };

/** The methods whose file the user chooses in a dialog of main's; the page never names it. */
export const DIALOG_METHODS = ['channel.backup', 'vault.backup', 'vault.restore', 'vault.exportPackage'] as const satisfies readonly Method[];
export type DialogMethod = (typeof DIALOG_METHODS)[number];

function isDialogMethod(method: Method): method is DialogMethod {
  return (DIALOG_METHODS as readonly Method[]).includes(method);
}

export interface RouterDeps<S> {
  isTrustedSender(sender: S): boolean;
  /** Sends a parsed call to the core; resolves with the core's reply to it. */
  forward(method: Method, params: unknown): Promise<WireReply>;
  /** Asks the user for the method's file (a save dialog, an open dialog for a restore); undefined when cancelled. */
  chooseFile(method: DialogMethod): Promise<string | undefined>;
}

/**
 * A channel or vault backup, a vault restore, a watchtower package from the window: the file the
 * core will write (and rewrite after every change) or read is chosen by the user in main's
 * dialog, never named by the renderer (a page that went wrong could otherwise have the core write
 * wherever it liked). The other params (a password) go with it.
 */
async function withChosenFile<S>(deps: RouterDeps<S>, method: DialogMethod, params: unknown): Promise<WireReply> {
  const p = params as { file?: unknown };
  if (p.file !== undefined) return usageError('In the desktop app this file is chosen in a dialog, not named by the page.');
  const file = await deps.chooseFile(method);
  if (file === undefined) return { ok: true, value: { cancelled: true } };
  return deps.forward(method, { ...p, file });
}

/** Returns the handler for 'coffer:call': it always resolves with a reply and never throws. */
export function createRouter<S>(deps: RouterDeps<S>): (sender: S, method: unknown, params: unknown) => Promise<WireReply> {
  return async (sender, method, params) => {
    // The sender first: an untrusted frame learns nothing about which methods or params are valid.
    if (!deps.isTrustedSender(sender)) return usageError('This request did not come from the Coffer window, so it was refused.');
    const call = parseCall(method, params);
    if (!call) {
      return typeof method === 'string' && /^[a-zA-Z.]{1,64}$/.test(method)
        ? usageError(`The request ${method} is unknown or its parameters are not valid.`)
        : usageError('The request is unknown or its parameters are not valid.');
    }
    try {
      if (isDialogMethod(call.method)) return await withChosenFile(deps, call.method, call.params);
      return await deps.forward(call.method, call.params);
    } catch {
      // Never pass an exception (or its stack) to the renderer; the params are not logged either,
      // since they may hold a password.
      return INTERNAL;
    }
  };
}
