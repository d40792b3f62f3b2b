// The app:// protocol: serves the built renderer (dist/renderer) at app://coffer/, with the CSP as
// a response header. A custom privileged scheme rather than file://, so the page has a real
// origin that the IPC router can check and the CSP's 'self' means only these files.

import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { isInside, resolveAppFile, responseHeaders } from './app-files.js';
import { APP_SCHEME } from './channels.js';

/** Must run before app 'ready'. Standard: relative URLs and an origin; secure: a secure context. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    // No corsEnabled (it would let other origins read these files), no bypassCSP, no service workers.
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}

/** The largest file of the built renderer served (the bundle is a few MB). */
const MAX_APP_FILE = 64 * 1024 * 1024;

/** A regular file of at most MAX_APP_FILE bytes, checked on the opened file (a FIFO must not hang the app). */
async function readAppFile(file: string): Promise<Buffer | undefined> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_APP_FILE) return undefined;
    const body = Buffer.alloc(st.size);
    const { bytesRead } = await handle.read(body, 0, st.size, 0);
    return body.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Serves files from `rendererDir` only; after app 'ready'. */
export function handleAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const file = resolveAppFile(rendererDir, request.url);
    if (!file) return plain(404, 'Not found');
    try {
      // A symlink inside the folder must not lead out of it either.
      const real = await fs.realpath(file);
      if (!isInside(await fs.realpath(rendererDir), real)) return plain(404, 'Not found');
      const body = await readAppFile(real);
      if (!body) return plain(404, 'Not found');
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: responseHeaders(real) });
    } catch {
      return plain(404, 'Not found');
    }
  });
}
