// Amounts as a Sparrow or Electrum user expects them, in the real UI against a real core and a
// regtest node: a mined payment marked maturing and kept out of the balance, an unconfirmed send
// named as outgoing, the unit chosen in Settings, and a fiat value from a local price server (off
// until chosen; its price and age shown). Screenshots of each changed screen.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { serve, type ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import { answerQuiz, byId, createWallet, eventually, satsOf, shownAddress, startSend, textOf, waitForBalances } from './pages.js';

const PASSWORD = 'correct horse battery';
const BTC = 100_000_000;
const PRICE = 50_000;

describe('amounts in the desktop UI: maturing coins, pending, unit and fiat', () => {
  let node: RegtestNode;
  let browser: Browser;
  let shell: ServeProcess;
  let page: Page;
  let prices: http.Server;
  let priceUrl = '';
  let priceRequests = 0;
  /** The page's locale, for the figures it writes. */
  let locale = 'en-US';
  let confirmed = 0;

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    prices = http.createServer((req, res) => {
      priceRequests++;
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/price' ? JSON.stringify({ USD: PRICE }) : '{"USD":"much"}');
    });
    await new Promise<void>((r) => prices.listen(0, '127.0.0.1', r));
    priceUrl = `http://127.0.0.1:${(prices.address() as AddressInfo).port}/price`;
    browser = await launchBrowser();
    shell = await serve(tmpDir('coffer-e2e-amounts-'));
    page = (await openPage(browser, shell.url)).page;
    locale = (await page.evaluate('navigator.language')) as string;
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await node?.close();
    prices?.close();
  });

  it('marks a mined payment as maturing and keeps it out of the balance', async () => {
    const words = await createWallet(page, { peer: node.address, password: PASSWORD });
    await byId(page, 'backup/written').click();
    await answerQuiz(page, words);
    await byId(page, 'screen/dashboard').waitFor({ timeout: 30_000 });
    const address = await shownAddress(page);
    await node.send(address, BTC);
    await node.mine(1);
    await node.mine(1, address);
    const b = await waitForBalances(page, (x) => x.confirmed === BTC && x.immature > 0, 'the payment and the mined coins');
    confirmed = b.confirmed;

    await byId(page, 'nav/history').click();
    const mined = page.getByTestId('tx-row').filter({ has: page.getByTestId('tx-maturing') });
    await mined.first().waitFor();
    expect(await mined.count()).toBe(1);
    expect(await mined.getByTestId('tx-status').textContent()).toBe('maturing 1 of 101 confirmations');
    expect(satsOf((await mined.getByTestId('tx-amount').textContent()) ?? '')).toBe(b.immature);
    await screenshot(page, 'amounts-history-maturing');

    await byId(page, 'nav/coins').click();
    await byId(page, 'coins/list').waitFor();
    const maturing = page.getByTestId('coin-row').filter({ has: page.getByTestId('coin/maturing') });
    expect(await maturing.count()).toBe(1);
    expect(satsOf((await maturing.getByTestId('coin/value').textContent()) ?? '')).toBe(b.immature);
    await screenshot(page, 'amounts-coins-maturing');

    // The mined coins cannot be spent: sending more than the payment is refused.
    await startSend(page, { address: node.walletAddress, amount: '1.5' });
    expect(await textOf(page, 'send/error')).toMatch(/^Not enough bitcoin/);
  });

  it('names an unconfirmed send as outgoing rather than showing a bare negative number', async () => {
    await startSend(page, { address: node.walletAddress, amount: '0.1' });
    await byId(page, 'review/confirm').click();
    await byId(page, 'send/done').waitFor({ timeout: 30_000 });
    const b = await waitForBalances(page, (x) => x.pending < 0, 'the send as pending');
    expect(b.pending).toBeLessThan(-0.1 * BTC);
    expect(await textOf(page, 'dashboard/pending-label')).toBe('Outgoing, unconfirmed');
    await screenshot(page, 'amounts-overview-pending');
  });

  it('shows no fiat value and asks no price source until one is chosen', async () => {
    await byId(page, 'nav/dashboard').click();
    await byId(page, 'dashboard/confirmed').waitFor();
    expect(await byId(page, 'dashboard/confirmed-fiat').count()).toBe(0);
    expect(await byId(page, 'dashboard/price').count()).toBe(0);
    await byId(page, 'nav/settings').click();
    expect(await byId(page, 'settings/price-provider').inputValue()).toBe('off');
    expect(priceRequests).toBe(0);
  });

  it('shows every amount in sats once chosen, digits grouped', async () => {
    await byId(page, 'settings/unit').selectOption('sats');
    await byId(page, 'settings/amounts-done').waitFor();
    await byId(page, 'nav/dashboard').click();
    const grouped = `${new Intl.NumberFormat(locale).format(confirmed)} sats`;
    expect(await eventually(() => textOf(page, 'dashboard/confirmed'), (t) => t === grouped, 10_000, 'the balance in sats')).toBe(grouped);
    await byId(page, 'nav/history').click();
    await page.getByTestId('tx-row').first().waitFor();
    const amounts = await page.getByTestId('tx-amount').allTextContents();
    expect(amounts).toHaveLength(3);
    for (const a of amounts) expect(a).toMatch(/^[+-]?[\d.,\s\u00a0\u202f]+ sats$/);
    await byId(page, 'nav/settings').click();
    await byId(page, 'settings/unit').selectOption('btc');
    await byId(page, 'settings/amounts-done').waitFor();
  });

  it('shows a fiat value beside the balance from the chosen price source, with its age', async () => {
    await byId(page, 'settings/price-provider').selectOption('custom');
    await byId(page, 'settings/price-currency').selectOption('USD');
    await byId(page, 'settings/price-url').fill('http://prices.example/price');
    await byId(page, 'settings/price-save').click();
    expect(await textOf(page, 'settings/amounts-error')).toContain('must start with https://');
    await byId(page, 'settings/price-url').fill(priceUrl.replace('/price', '/bad'));
    await byId(page, 'settings/price-save').click();
    expect(await textOf(page, 'settings/amounts-error')).toContain('answered something other than a price');
    await byId(page, 'settings/price-url').fill(priceUrl);
    await byId(page, 'settings/price-save').click();
    const money = (n: number) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(n);
    const price = await eventually(() => textOf(page, 'settings/price'), (t) => t.startsWith('1 BTC'), 15_000, 'the price in Settings');
    expect(price).toBe(`1 BTC = ${money(PRICE)} (${new URL(priceUrl).host}, just now)`);
    await screenshot(page, 'amounts-settings');

    await byId(page, 'nav/dashboard').click();
    // The notices so far are dismissed: this picture is the README's.
    while ((await page.getByLabel('Dismiss notice').count()) > 0) await page.getByLabel('Dismiss notice').first().click();
    expect(await textOf(page, 'dashboard/confirmed-fiat')).toBe(`≈ ${money((confirmed / BTC) * PRICE)}`);
    expect(await textOf(page, 'dashboard/price')).toMatch(/^1 BTC = .* \(127\.0\.0\.1:\d+, (just now|\d+ s ago)\)$/);
    await screenshot(page, 'amounts-overview-fiat');

    // The send form's amount and review carry it too.
    await startSend(page, { address: node.walletAddress, amount: '0.01' });
    expect(await textOf(page, 'review/amount-fiat')).toBe(`≈ ${money(0.01 * PRICE)}`);
    await screenshot(page, 'amounts-send-review');
    await byId(page, 'review/back').click();
  });
});
