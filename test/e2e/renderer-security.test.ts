// The page itself, in Chromium against `coffer serve`: no Node in reach, and a Content-Security-Policy
// that stops script a hostile string might smuggle into the DOM, and any talk to another origin.
// The session stays with Coffer: another local web server the same browser visits learns nothing
// it could open the API with, and the launch URL opens Coffer once.

import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { launchBrowser, openPage, type WatchedPage } from '../helpers/browser.js';
import { serve, type ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';

/** Runs source text in the page (a string, so the test needs no DOM types). */
function inPage<T>(page: Page, source: string): Promise<T> {
  return page.evaluate(source) as Promise<T>;
}

describe('renderer security in the browser shell', () => {
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;

  beforeAll(async () => {
    browser = await launchBrowser();
    shell = await serve(tmpDir('coffer-e2e-sec-'));
    watched = await openPage(browser, shell.url);
    await watched.page.getByTestId('onboarding/welcome').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
  });

  it('has no require, process, module, Buffer or global in the page', async () => {
    const kinds = await inPage<Record<string, string>>(
      watched.page,
      `({ require: typeof require, process: typeof process, module: typeof module, Buffer: typeof Buffer, global: typeof global, exports: typeof exports })`,
    );
    expect(kinds).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined', global: 'undefined', exports: 'undefined' });
    // Nor an Electron bridge: in the browser shell the API is a WebSocket inside the bundle.
    expect(await inPage(watched.page, `[typeof window.ipcRenderer, typeof window.electron, typeof window.coffer]`)).toEqual(['undefined', 'undefined', 'undefined']);
    expect(watched.problems).toEqual([]);
  });

  it('refuses inline script, eval and inline event handlers injected into the DOM', async () => {
    const page = watched.page;
    const violations = await inPage<string[]>(
      page,
      `new Promise((resolve) => {
        const seen = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          seen.push(e.violatedDirective);
          if (seen.length === 2) resolve(seen);
        });
        const s = document.createElement('script');
        s.textContent = 'window.__injected = 1';
        document.body.append(s);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__handler = 1');
        img.src = 'data:,not-an-image';
        document.body.append(img);
        setTimeout(() => resolve(seen), 10000);
      })`,
    );
    expect(await inPage(page, 'typeof window.__injected')).toBe('undefined');
    expect(await inPage(page, 'typeof window.__handler')).toBe('undefined');
    expect(violations.some((d) => d.startsWith('script-src'))).toBe(true);
    // A string timer is compiled by the page itself, so the policy's missing 'unsafe-eval' applies.
    const blockedEval = await inPage<string>(
      page,
      `new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.blockedURI));
        setTimeout('window.__timer = 1', 0);
        setTimeout(() => resolve('no violation'), 10000);
      })`,
    );
    expect(blockedEval).toBe('eval');
    expect(await inPage(page, 'typeof window.__timer')).toBe('undefined');
  });

  it('cannot reach another origin: fetch and WebSocket elsewhere are blocked by the policy', async () => {
    const blocked = await inPage<string[]>(
      watched.page,
      `new Promise((resolve) => {
        const seen = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          seen.push(e.effectiveDirective + ' ' + e.blockedURI);
          if (seen.length === 2) resolve(seen);
        });
        fetch('http://127.0.0.1:9/x').catch(() => {});
        try { new WebSocket('ws://127.0.0.1:9/'); } catch {}
        setTimeout(() => resolve(seen), 10000);
      })`,
    );
    expect(blocked).toEqual(expect.arrayContaining(['connect-src http://127.0.0.1:9/x', 'connect-src ws://127.0.0.1:9/']));
  });

  it('another local web server the browser visits after Coffer learns nothing that opens the API', async () => {
    const context = watched.page.context();
    const session = (await context.cookies()).find((c) => c.httpOnly);
    expect(session?.value.length).toBeGreaterThanOrEqual(43);
    const launchToken = new URL(shell.url).searchParams.get('token')!;
    // A service on 127.0.0.1 (any port), serving a page that also has the browser ask it once more.
    const seen: http.IncomingHttpHeaders[] = [];
    const other = http.createServer((req, res) => {
      seen.push({ ...req.headers, 'x-url': req.url ?? '' });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>other</title><img src="/pixel.png">');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as { port: number }).port;
      const page = await context.newPage();
      for (const host of ['127.0.0.1', 'localhost']) {
        await page.goto(`http://${host}:${port}/`);
        await page.waitForLoadState('networkidle');
      }
      await page.close();
      expect(seen.length).toBeGreaterThanOrEqual(2);
      const heard = JSON.stringify(seen);
      expect(heard).not.toContain(session!.value);
      expect(heard).not.toContain(launchToken);
      expect(heard).not.toContain('coffer');
      // Whatever it heard (cookies included), with the Origin and Host forged to Coffer's own and
      // the launch token in every place it might go: the API stays shut.
      const shellUrl = new URL(shell.url);
      const heardCookies = seen.map((h) => h.cookie).filter((c): c is string => typeof c === 'string');
      const attempts: { cookie?: string; query?: string }[] = [
        ...heardCookies.map((cookie) => ({ cookie })),
        { cookie: `coffer-session=${launchToken}` },
        { cookie: `coffer-${shellUrl.port}=${launchToken}` },
        { query: `?token=${launchToken}` },
        {},
      ];
      for (const a of attempts) {
        const socket = new WebSocket(`ws://127.0.0.1:${shellUrl.port}/api${a.query ?? ''}`, {
          origin: shellUrl.origin,
          headers: { host: shellUrl.host, ...(a.cookie ? { cookie: a.cookie } : {}) },
        });
        const result = await new Promise<string | number>((resolve) => {
          socket.once('open', () => resolve('open'));
          socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          socket.once('error', () => resolve(-1));
        });
        socket.terminate();
        expect(result, JSON.stringify(a)).toBe(403);
      }
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('refuses the launch URL a second time in another browser; the first browser goes on to the app', async () => {
    const stranger = await browser.newContext();
    try {
      const page = await stranger.newPage();
      const r = await page.goto(shell.url);
      expect(r?.status()).toBe(403);
      expect(await page.textContent('body')).toContain('already used');
      expect(await stranger.cookies()).toEqual([]);
    } finally {
      await stranger.close();
    }
    const again = await watched.page.context().newPage();
    await again.goto(shell.url);
    await again.getByTestId('onboarding/welcome').waitFor();
    expect(new URL(again.url()).search).toBe('');
    await again.close();
  });
});
