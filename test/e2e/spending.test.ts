// Spending as a Sparrow or Electrum user expects it, in the real UI: Debian's Chromium against
// `coffer serve` (SPV, so fee rates are the wallet's presets) and a bcoin regtest node, one funded
// wallet for the file. The send form labels presets as presets and previews the fee and the time
// as the user types, warning at the extremes; coin control spends exactly the coin chosen and
// never a frozen one; an unconfirmed send is sped up from its history row (a replacement checked,
// then refused by bcoin 1.0.2, which never replaces a mempool transaction: the original stays;
// fee-bump-btcd.test.ts has a replacement btcd accepts; a CPFP child sent and mined with its
// parent); a reviewed send saved as an unsigned PSBT file is loaded back, shown, signed with the
// password and sent; with fee estimates from recent blocks chosen in Settings, the rates are
// estimates.

import fs from 'node:fs';
import path from 'node:path';
import { hex } from '@scure/base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx, type Tx } from '../../src/chain/tx.js';
import { launchBrowser, screenshot, SCREENSHOTS, type WatchedPage } from '../helpers/browser.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import type { ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import { byId, eventually, fundedApp, satsCountOf, shownAddress, startSend, textOf, waitForBalances } from './pages.js';

const PASSWORD = 'correct horse battery';
const BTC = 100_000_000;

