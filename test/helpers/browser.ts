// Debian's Chromium driven by playwright-core, with the flags these machines need, and the page
// errors and screenshots an end-to-end test collects.

import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['COFFER_CHROMIUM'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium) or set COFFER_CHROMIUM to its path.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions and console errors seen so far (a test expects none). */
  problems: string[];
}

export async function openPage(browser: Browser, url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 }, colorScheme });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/**
 * Another tab of the browser that opened `page` (its session cookie with it), at the app's start:
 * the launch URL opens Coffer once, so a second browser context could not get in.
 */
export async function openAnotherPage(page: Page, colorScheme: 'light' | 'dark' = 'light'): Promise<WatchedPage> {
  const next = await page.context().newPage();
  await next.emulateMedia({ colorScheme });
  const problems: string[] = [];
  next.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  next.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await next.goto(new URL('/', page.url()).toString());
  return { page: next, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // From the top: a page left scrolled draws its sticky top bar halfway down the whole-page picture.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
