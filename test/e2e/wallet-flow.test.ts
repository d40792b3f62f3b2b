// A person's first session with Coffer, in the real UI: Debian's Chromium against `coffer serve`
// (a real core, SPV client) and a real bcoin regtest node. Create a wallet and confirm its words,
// receive and watch the balance arrive, send, lock and unlock, then restore the same words in a
// fresh data directory and find the same balance. Screenshots of every main screen go to
// test-results/screenshots.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openAnotherPage, openPage, screenshot, type WatchedPage } from '../helpers/browser.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import { serve, type ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  answerQuiz,
  byId,
  createWallet,
  eventually,
  lock,
  restoreWallet,
  satsOf,
  shownAddress,
  startSend,
  textOf,
  unlock,
  waitForBalances,
} from './pages.js';

const PASSWORD = 'correct horse battery';
const BTC = 100_000_000;

describe('the desktop UI in a browser, against a real core and a regtest node', () => {
  let node: RegtestNode;
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;
  const servers: ServeProcess[] = [];
  let words: string[] = [];
  let received = 0;
  let sentTxid = '';
  let finalBalance = 0;
  /** The tip after funding: the test's blocks come after it. */
  let funded = 0;

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    funded = node.tipHeight();
    browser = await launchBrowser();
    shell = await serve(tmpDir('coffer-e2e-'));
    servers.push(shell);
    watched = await openPage(browser, shell.url);
    page = watched.page;
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
    await node?.close();
  });

  it('creates a wallet and checks the written words, refusing wrong ones', async () => {
    await byId(page, 'onboarding/welcome').waitFor();
    await screenshot(page, '01-welcome');
    // Where the embedded node is chosen, the app says what it is.
    await byId(page, 'onboarding/playground').click();
    expect(await textOf(page, 'playground/node-warning')).toMatch(/bcoin 1\.0\.2.*taproot.*elliptic 6\.4\.1/s);
    await byId(page, 'onboarding/back').click();
    words = await createWallet(page, { peer: node.address, password: PASSWORD }, () => screenshot(page, '02-create').then(() => {}));
    expect(words).toHaveLength(12);
    await screenshot(page, '03-backup-words');
    await byId(page, 'backup/written').click();
    await answerQuiz(page, words, 'zoo');
    expect(await textOf(page, 'backup/error')).toContain('do not match your recovery words');
    await screenshot(page, '04-backup-quiz');
    await answerQuiz(page, words);
    await byId(page, 'screen/dashboard').waitFor({ timeout: 30_000 });
    // The words were confirmed, so the dashboard does not nag about the backup.
    expect(await byId(page, 'dashboard/backup-reminder').count()).toBe(0);
    expect(await textOf(page, 'app/network')).toBe('regtest');
  });

  it('receives: a payment shows as pending with a notice, then confirmed through the sync bar', async () => {
    const address = await shownAddress(page);
    await byId(page, 'receive/amount').fill('0.001');
    await byId(page, 'receive/label').fill('Coffee');
    const uri = await eventually(() => textOf(page, 'receive/uri'), (t) => t.includes('amount=') && t.includes('label='), 10_000, 'the BIP21 request');
    expect(uri).toBe(`bitcoin:${address}?amount=0.001&label=Coffee`);
    expect(await byId(page, 'receive/qr').count()).toBe(1);
    await screenshot(page, '05-receive');

    received = BTC;
    await node.send(address, received);
    await byId(page, 'toast').filter({ hasText: 'Incoming payment: +1.00000000 BTC' }).first().waitFor({ timeout: 60_000 });
    await waitForBalances(page, (b) => b.pending === received, 'the pending payment');

    // The test mines to the shown address: the block confirms the payment and its coinbase pays us.
    await node.mine(1, address);
    const after = await waitForBalances(page, (b) => b.confirmed === received && b.immature > 0, 'the confirmed payment and the mined coins');
    expect(after.pending).toBe(0);
    await eventually(() => textOf(page, 'sync/status'), (t) => t.includes(`block ${funded + 1}`), 15_000, 'the sync bar one block past funding');

    // A hundred more blocks and the mined coins are spendable.
    await node.mine(100);
    const mature = await waitForBalances(page, (b) => b.immature === 0, 'the mined coins to mature', 90_000);
    expect(mature.confirmed).toBe(received + after.immature);
    await eventually(() => textOf(page, 'sync/status'), (t) => t.includes(`block ${funded + 101}`), 15_000, 'the sync bar 101 blocks past funding');
    received = mature.confirmed;
    await screenshot(page, '06-dashboard');
  });

  it('explains bad send inputs: an invalid address and an amount above the balance', async () => {
    await startSend(page, { address: 'bcrt1qnotanaddress', amount: '0.1' });
    expect(await textOf(page, 'send/address-error')).toBe('This is not a valid Bitcoin address. Check it and paste it again.');
    await startSend(page, { address: node.walletAddress, amount: '1000' });
    expect(await textOf(page, 'send/error')).toMatch(/^Not enough bitcoin: .* You are short by [\d,]+ sats\.$/);
    await byId(page, 'send/amount').fill('abc');
    expect(await textOf(page, 'send/amount-error')).toBe('Enter an amount like 0.001 BTC or 100000 sats.');
    await screenshot(page, '07-send-errors');
  });

  it('sends to another address after a review, and the history proves it once mined', async () => {
    await startSend(page, { address: node.walletAddress, amount: '50000000', unit: 'sats', label: 'Rent' });
    await byId(page, 'send/review-panel').waitFor();
    expect(await textOf(page, 'review/address')).toBe(node.walletAddress);
    expect(await textOf(page, 'review/amount')).toContain('0.50000000 BTC');
    const feeText = await textOf(page, 'review/fee');
    const fee = satsOf(feeText);
    expect(fee).toBeGreaterThan(0);
    expect(feeText).toMatch(/sat\/vB · \d+ vbytes/);
    const change = satsOf(await textOf(page, 'review/change'));
    await screenshot(page, '08-send-review');
    await byId(page, 'review/confirm').click();
    sentTxid = (await textOf(page, 'send/txid')).trim();
    expect(sentTxid).toMatch(/^[0-9a-f]{64}$/);
    await eventually(async () => node.mempool().includes(sentTxid), Boolean, 30_000, 'the transaction in the node mempool');

    await byId(page, 'send/view').click();
    const row = page.locator(`[data-testid="tx-row"][data-txid="${sentTxid}"]`);
    await row.waitFor();
    expect(satsOf((await row.getByTestId('tx-amount').textContent()) ?? '')).toBe(-(0.5 * BTC + fee));
    expect(await textOf(page, 'tx/proof')).toContain('Not in a block yet');
    expect(await byId(page, 'tx/label').inputValue()).toBe('Rent');

    await node.mine(1);
    const proof = await eventually(() => textOf(page, 'tx/proof'), (t) => t.includes('Merkle proof verified'), 60_000, 'the Merkle proof');
    expect(proof).toContain('in a block of the header chain it validated itself');
    expect(await textOf(page, 'tx/status')).toContain('1 confirmation');
    expect(await textOf(page, 'tx/block')).toContain(String(funded + 102));
    await screenshot(page, '09-history');

    const b = await waitForBalances(page, (x) => x.pending === 0 && x.confirmed === received - 0.5 * BTC - fee, 'the balance after the send');
    // The change came back to the wallet: it is part of what is left.
    expect(change).toBeGreaterThan(0);
    expect(change).toBeLessThanOrEqual(b.confirmed);
    finalBalance = b.confirmed;
  });

  it('lists the coins (freezing one), and settings reveal the words and descriptors, offer the chain sources and show the peers', async () => {
    await byId(page, 'nav/coins').click();
    const rows = page.getByTestId('coin-row');
    await rows.first().waitFor();
    // The coins add up to the balance.
    const values = await page.getByTestId('coin/value').allTextContents();
    expect(values.reduce((n, v) => n + satsOf(v), 0)).toBe(finalBalance);
    const first = rows.first();
    await first.getByTestId('coin/freeze').click();
    await eventually(async () => (await first.getAttribute('class')) ?? '', (c) => c.includes('frozen'), 10_000, 'the frozen coin');
    await screenshot(page, '10-coins');
    await first.getByTestId('coin/freeze').click();
    await eventually(async () => (await first.getAttribute('class')) ?? '', (c) => !c.includes('frozen'), 10_000, 'the thawed coin');

    await byId(page, 'nav/settings').click();
    await byId(page, 'settings/reveal-password').fill(PASSWORD);
    await byId(page, 'settings/reveal').click();
    await byId(page, 'settings/words').waitFor({ timeout: 15_000 });
    const shown = await byId(page, 'settings/words').locator('li').allTextContents();
    expect(shown.map((w) => w.trim())).toEqual(words);
    await byId(page, 'settings/hide-words').click();
    expect(await byId(page, 'settings/words').count()).toBe(0);
    expect(await textOf(page, 'settings/descriptors')).toMatch(/wpkh\(\[[0-9a-f]{8}\/84h\/1h\/0h\]tpub\w+\/0\/\*\)#[a-z0-9]{8}/);
    // The auto-lock changes only with the password.
    await byId(page, 'settings/auto-lock').fill('30');
    await byId(page, 'settings/auto-lock-password').fill('not my password');
    await byId(page, 'settings/save-auto-lock').click();
    expect(await textOf(page, 'settings/auto-lock/error')).toBe('That password is not right. Try again.');
    await byId(page, 'settings/auto-lock-password').fill(PASSWORD);
    await byId(page, 'settings/save-auto-lock').click();
    await byId(page, 'settings/auto-lock/done').waitFor({ timeout: 30_000 });
    // A proxy the core cannot use is refused, saying how to write one; nothing is saved.
    await byId(page, 'settings/proxy').fill('http://127.0.0.1:9050');
    await byId(page, 'settings/save-backend').click();
    expect(await textOf(page, 'settings/backend/error')).toBe('Write the proxy as socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050). A .onion peer needs one.');
    await byId(page, 'settings/proxy').fill('');
    // The chain sources on offer, compact filters first; bloom filters (this regtest wallet's) say what they give away.
    expect(await page.locator('fieldset.backend').textContent()).toMatch(
      /Private light client \(compact filters\).*Your node \(Bitcoin Core RPC\).*Embedded node.*Bloom filters \(BIP37\)/,
    );
    expect(await byId(page, 'settings/backend-spv').isChecked()).toBe(true);
    expect(await textOf(page, 'settings/bloom-warning')).toBe('Bloom filters (BIP37) tell every peer which addresses are yours; compact filters do not.');
    await byId(page, 'settings/backend-filters').check();
    expect(await byId(page, 'settings/bloom-warning').count()).toBe(0);
    expect(await byId(page, 'settings/relay').isChecked()).toBe(true);
    await byId(page, 'settings/backend-spv').check();
    await byId(page, 'settings/bloom-warning').waitFor();
    // The peers view: the regtest node, over plain v1, not through Tor.
    const peer = page.locator(`[data-testid="peer"][data-address="${node.address}"]`);
    await peer.waitFor({ timeout: 30_000 });
    expect(await peer.getByTestId('peer/transport').textContent()).toBe('v1');
    expect(await peer.getByTestId('peer/via').textContent()).toBe('no');
    expect(await peer.getByTestId('peer/services').textContent()).toMatch(/bloom/);
    await screenshot(page, '11-settings');
  });

  it('locks, refuses a wrong password with a message, and unlocks', async () => {
    await lock(page);
    await unlock(page, 'not my password');
    expect(await textOf(page, 'unlock/error')).toBe('That password is not right. Try again.');
    await screenshot(page, '12-unlock');
    await unlock(page, PASSWORD);
    // Back where the user was (settings), with the wallet's screens reachable again.
    await byId(page, 'screen/settings').waitFor({ timeout: 30_000 });
    await waitForBalances(page, (b) => b.confirmed === finalBalance, 'the balance after unlocking', 15_000);
  });

  it('follows the system theme (dark) with no page errors', async () => {
    const darkTab = await openAnotherPage(page, 'dark');
    await byId(darkTab.page, 'screen/dashboard').waitFor({ timeout: 30_000 });
    await waitForBalances(darkTab.page, (b) => b.confirmed === finalBalance, 'the balance in the dark tab');
    const background = (await darkTab.page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
    expect(background).toBe('rgb(17, 19, 22)'); // the dark theme's --bg
    await screenshot(darkTab.page, '13-dashboard-dark');
    expect(darkTab.problems).toEqual([]);
    await darkTab.page.close();
    expect(watched.problems).toEqual([]);
  });

  it('restores the same words in a fresh data directory and finds the same balance', async () => {
    const fresh = await serve(tmpDir('coffer-e2e-restore-'));
    servers.push(fresh);
    const restored = await openPage(browser, fresh.url);
    await restoreWallet(restored.page, words, { peer: node.address, password: 'another password 2' });
    const b = await waitForBalances(restored.page, (x) => x.confirmed === finalBalance, 'the restored balance', 90_000);
    expect(b.pending).toBe(0);
    await byId(restored.page, 'nav/history').click();
    await restored.page.locator(`[data-testid="tx-row"][data-txid="${sentTxid}"]`).waitFor();
    expect(restored.problems).toEqual([]);
  });
});
