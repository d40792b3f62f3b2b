// The page itself, in Chromium against `coffer serve`: no Node in reach, and a Content-Security-Policy
// that stops script a hostile string might smuggle into the DOM, and any talk to another origin.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
