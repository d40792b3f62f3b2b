// app://coffer/ serves only files inside the built renderer folder (main/app-files.ts), with the CSP.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, contentType, isInside, resolveAppFile, responseHeaders } from '../../main/app-files.js';

const ROOT = path.resolve('/srv/coffer/dist/renderer');

describe('resolveAppFile', () => {
  it('maps app://coffer/ paths into the renderer folder', () => {
    expect(resolveAppFile(ROOT, 'app://coffer/index.html')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppFile(ROOT, 'app://coffer/')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppFile(ROOT, 'app://coffer')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppFile(ROOT, 'app://coffer/assets/index-B1a2.js?v=1#x')).toBe(path.join(ROOT, 'assets', 'index-B1a2.js'));
    expect(resolveAppFile(ROOT, 'app://coffer/assets/a%20b.svg')).toBe(path.join(ROOT, 'assets', 'a b.svg'));
  });

  // The URL parser itself resolves `..` and `%2e%2e` segments (app://coffer/%2e%2e/x is
  // app://coffer/x), so those land inside the folder; nothing may land outside it.
  it.each(['app://coffer/../package.json', 'app://coffer/assets/../../secret', 'app://coffer/%2e%2e/package.json', 'app://coffer/%2E%2E/%2E%2E/etc/passwd'])(
    'keeps %s inside the folder',
    (url) => {
      const file = resolveAppFile(ROOT, url);
      expect(file).toBeDefined();
      expect(isInside(ROOT, file!)).toBe(true);
    },
  );

  it.each([
    'app://coffer/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    'app://coffer/..%2fpackage.json',
    'app://coffer/..%5cpackage.json',
    'app://coffer/%5c..%5c..%5cwindows',
    'app://coffer/C:%5cWindows%5cwin.ini',
    'app://coffer/c:/Windows/win.ini',
    'app://coffer/%2fetc%2fpasswd',
    'app://coffer/index.html%00.png',
    'app://coffer/%',
    'app://coffer/%E0%A4%A',
    'app://evil/index.html',
    'app://coffer:8080/index.html',
    'app://user@coffer/index.html',
    'file:///etc/passwd',
    'https://coffer/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(ROOT, url)).toBeUndefined();
  });

  it('isInside is false for the root itself, parents, siblings and other drives', () => {
    expect(isInside(ROOT, path.join(ROOT, 'a'))).toBe(true);
    expect(isInside(ROOT, ROOT)).toBe(false);
    expect(isInside(ROOT, path.dirname(ROOT))).toBe(false);
    expect(isInside(ROOT, `${ROOT}-other/index.html`)).toBe(false);
  });
});

describe('headers', () => {
  it('send the CSP, nosniff and a content type with every file', () => {
    const h = responseHeaders('/x/assets/index.js');
    expect(h['content-security-policy']).toBe(CSP);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['content-type']).toBe('text/javascript; charset=utf-8');
    expect(contentType('index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentType('font.woff2')).toBe('font/woff2');
    expect(contentType('unknown.bin')).toBe('application/octet-stream');
  });

  it('the CSP allows no inline script or style, no eval and no remote origin', () => {
    const directives = new Map(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CSP).not.toMatch(/unsafe-|https?:|\*|blob:/);
  });
});