describe('spending in the desktop UI: fee guidance, coin control, fee bumps, PSBT files', () => {
  let node: RegtestNode;
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;
  /** The send made with coin control, left unconfirmed for the speed-up. */
  let sentTxid = '';

  const rawOf = async (txid: string): Promise<Tx> => parseTx(hex.decode(await node.getRawTransaction(txid)));
  const inputsOf = (tx: Tx) => tx.inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`);
  const inMempool = (txid: string, what: string) => eventually(async () => node.mempool().includes(txid), Boolean, 30_000, what);

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    browser = await launchBrowser();
    ({ shell, watched, page } = await fundedApp(browser, node, tmpDir('coffer-e2e-spending-'), PASSWORD, 2 * BTC));
    // A second coin, so there is something to choose between.
    await node.send(await shownAddress(page), BTC);
    await node.mine(1);
    await waitForBalances(page, (b) => b.confirmed === 3 * BTC, 'the second coin');
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await node?.close();
  });

  it('labels the presets as presets, and shows the fee and the time as the user types, warning at the extremes', async () => {
    await byId(page, 'nav/send').click();
    // SPV has no estimates: the rates are the wallet's presets (fast 20, normal 8, slow 2) and say so.
    expect(await textOf(page, 'send/fee-source')).toContain('These rates are your fixed presets, not estimates');
    expect(await textOf(page, 'send/fee-fast-text')).toBe('Fast — 20 sat/vB (preset), next block or two');
    await byId(page, 'send/address').fill(node.walletAddress);
    await byId(page, 'send/unit').selectOption('sats');
    await byId(page, 'send/amount').fill('100000');
    const previewed = async (time: string) => {
      await eventually(() => textOf(page, 'send/fee-time'), (t) => t === time, 15_000, `the fee preview saying ${time}`);
      return satsCountOf(await textOf(page, 'send/fee-amount'));
    };
    const normal = await previewed('~1 hour');
    expect(await textOf(page, 'send/fee-preview')).toMatch(/^Fee [\d,.]+ (?:sats|BTC) \([\d.]+ sat\/vB, \d+ vbytes\) · confirms in ~1 hour \(judged by the presets\)$/);
    expect(await byId(page, 'send/fee-warning').count()).toBe(0);
    await byId(page, 'send/fee-fast').check();
    const fast = await previewed('~10 min');
    expect(fast).toBeGreaterThan(normal);
    await byId(page, 'send/fee-custom').check();
    await byId(page, 'send/fee-rate').fill('100');
    await previewed('~10 min');
    expect(await textOf(page, 'send/fee-warning')).toBe('100 sat/vB is more than twice the fast preset (20 sat/vB): you would pay more than a quick confirmation needs.');
    await screenshot(page, 'spending-01-fee-warning');
    await byId(page, 'send/fee-rate').fill('1');
    await previewed('a day or more');
    expect(await textOf(page, 'send/fee-warning')).toBe('1 sat/vB is below the slow preset (2 sat/vB): the payment may wait days to confirm, or never.');
    await byId(page, 'send/fee-normal').check();
    await previewed('~1 hour');
    expect(await byId(page, 'send/fee-warning').count()).toBe(0);
  });

  it('coin control: a frozen coin cannot be chosen, and the send spends exactly the coin chosen', async () => {
    await byId(page, 'nav/coins').click();
    const rows = page.getByTestId('coin-row');
    await eventually(() => rows.count(), (n) => n === 2, 15_000, 'both coins');
    const frozen = (await rows.first().getAttribute('data-outpoint'))!;
    const other = (await rows.nth(1).getAttribute('data-outpoint'))!;
    await rows.first().getByTestId('coin/freeze').click();
    await eventually(async () => (await rows.first().getAttribute('class')) ?? '', (c) => c.includes('frozen'), 10_000, 'the frozen coin');

    await byId(page, 'nav/send').click();
    await byId(page, 'send/coins-toggle').click();
    const coin = (op: string) => page.locator(`[data-testid="send/coin"][data-outpoint="${op}"]`).getByTestId('send/coin-pick');
    expect(await coin(frozen).isDisabled()).toBe(true);
    await coin(other).check();
    expect(await textOf(page, 'send/coins-chosen')).toMatch(/^1 chosen, [12]\.00000000 BTC$/);
    await screenshot(page, 'spending-02-coin-control');
    await byId(page, 'send/address').fill(node.walletAddress);
    await byId(page, 'send/unit').selectOption('btc');
    await byId(page, 'send/amount').fill('0.1');
    await byId(page, 'send/review').click();
    await byId(page, 'review/confirm').click();
    sentTxid = (await textOf(page, 'send/txid')).trim();
    await inMempool(sentTxid, 'the coin-controlled send in the node mempool');
    expect(inputsOf(await rawOf(sentTxid))).toEqual([other]);

    // Thawed again for what follows.
    await byId(page, 'nav/coins').click();
    const row = page.locator(`[data-testid="coin-row"][data-outpoint="${frozen}"]`);
    await row.getByTestId('coin/freeze').click();
    await eventually(async () => (await row.getAttribute('class')) ?? '', (c) => !c.includes('frozen'), 10_000, 'the thawed coin');
  });

  it('speeds up the unconfirmed send from its history row: a replacement checked and refused by the node, a CPFP child sent and mined with it', async () => {
    await byId(page, 'nav/history').click();
    await page.locator(`[data-testid="tx-row"][data-txid="${sentTxid}"]`).getByRole('button').click();
    await byId(page, 'tx/speed-up').waitFor({ timeout: 30_000 });
    const paid = satsCountOf(await textOf(page, 'tx/fee'));

    // RBF, built and signed first without sending: it pays more.
    await byId(page, 'tx/bump').check();
    await byId(page, 'tx/bump-rate').fill('30');
    await byId(page, 'tx/bump-check').click();
    expect(satsCountOf(await textOf(page, 'tx/bump-fee'))).toBeGreaterThan(paid);
    expect(await textOf(page, 'tx/bump-review')).toMatch(/^The replacement pays [\d,.]+ (?:sats|BTC) \(3\d\.?\d* sat\/vB\)\.Replace the transaction$/);
    await screenshot(page, 'spending-03-bump');
    // Sent, it meets bcoin, which keeps the original: the app says the network refused it, and the
    // original stays, still in the node's mempool and still the one shown.
    await byId(page, 'tx/bump-confirm').click();
    expect(await byId(page, 'tx/bump-error').getAttribute('data-code')).toBe('invalid-transaction');
    expect(node.mempool()).toContain(sentTxid);
    expect((await textOf(page, 'tx/txid')).trim()).toBe(sentTxid);

    // CPFP for real: a child of the change, the pair at 30 sat/vB.
    await byId(page, 'tx/cpfp').check();
    expect(await byId(page, 'tx/bump-review').count()).toBe(0);
    await byId(page, 'tx/bump-check').click();
    expect(await textOf(page, 'tx/bump-review')).toMatch(/^The child pays [\d,.]+ (?:sats|BTC) \([\d.]+ sat\/vB\); with its parent 3\d\.?\d* sat\/vB\./);
    await byId(page, 'tx/bump-confirm').click();
    expect(await textOf(page, 'history/notice')).toBe('Child transaction sent: the two confirm together.');
    const childTxid = (await textOf(page, 'tx/txid')).trim();
    expect(childTxid).not.toBe(sentTxid);
    await inMempool(childTxid, 'the child in the node mempool');
    const child = await rawOf(childTxid);
    expect(inputsOf(child).every((o) => o.startsWith(sentTxid))).toBe(true);
    await node.mine(1);
    await eventually(() => textOf(page, 'tx/status'), (t) => t.includes('1 confirmation'), 60_000, 'the child confirmed');
    expect(node.mempool()).toEqual([]);
  });

  it('saves a reviewed send as an unsigned PSBT file, loads it back, shows what it pays, signs with the password and sends it', async () => {
    await startSend(page, { address: node.walletAddress, amount: '25000000', unit: 'sats' });
    await byId(page, 'send/review-panel').waitFor();
    expect(await textOf(page, 'review/time')).toBe('~1 hour');
    const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'review/save-psbt').click()]);
    const file = await download.path();
    expect(download.suggestedFilename()).toBe('coffer-unsigned.psbt');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^cHNidP8/); // base64 of "psbt" 0xff
    expect(node.mempool()).toEqual([]);

    await byId(page, 'review/back').click();
    await byId(page, 'psbt/file').setInputFiles(file);
    await byId(page, 'psbt/summary').waitFor({ timeout: 15_000 });
    expect(await textOf(page, 'psbt/sent')).toBe('0.25000000 BTC');
    expect(await byId(page, 'psbt/output').filter({ hasText: node.walletAddress }).textContent()).toContain('0.25000000 BTC');
    expect(await textOf(page, 'psbt/to-sign')).toMatch(/^(\d+) of \1$/);
    expect(satsCountOf(await textOf(page, 'psbt/fee'))).toBeGreaterThan(0);
    await screenshot(page, 'spending-04-psbt');
    await byId(page, 'psbt/password').fill('not my password');
    await byId(page, 'psbt/send').click();
    expect(await textOf(page, 'psbt/error')).toBe('That password is not right. Try again.');
    await byId(page, 'psbt/password').fill(PASSWORD);
    await byId(page, 'psbt/send').click();
    const txid = /[0-9a-f]{64}/.exec(await textOf(page, 'psbt/sent-txid'))![0];
    await inMempool(txid, 'the PSBT send in the node mempool');
    expect((await rawOf(txid)).outputs.some((o) => o.value === 25_000_000)).toBe(true);
    expect(watched.problems).toEqual([]);
  });

  it('estimates from recent blocks once Settings says so, and labels the rates estimates', async () => {
    const choose = async (mode: 'blocks' | 'auto') => {
      await byId(page, 'nav/settings').click();
      await byId(page, 'settings/fee-estimates').selectOption(mode);
      await byId(page, 'settings/fee-estimates-done').waitFor();
    };
    await choose('blocks');
    expect(await textOf(page, 'settings/fee-estimates-now')).toContain('estimated from the last 6 blocks');
    await screenshot(page, 'fees-from-blocks-settings');
    await byId(page, 'nav/send').click();
    const source = await eventually(() => textOf(page, 'send/fee-source'), (t) => t.startsWith('Estimates from'), 15_000, 'the estimates from blocks');
    expect(source).toMatch(/^Estimates from the last 6 blocks' fee rates \(blocks with room count at the relay floor\)\. The network's minimum is [\d.]+ sat\/vB\.$/);
    // No regtest block is anywhere near full: every block cleared at the relay floor.
    const floor = /minimum is ([\d.]+) sat/.exec(source)![1];
    expect(await textOf(page, 'send/fee-fast-text')).toBe(`Fast — ${floor} sat/vB (estimate), next block or two`);
    expect(await textOf(page, 'send/fee-slow-text')).toBe(`Slow — ${floor} sat/vB (estimate), when the network is quiet`);
    await screenshot(page, 'fees-from-blocks');
    await page.locator('fieldset', { has: byId(page, 'send/fee-source') }).screenshot({ path: path.join(SCREENSHOTS, 'fees-from-blocks-choice.png') });
    // Back to the default: regtest blocks have no fee market, so the presets again.
    await choose('auto');
    await byId(page, 'nav/send').click();
    await eventually(() => textOf(page, 'send/fee-fast-text'), (t) => t === 'Fast — 20 sat/vB (preset), next block or two', 15_000, 'the presets again');
    expect(watched.problems).toEqual([]);
  });
});
