// Which file an app://coffer/... request may read from the built renderer folder, its content
// type, and the Content-Security-Policy sent with it. Pure, so path traversal is tested directly.

import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './channels.js';

/**
 * The renderer runs only its own bundled script and styles and talks to the core through the
 * preload, never the network: no inline script or style, no remote origin, no frames, no forms.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "manifest-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers for every response of the app protocol. */
export function responseHeaders(file: string): Record<string, string> {
  return {
    'content-type': contentType(file),
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

/** `rel` is inside the root: not `..`, not `../x`, not absolute (another drive on Windows). */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The absolute path an app://coffer/<path> request names inside `root`, or undefined when the
 * URL is not ours or tries to leave `root` (encoded `..`, backslashes, drive letters, NUL).
 * `/` means index.html. Symlinks are checked by the caller, which can touch the disk.
 */
export function resolveAppFile(root: string, requestUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port !== '' || u.username !== '' || u.password !== '') return undefined;
  let segments: string[];
  try {
    // URL parsing already removed literal dot segments; decoding can bring back %2e%2e and %2f.
    segments = u.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return undefined; // malformed percent-encoding
  }
  if (segments.length === 0) segments = ['index.html'];
  const bad = segments.some((s) => s === '.' || s === '..' || /[\\/:\0]/.test(s));
  if (bad) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  return isInside(base, file) ? file : undefined;
}
