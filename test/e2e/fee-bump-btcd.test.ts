// A fee bump the network accepts, in the real UI: Debian's Chromium against `coffer serve` with a
// wallet on compact filters from btcd v0.26.0, whose mempool replaces by BIP125 (bcoin 1.0.2's never
// does: spending.test.ts sees the refusal). A labelled send at 2 sat/vB is replaced from its history
// row; btcd then holds only the replacement, the app shows only it (with the label, pending by its
// own fee), and once mined the balance is the funding less the amount and the replacement's fee.

import { hex } from '@scure/base';
import { p2wpkh } from '@scure/btc-signer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type WatchedPage } from '../helpers/browser.js';
import { minerCoins } from '../helpers/btcd-coins.js';
import { startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { CORE_REGTEST } from '../helpers/regtest.js';
import type { ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import { byId, eventually, fundedApp, satsCountOf, satsOf, textOf, waitForBalances } from './pages.js';

const PASSWORD = 'correct horse battery';
const FUNDS = 100_000_000;
const AMOUNT = 30_000_000;
/** Someone else's address: the P2WPKH of the generator point's key (secret key 1). */
const PAYEE = p2wpkh(hex.decode('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'), CORE_REGTEST).address!;

describe('a fee bump btcd accepts, shown in the desktop UI', () => {
  let b: BtcdNode;
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;

  const mempool = () => b.rpc<string[]>('getrawmempool');
  const rowOf = (txid: string) => page.locator(`[data-testid="tx-row"][data-txid="${txid}"]`);
  const shownTxids = async () => page.getByTestId('tx-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-txid')));

  beforeAll(async () => {
    [b, browser] = await Promise.all([startBtcd(), launchBrowser()]);
    // Past coinbase maturity: the first coinbase funds the wallet.
    await b.mine(101);
    const coins = minerCoins(b);
    const node = { address: b.address, backend: 'filters', send: (address: string, sats: number) => coins.pay([{ address, sats }]), mine: (n: number) => b.mine(n) } as const;
    ({ shell, watched, page } = await fundedApp(browser, node, tmpDir('coffer-e2e-bump-btcd-'), PASSWORD, FUNDS));
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await b?.close();
  });

  it('replaces a send from its history row: btcd keeps only the replacement, which the app shows and then confirms with its fee', async () => {
    // A labelled send at a low rate, left unconfirmed.
    await byId(page, 'nav/send').click();
    await byId(page, 'send/address').fill(PAYEE);
    await byId(page, 'send/unit').selectOption('btc');
    await byId(page, 'send/amount').fill('0.3');
    await byId(page, 'send/label').fill('Rent, March');
    await byId(page, 'send/fee-custom').check();
    await byId(page, 'send/fee-rate').fill('2');
    await byId(page, 'send/review').click();
    await byId(page, 'review/confirm').click();
    const original = (await textOf(page, 'send/txid')).trim();
    await eventually(mempool, (m) => m.includes(original), 15_000, 'the send in btcd’s mempool');

    // Its history row: the fee it paid, then a replacement at 20 sat/vB, checked before it is sent.
    await byId(page, 'send/view').click();
    await byId(page, 'tx/speed-up').waitFor({ timeout: 30_000 });
    const paid = satsOf(await textOf(page, 'tx/fee'));
    await byId(page, 'tx/bump').check();
    await byId(page, 'tx/bump-rate').fill('20');
    await byId(page, 'tx/bump-check').click();
    const bumpFee = satsCountOf(await textOf(page, 'tx/bump-fee'));
    expect(bumpFee).toBeGreaterThan(paid * 9);
    expect(await textOf(page, 'tx/bump-review')).toMatch(/^The replacement pays [\d,.]+ BTC \(2\d\.?\d* sat\/vB\)\.Replace the transaction$/);
    await byId(page, 'tx/bump-confirm').click();
    expect(await textOf(page, 'history/notice')).toBe('Replaced with a higher fee.');
    const replacement = (await textOf(page, 'tx/txid')).trim();
    expect(replacement).not.toBe(original);

    // btcd replaced it: the new one in its mempool, the original gone.
    const pool = await eventually(mempool, (m) => m.includes(replacement), 15_000, 'the replacement in btcd’s mempool');
    expect(pool).not.toContain(original);
    // The app shows the replacement in the original's place, with its label and fee; the pending
    // balance is the amount and the replacement's fee, the original's counted nowhere.
    expect(satsOf(await textOf(page, 'tx/fee'))).toBe(bumpFee);
    expect(await textOf(page, 'tx/status')).toBe('Unconfirmed');
    await eventually(shownTxids, (t) => t.length === 2, 10_000, 'the funding and the replacement in the list');
    expect(await shownTxids()).toContain(replacement);
    expect(await shownTxids()).not.toContain(original);
    expect(await rowOf(replacement).getByTestId('tx-label').textContent()).toBe('Rent, March');
    await waitForBalances(page, (x) => x.confirmed === FUNDS && x.pending === -(AMOUNT + bumpFee), 'the pending spend of the replacement', 15_000);
    expect(await textOf(page, 'dashboard/pending-label')).toBe('Outgoing, unconfirmed');

    // Mined: confirmed in btcd and in the app, at the replacement's fee.
    await b.mine(1);
    expect(await mempool()).toEqual([]);
    expect((await b.rpc<{ confirmations: number }>('getrawtransaction', [replacement, 1])).confirmations).toBe(1);
    await waitForBalances(page, (x) => x.confirmed === FUNDS - AMOUNT - bumpFee && x.pending === 0, 'the replacement confirmed');
    await byId(page, 'nav/history').click();
    await eventually(shownTxids, (t) => t.length === 2 && t.includes(replacement) && !t.includes(original), 10_000, 'the history after the block');
    await rowOf(replacement).getByRole('button').click();
    expect(await textOf(page, 'tx/status')).toBe('1 confirmation');
    // Compact filters fetch the block from a peer, not from a node of the user's.
    expect(await textOf(page, 'tx/proof')).toBe('✓ Verified in the full block: Coffer checked that the block’s Merkle root commits to this transaction.');
    expect(satsOf(await textOf(page, 'tx/fee'))).toBe(bumpFee);
    expect(await byId(page, 'tx/speed-up').count()).toBe(0);
    await screenshot(page, 'fee-bump-accepted');
    expect(watched.problems).toEqual([]);
  });
});
