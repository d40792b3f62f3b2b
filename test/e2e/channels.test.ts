// Lightning in the real UI: Debian's Chromium against `coffer serve` (SPV) and a bcoin regtest
// node, with a second Coffer (`coffer daemon`, party B) as the peer. The UI wallet opens a channel
// to B through the form and watches it confirm; pays B's invoice and is paid its own; writes a
// channel backup; closes the channel through the confirm step and gets its side back on chain.
// Bad peers, too large an amount and a malformed invoice show the core's typed errors.

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type WatchedPage } from '../helpers/browser.js';
import { party, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import type { ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  byId,
  channelCard,
  channelView,
  createInvoice,
  fundedApp,
  eventually,
  fillChannelForm,
  openChannel,
  payInvoice,
  textOf,
  waitForBalances,
  waitForChannel,
} from './pages.js';

const PASSWORD = 'correct horse battery';
const FUNDS = 2_000_000;
const CAPACITY = 500_000;

describe('Lightning channels in the desktop UI, against a real core, a second Coffer and a regtest node', () => {
  let node: RegtestNode;
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;
  let b: Party;
  let peerUri = '';
  let channelId = '';
  /** A's balance in the channel once it is usable, msat. */
  let local0 = 0;
  let backupFile = '';

  const inMempool = (txid: string, what: string) => eventually(async () => node.mempool().includes(txid), Boolean, 30_000, what);
  const toChannels = async () => {
    await byId(page, 'nav/channels').click();
    await byId(page, 'channels/node-id').waitFor({ timeout: 30_000 });
  };

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    browser = await launchBrowser();
    const datadir = tmpDir('coffer-e2e-channels-');
    // B (a CLI wallet and its daemon) gets ready while A is created in the browser.
    const bReady = (async () => {
      b = await party(node, tmpDir(), []);
      const d = await startDaemon(node, b, { listen: true, inbound: true });
      peerUri = `${d.nodeId}@127.0.0.1:${d.listen}`;
    })();
    ({ shell, watched, page } = await fundedApp(browser, node, datadir, PASSWORD, FUNDS, bReady));
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    if (b) await stopDaemon(b, 'SIGKILL');
    await node?.close();
  });

  it('starts the node on opening the screen; bad peers, too large an amount and a malformed invoice get typed errors', async () => {
    await byId(page, 'nav/channels').click();
    const nodeId = (await textOf(page, 'channels/node-id')).trim();
    expect(nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(await textOf(page, 'channels/listen')).toContain('no: this node opens channels to others');
    expect(await textOf(page, 'channels/empty')).toBe('No channels yet.');

    await fillChannelForm(page, 'nonsense', 100_000);
    expect(await textOf(page, 'channels/peer-error')).toBe('A peer is written PUBKEY@HOST:PORT (a 33-byte public key in hex).');
    await fillChannelForm(page, `02${'11'.repeat(32)}@127.0.0.1:1`, 100_000);
    expect(await textOf(page, 'channels/peer-error')).toBe('Cannot connect to 127.0.0.1:1 (ECONNREFUSED).');
    await fillChannelForm(page, peerUri, 5_000_000);
    expect(await textOf(page, 'channels/open/amount-error')).toMatch(/^Not enough bitcoin: .* You are short by [\d,]+ sats\.$/);
    expect(await byId(page, 'channels/opened').count()).toBe(0);

    await payInvoice(page, 'lnbcrt1notaninvoice');
    const err = byId(page, 'channels/pay-error');
    expect(await textOf(page, 'channels/pay-error')).toBe('This is not a valid BOLT 11 invoice.');
    expect(await err.getAttribute('data-code')).toBe('invalid-invoice');
    expect(watched.problems).toEqual([]);
  });

  it('opens a channel through the form; it shows x of y confirmations, then ready and usable', async () => {
    const opened = await openChannel(page, peerUri, CAPACITY);
    channelId = opened.channelId;
    expect(channelId).toMatch(/^[0-9a-f]{64}$/);
    await inMempool(opened.fundingTxid, 'the funding transaction in the node mempool');
    const card = channelCard(page, channelId);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.getByTestId('channel/counterparty').textContent()).toBe(peerUri.split('@')[0]);
    expect(await card.getByTestId('channel/capacity').textContent()).toBe('500,000 sats');

    await node.mine(2);
    await waitForChannel(page, channelId, (c) => c.state === 'pending' && c.confirmations === '2 of 6', 'the channel at 2 of 6 confirmations');
    expect((await channelView(page, channelId)).usable).toBe(false);
    await screenshot(page, 'channels-01-pending');
    await node.mine(4);
    const ready = await waitForChannel(page, channelId, (c) => c.state === 'ready' && c.usable, 'the channel ready and usable');
    expect(ready.remoteMsat).toBe(0);
    expect(ready.localMsat).toBeGreaterThan((CAPACITY - 10_000) * 1000);
    expect(ready.localMsat + ready.remoteMsat).toBe(CAPACITY * 1000);
    local0 = ready.localMsat;
    expect(await textOf(page, 'channels/peers')).toBe('1');
    expect(await textOf(page, 'channels/usable-count')).toBe('1 of 1');
  });

  it('pays an invoice B created: fee and preimage shown, balances move; paying it again is refused', async () => {
    const inv = await b.call<{ bolt11: string; paymentHash: string }>('ln.invoice', { amountMsat: 10_000_000, description: 'coffee' });
    await byId(page, 'channels/pay-invoice').fill(`lightning:${inv.bolt11.toUpperCase()}`);
    // The core reads the invoice as it is pasted: amount, description, payee, expiry.
    await byId(page, 'channels/pay-asked').waitFor({ timeout: 15_000 });
    expect(await textOf(page, 'channels/pay-asked')).toBe('This invoice asks for 10,000 sats.');
    expect(await textOf(page, 'channels/pay-description')).toBe('coffee');
    expect(await textOf(page, 'channels/pay-payee')).toBe(b.daemon!.nodeId);
    expect(await byId(page, 'channels/pay-expires').getAttribute('data-expired')).toBe('false');
    expect(await byId(page, 'channels/pay/amount').isDisabled()).toBe(true);
    await byId(page, 'channels/pay-submit').click();
    await byId(page, 'channels/paid').waitFor({ timeout: 30_000 });
    // A direct channel: no one to pay for routing.
    expect(await textOf(page, 'channels/paid-fee')).toBe('0 sats');
    expect(await textOf(page, 'channels/paid-preimage')).toMatch(/^[0-9a-f]{64}$/);
    expect(await textOf(page, 'channels/paid-hash')).toBe(inv.paymentHash);
    await waitForChannel(page, channelId, (c) => c.localMsat === local0 - 10_000_000 && c.remoteMsat === 10_000_000, 'the balances after paying');

    await payInvoice(page, inv.bolt11);
    expect(await textOf(page, 'channels/pay-error')).toBe('This invoice was paid already.');
    expect(await byId(page, 'channels/pay-error').getAttribute('data-code')).toBe('invoice-paid');
  });

  it('creates an invoice with a QR code; B pays it and the balances move back', async () => {
    const bolt11 = await createInvoice(page, 3_000, 'tea');
    expect(bolt11).toMatch(/^lnbcrt30u1[02-9ac-hj-np-z]+$/);
    await byId(page, 'channels/invoice-qr').waitFor();
    const paid = await b.call<{ paymentHash: string; feeMsat: number }>('ln.pay', { bolt11 });
    expect(paid.feeMsat).toBe(0);
    await waitForChannel(page, channelId, (c) => c.localMsat === local0 - 7_000_000 && c.remoteMsat === 7_000_000, 'the balances after being paid');
    // The history: B's invoice paid (sent), A's own invoice paid (received), newest first.
    const rows = async (id: string) => page.getByTestId(id).evaluateAll((els) => els.map((e) => [e.getAttribute('data-direction'), e.getAttribute('data-status'), e.getAttribute('data-hash')]));
    await eventually(() => rows('ln-payment'), (r) => r.length === 2, 15_000, 'two payments in the history');
    expect((await rows('ln-payment')).map(([d, st]) => [d, st])).toEqual([
      ['received', 'succeeded'],
      ['sent', 'succeeded'],
    ]);
    expect((await rows('ln-invoice')).map(([, st]) => st)).toEqual(['paid']);
    await screenshot(page, 'channels-02-ready');
  });

  it('writes a channel backup file, and names a missing folder or a file that is not a backup as the problem', async () => {
    const missing = path.join(tmpDir(), 'no-such-folder', 'channels.backup');
    await byId(page, 'channels/backup-file').fill(missing);
    await byId(page, 'channels/backup-write').click();
    expect(await byId(page, 'channels/backup-error').getAttribute('data-code', { timeout: 30_000 })).toBe('file-unreadable');

    // The browser shell types a path: an existing file that is not a backup is left alone.
    const notes = path.join(tmpDir(), 'notes.backup');
    fs.writeFileSync(notes, 'my notes');
    await byId(page, 'channels/backup-file').fill(notes);
    await byId(page, 'channels/backup-write').click();
    expect(await byId(page, 'channels/backup-error').getAttribute('data-code', { timeout: 30_000 })).toBe('file-exists');
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes');

    const file = path.join(tmpDir(), 'channels.backup');
    await byId(page, 'channels/backup-file').fill(file);
    await byId(page, 'channels/backup-write').click();
    const done = byId(page, 'channels/backup-done');
    await done.waitFor({ timeout: 30_000 });
    expect(await done.getAttribute('data-channels')).toBe('1');
    expect(fs.readFileSync(file).subarray(0, 8).toString()).toBe('COFFERCB');
    expect(await textOf(page, 'channels/backup-explanation')).toContain('coffer --network regtest channel restore FILE');
    backupFile = file;
  });

  it('shows an alarm over every screen while the backup cannot be written; a payment to A waits for it', async () => {
    const before = await channelView(page, channelId);
    await byId(page, 'channels/invoice-new').click();
    const bolt11 = await createInvoice(page, 2_000, 'held for the backup');
    expect(bolt11).toMatch(/^lnbcrt20u1/);
    fs.rmSync(backupFile);
    fs.mkdirSync(backupFile);
    const paying = b.call('ln.pay', { bolt11 });
    paying.catch(() => {});
    const alarm = byId(page, 'app/channel-backup-alarm');
    await alarm.waitFor({ timeout: 30_000 });
    expect(await alarm.getAttribute('data-code')).toBe('file-exists');
    expect(await textOf(page, 'channel-backup-alarm/text')).toContain(backupFile);
    expect((await channelView(page, channelId)).localMsat).toBe(before.localMsat);
    await byId(page, 'nav/dashboard').click();
    await alarm.waitFor();
    await screenshot(page, 'channels-02b-backup-alarm');
    fs.rmSync(backupFile, { recursive: true });
    await paying;
    await alarm.waitFor({ state: 'detached', timeout: 30_000 });
    await toChannels();
    await waitForChannel(page, channelId, (c) => c.localMsat === before.localMsat + 2_000_000, 'the balances after the held payment');
  });

  it('closes the channel cooperatively through the confirm step; A’s side comes back on chain minus the fee', async () => {
    const before = await waitForBalances(page, (x) => x.pending === 0 && x.confirmed > 0, 'a settled balance before the close');
    await toChannels();
    const card = channelCard(page, channelId);
    const { localMsat } = await channelView(page, channelId);

    // The first click only explains; keeping the channel changes nothing.
    await card.getByTestId('channel/close').click();
    // The estimate appears once the screen has the wallet's fee rates.
    const estimate = await eventually(async () => (await card.getByTestId('channel/close-estimate').textContent()) ?? '', (t) => t.includes('sat/vB'), 15_000, 'the closing fee estimate');
    expect(estimate).toMatch(/^You opened the channel, so the fee comes out of your balance: about [\d,]+ sats \(\d+(\.\d+)? sat\/vB × about 170 vbytes\), at most [\d,]+ sats/);
    const maxFee = Number(await card.getByTestId('channel/close-estimate').getAttribute('data-max-fee'));
    await screenshot(page, 'channels-03-close-step');
    await card.getByTestId('channel/close-keep').click();
    expect(await card.getByTestId('channel/close-step').count()).toBe(0);
    await card.getByTestId('channel/force-close').click();
    expect(await card.getByTestId('channel/force-delay').textContent()).toBe('144 blocks ≈ 1 day');
    await card.getByTestId('channel/close-keep').click();

    await card.getByTestId('channel/close').click();
    await card.getByTestId('channel/close-confirm').click();
    await byId(page, 'toast').filter({ hasText: 'Channel closing' }).first().waitFor({ timeout: 30_000 });
    await eventually(async () => node.mempool().length, (n) => n > 0, 30_000, 'the closing transaction in the node mempool');
    await node.mine(1);
    await byId(page, 'channels/empty').waitFor({ timeout: 30_000 });

    const after = await waitForBalances(page, (x) => x.confirmed > before.confirmed && x.pending === 0, 'A’s side of the channel on chain');
    const fee = Math.floor(localMsat / 1000) - (after.confirmed - before.confirmed);
    // A opened the channel, so the closing fee comes out of its side; the peer (LDK) asks for the
    // most the opener allows, so it is the step's maximum, give or take the transaction's exact size.
    expect(fee).toBeLessThanOrEqual(maxFee);
    expect(fee).toBeGreaterThan(maxFee - 100);
    expect(watched.problems).toEqual([]);
  });
});
