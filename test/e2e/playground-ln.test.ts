// The playground's Lightning peer in the real UI: Debian's Chromium against `coffer serve`, whose core
// runs the embedded regtest node, the wallet's Lightning node and the playground peer. A newcomer
// starts the playground from onboarding, opens a channel to the peer, pays it, is paid by it and
// closes the channel; then takes a channel the peer funds, is paid first, pays back and closes it,
// typing no node address and no command.

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, SCREENSHOTS, type WatchedPage } from '../helpers/browser.js';
import { serve, type ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import { byId, channelCard, eventually, textOf, waitForChannel } from './pages.js';

const PASSWORD = 'correct horse battery';

describe('the playground peer in the desktop UI', () => {
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;
  let channelId = '';
  /** The channel the peer funded. */
  let offeredId = '';
  /** The wallet's side once the channel is usable, msat. */
  let local0 = 0;

  beforeAll(async () => {
    browser = await launchBrowser();
    shell = await serve(tmpDir('coffer-e2e-playground-ln-'));
    watched = await openPage(browser, shell.url);
    page = watched.page;
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
  });

  it('starts the playground from onboarding; the channels screen shows the peer ready to take a channel', async () => {
    await byId(page, 'onboarding/playground').click();
    await byId(page, 'playground/password').fill(PASSWORD);
    await byId(page, 'playground/confirm').fill(PASSWORD);
    await byId(page, 'playground/start').click();
    await byId(page, 'screen/dashboard').waitFor({ timeout: 60_000 });
    await byId(page, 'nav/channels').click();
    const nodeId = (await textOf(page, 'playground-peer/node-id')).trim();
    expect(nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(await textOf(page, 'playground-peer/uri')).toMatch(new RegExp(`^${nodeId}@127\\.0\\.0\\.1:\\d+$`));
    expect(await byId(page, 'channels/empty').count()).toBe(1);
    await screenshot(page, 'playground-ln-01-peer');
  });

  it('opens a channel to the peer in one click; the playground mines its confirmations and it becomes usable', async () => {
    await byId(page, 'playground-peer/open').click();
    await byId(page, 'toast').filter({ hasText: 'to the playground peer opened' }).first().waitFor({ timeout: 60_000 });
    const card = page.locator('[data-testid="channel"]').first();
    channelId = (await card.getAttribute('data-channel-id', { timeout: 30_000 })) ?? '';
    expect(channelId).toMatch(/^[0-9a-f]{64}$/);
    expect(await card.getByTestId('channel/counterparty').textContent()).toBe((await textOf(page, 'playground-peer/node-id')).trim());
    const ready = await waitForChannel(page, channelId, (c) => c.state === 'ready' && c.usable, 'the channel ready and usable');
    expect(ready.localMsat + ready.remoteMsat).toBe(1_000_000_000);
    local0 = ready.localMsat;
    // The peer has nothing on its side yet: asked to pay, it says so, in the card's own words.
    await byId(page, 'playground-peer/get-paid').click();
    const err = byId(page, 'playground-peer/action-error');
    expect(await textOf(page, 'playground-peer/action-error')).toBe('The playground peer has too little on its side of the channel to pay you: pay it first.');
    expect(await err.getAttribute('data-code')).toBe('insufficient-funds');
  });

  it('pays an invoice the peer makes, through the pay form', async () => {
    await byId(page, 'playground-peer/invoice').click();
    expect(await textOf(page, 'channels/pay-asked')).toBe('This invoice asks for 20,000 sats.');
    expect(await textOf(page, 'channels/pay-payee')).toBe((await textOf(page, 'playground-peer/node-id')).trim());
    await byId(page, 'channels/pay-submit').click();
    await byId(page, 'channels/paid').waitFor({ timeout: 30_000 });
    expect(await textOf(page, 'channels/paid-fee')).toBe('0 sats');
    await waitForChannel(page, channelId, (c) => c.localMsat === local0 - 20_000_000 && c.remoteMsat === 20_000_000, 'the balances after paying the peer');
    await screenshot(page, 'playground-ln-02-paid');
  });

  it('is paid by the peer in one click', async () => {
    await byId(page, 'playground-peer/get-paid').click();
    await byId(page, 'toast').filter({ hasText: 'The playground peer paid you 5,000 sats.' }).first().waitFor({ timeout: 30_000 });
    await waitForChannel(page, channelId, (c) => c.localMsat === local0 - 15_000_000 && c.remoteMsat === 15_000_000, 'the balances after being paid');
    // The README's picture: the peer's card, once the notices have faded.
    await eventually(() => byId(page, 'toast').count(), (n) => n === 0, 30_000, 'the notices gone');
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await byId(page, 'playground-peer').screenshot({ path: path.join(SCREENSHOTS, 'playground-ln-02b-peer-card.png') });
  });

  it('closes the channel with its close button; a mined block settles it', async () => {
    const card = channelCard(page, channelId);
    await card.getByTestId('channel/close').click();
    await card.getByTestId('channel/close-confirm').click();
    await byId(page, 'toast').filter({ hasText: 'Channel closing' }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'playground-ln-03-closing');
    await byId(page, 'playground-peer/mine').click();
    await byId(page, 'channels/empty').waitFor({ timeout: 30_000 });
    // The peer takes another channel: the open button is back.
    await byId(page, 'playground-peer/open').waitFor({ timeout: 30_000 });
    expect(watched.problems).toEqual([]);
  });

  it('accepts a channel the peer funds in one click; the peer pays first', async () => {
    // The README's picture: the card offering both ways to a channel.
    await byId(page, 'playground-peer').screenshot({ path: path.join(SCREENSHOTS, 'playground-ln-04-offer-card.png') });
    await byId(page, 'playground-peer/offer').click();
    await byId(page, 'toast').filter({ hasText: 'The playground peer opened a channel of 1,000,000 sats to you' }).first().waitFor({ timeout: 60_000 });
    const card = page.locator('[data-testid="channel"]').first();
    offeredId = (await card.getAttribute('data-channel-id', { timeout: 30_000 })) ?? '';
    expect(offeredId).toMatch(/^[0-9a-f]{64}$/);
    expect(offeredId).not.toBe(channelId);
    expect(await card.getByTestId('channel/counterparty').textContent()).toBe((await textOf(page, 'playground-peer/node-id')).trim());
    // All of it on the peer's side: nothing of the wallet's went in.
    const ready = await waitForChannel(page, offeredId, (c) => c.state === 'ready' && c.usable, 'the peer’s channel ready and usable');
    expect(ready.localMsat).toBe(0);
    await byId(page, 'playground-peer/get-paid').click();
    await byId(page, 'toast').filter({ hasText: 'The playground peer paid you 50,000 sats.' }).first().waitFor({ timeout: 30_000 });
    await waitForChannel(page, offeredId, (c) => c.localMsat === 50_000_000, 'the wallet’s side after being paid');
    await screenshot(page, 'playground-peer-offer');
  });

  it('pays the peer back on its channel and closes it', async () => {
    await byId(page, 'playground-peer/invoice').click();
    expect(await textOf(page, 'channels/pay-asked')).toBe('This invoice asks for 20,000 sats.');
    await byId(page, 'channels/pay-submit').click();
    await waitForChannel(page, offeredId, (c) => c.localMsat === 30_000_000, 'the wallet’s side after paying back');
    const card = channelCard(page, offeredId);
    await card.getByTestId('channel/close').click();
    await card.getByTestId('channel/close-confirm').click();
    await byId(page, 'toast').filter({ hasText: 'Channel closing' }).first().waitFor({ timeout: 30_000 });
    await byId(page, 'playground-peer/mine').click();
    await byId(page, 'channels/empty').waitFor({ timeout: 30_000 });
    expect(watched.problems).toEqual([]);
  });
});
