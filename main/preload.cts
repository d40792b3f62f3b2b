// The sandboxed preload: exposes window.coffer (one function per API method, plus onEvent) and
// nothing else; ipcRenderer itself never reaches the page. Electron evaluates it as a CommonJS
// script that may require only 'electron', so it imports types alone and gets the method names
// from main through process.argv.

import type { CofferApi, CofferEvent } from '../src/api/contract.js';
import electron = require('electron');

// Repeated from main/channels.ts (which this script cannot load); test/unit/preload.test.ts
// checks that the two agree.
const CALL_CHANNEL = 'coffer:call';
const EVENT_CHANNEL = 'coffer:event';
const METHODS_ARG = '--coffer-methods=';
/** `group.name`: the shape of every method in src/api/contract.ts, and never `onEvent` or `__proto__`. */
const METHOD_NAME = /^[a-z][a-zA-Z]{0,30}\.[a-z][a-zA-Z]{0,30}$/;

const { contextBridge, ipcRenderer } = electron;

function methodNames(argv: readonly string[]): string[] {
  const arg = argv.find((a) => a.startsWith(METHODS_ARG));
  if (arg === undefined) return [];
  return [...new Set(arg.slice(METHODS_ARG.length).split(',').filter((name) => METHOD_NAME.test(name)))];
}

const api: Record<string, unknown> = {
  onEvent(listener: (event: CofferEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    // The page gets the event alone, never the IpcRendererEvent (which carries `sender`).
    const forward = (_ipc: unknown, event: CofferEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
};
for (const method of methodNames(process.argv)) {
  // Only `params` crosses; main checks the sender and the params before the core sees them.
  api[method] = (params: unknown) => ipcRenderer.invoke(CALL_CHANNEL, method, params);
}

// The names arrive at run time, so the compiler cannot check this object against CofferApi;
// test/unit/preload.test.ts does (every METHOD_NAMES entry, and nothing else).
const coffer = api as unknown as CofferApi;
contextBridge.exposeInMainWorld('coffer', coffer);
