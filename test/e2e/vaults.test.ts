// Vaults in the real UI: Debian's Chromium against `coffer serve` (SPV) and a bcoin regtest node.
// Create a vault and see what its cancels cost, how it can be got back, and its total and deposit on
// the overview, and keep its watchtower package from the offer after creation; keep a vault backup
// in Settings; withdraw, wait the delay, complete to an outside address; a vault whose row is gone
// from the database comes back from the backup, and its withdrawal is cancelled to a recovery
// address; and a thief's unvault, taken from the wallet file and sent to the node, raises the alarm
// on every screen while the app cancels it. Then a remote tower pinned from the screen.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { hex } from '@scure/base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToHex } from '../../src/chain/bytes.js';
import { parseTx, type Tx } from '../../src/chain/tx.js';
import { addressToScript, scriptToAddress } from '../../src/keys/address.js';
import { keyParams } from '../../src/keys/networks.js';
import { parsePackage } from '../../src/vaults/watchtower.js';
import { launchBrowser, openAnotherPage, screenshot, type WatchedPage } from '../helpers/browser.js';
import { startNode, type RegtestNode } from '../helpers/regtest.js';
import type { ServeProcess } from '../helpers/shell.js';
import { tmpDir } from '../helpers/tmp.js';
import { TowerProcess } from '../integration/watchtower-harness.js';
import { byId, cancelVault, createVault, eventually, fillVaultForm, fundedApp, satsCountOf, satsOf, textOf, vaultCard, vaultText, waitForVault } from './pages.js';

const PASSWORD = 'correct horse battery';
const FUNDS = 5_000_000;
const DELAY = 3;

/** A recovery wallet that never touches Coffer's machine: an HD key and its ranged descriptor. */
function recoveryWallet() {
  const root = HDKey.fromMasterSeed(secp256k1.utils.randomSecretKey(), keyParams('regtest').bip32);
  const scriptAt = (i: number) => Uint8Array.of(0x00, 0x14, ...root.deriveChild(0).deriveChild(i).identifier!);
  return { descriptor: `wpkh(${root.publicExtendedKey}/0/*)`, scriptAt };
}

const same = (a: Uint8Array, b: Uint8Array) => hex.encode(a) === hex.encode(b);

/** The cost of each cancel of a withdrawal, in sats, as the create form shows them. */
async function cancelFees(page: Page): Promise<number[]> {
  return (await byId(page, 'vaults/cost-cancel').allTextContents()).map((t) => Number(t.replace(/[^\d]/g, '')));
}

describe('vaults in the desktop UI, against a real core and a regtest node', () => {
  let node: RegtestNode;
  let browser: Browser;
  let shell: ServeProcess;
  let watched: WatchedPage;
  let page: Page;
  let datadir: string;
  const rec = recoveryWallet();
  /** Where the vault backup and the watchtower package are kept (typed paths: this is the browser shell). */
  const files = tmpDir('coffer-e2e-vault-files-');
  const packageFile = path.join(files, 'coffer-watchtower.json');
  const backupFile = path.join(files, 'coffer-vaults.backup');

  const rawOf = async (txid: string): Promise<Tx> => parseTx(hex.decode(await node.getRawTransaction(txid)));
  const inMempool = (txid: string, what: string) => eventually(async () => node.mempool().includes(txid), Boolean, 30_000, what);
  /** What a thief with a copy of the wallet file reads from it: the presigned unvault, and the vault's index. */
  /** A vault's row gone from the wallet database, as after a restore from the words alone. */
  const forget = (id: string) => {
    const db = new Database(path.join(datadir, 'regtest', 'wallet.sqlite'));
    try {
      db.pragma('busy_timeout = 10000');
      expect(db.prepare('DELETE FROM vault_vaults WHERE id = ?').run(id).changes).toBe(1);
    } finally {
      db.close();
    }
  };
  const stolen = (id: string): { unvault: string; seq: number } => {
    const db = new Database(path.join(datadir, 'regtest', 'wallet.sqlite'), { readonly: true });
    try {
      const row = db.prepare('SELECT unvault_raw, seq FROM vault_vaults WHERE id = ?').get(id) as { unvault_raw: Buffer; seq: number };
      return { unvault: hex.encode(row.unvault_raw), seq: row.seq };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    browser = await launchBrowser();
    datadir = tmpDir('coffer-e2e-vaults-');
    ({ shell, watched, page } = await fundedApp(browser, node, datadir, PASSWORD, FUNDS));
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await node?.close();
  });

  let first = { id: '', depositTxid: '' };

  it('creates a vault: the delay as time, each cancel rung’s cost, a notice, then listed as funded', async () => {
    await fillVaultForm(page, { amount: '0.01', delay: 144, recovery: 'bcrt1qnotanaddress' }, false);
    expect(await textOf(page, 'vaults/recovery-error')).toBe('This is not a valid Bitcoin address. Check it and paste it again.');
    expect(await textOf(page, 'vaults/delay-time')).toContain('144 blocks ≈ 1 day');
    expect(await byId(page, 'vaults/review').isDisabled()).toBe(true);

    // More than the wallet holds: the cancels' costs show, the review says the deposit cannot be paid.
    await fillVaultForm(page, { amount: String(2 * FUNDS), unit: 'sats', delay: DELAY, recovery: rec.descriptor });
    await byId(page, 'vaults/review').click();
    expect(await textOf(page, 'vaults/error')).toBe('Not enough bitcoin: the amount plus the fee is more than this wallet can spend.');
    expect(await byId(page, 'vaults/review-panel').count()).toBe(0);

    await fillVaultForm(page, { amount: '1000000', unit: 'sats', delay: DELAY, recovery: rec.descriptor });
    expect(await textOf(page, 'vaults/delay-time')).toContain('3 blocks ≈ 30 min');
    expect(await textOf(page, 'vaults/recovery-note')).toContain('even with this computer lost');
    const rows = byId(page, 'vaults/cost-row');
    const rates = (await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-feerate'))))) as number[];
    expect(rates).toEqual([2, 5, 10, 25, 50, 100, 250, 500]);
    const fees = await cancelFees(page);
    expect(fees).toHaveLength(rates.length);
    // Each rung pays more than the one below it, and the dearest still leaves most of the vault.
    for (let i = 1; i < fees.length; i++) expect(fees[i]!).toBeGreaterThan(fees[i - 1]!);
    expect(fees[0]!).toBeGreaterThan(0);
    expect(fees.at(-1)!).toBeLessThan(1_000_000 / 2);
    await screenshot(page, 'vaults-01-create');
    // The review before anything is signed: the deposit's own fee, and what leaves the wallet.
    await byId(page, 'vaults/review').click();
    const depositFee = satsCountOf(await textOf(page, 'vaults/deposit-fee'));
    expect(depositFee).toBeGreaterThan(0);
    expect(await textOf(page, 'vaults/deposit-fee')).toMatch(/ · [\d.]+ sat\/vB · \d+ vbytes$/);
    expect(Math.round(Number((await textOf(page, 'vaults/total')).replace(/[^\d.]/g, '')) * 1e8)).toBe(1_000_000 + depositFee);
    await screenshot(page, 'vaults-01a-review');
    await byId(page, 'vaults/review-back').click();

    first = await createVault(page, { amount: '1000000', unit: 'sats', delay: DELAY, recovery: rec.descriptor });
    expect(first.id).toMatch(/^[0-9a-f]{12}$/);
    expect(first.depositTxid).toMatch(/^[0-9a-f]{64}$/);
    await byId(page, 'toast').filter({ hasText: `Vault ${first.id} created` }).first().waitFor();
    // Nothing keeps vaults yet besides the database: the result offers a backup and a watchtower package.
    expect(await byId(page, 'vaults/offer-backup').count()).toBe(1);
    expect(await byId(page, 'vaults/offer-backup-updated').count()).toBe(0);
    await screenshot(page, 'vaults-01b-offers');
    await byId(page, 'vaults/offer-package-file').fill(packageFile);
    await byId(page, 'vaults/offer-package').click();
    expect(await textOf(page, 'vaults/offer-package-done')).toBe(`Watchtower package of 1 vault written to ${packageFile}. Coffer rewrites it after every vault change.`);
    expect(parsePackage(fs.readFileSync(packageFile, 'utf8')).vaults.map((v) => v.id)).toEqual([first.id]);
    await inMempool(first.depositTxid, 'the deposit in the node mempool');
    const deposit = await rawOf(first.depositTxid);
    const vaultOut = deposit.outputs.find((o) => o.value === 1_000_000)!;
    expect(vaultOut.script.length).toBe(34); // P2WSH

    await waitForVault(page, first.id, 'funded');
    expect(await vaultText(page, first.id, 'vault/status')).toBe('In the vault');
    expect(await vaultText(page, first.id, 'vault/delay')).toBe('3 blocks ≈ 30 min');
    expect(await vaultText(page, first.id, 'vault/confirmations')).toBe('unconfirmed');
    expect(await vaultText(page, first.id, 'vault/deposit-txid')).toBe(first.depositTxid);

    // Someone pays the vault's address again: a stray, which only the recovery key can sweep.
    const stray = await node.send(scriptToAddress(vaultOut.script, 'regtest')!, 55_000);
    await node.mine(1);
    await eventually(() => vaultText(page, first.id, 'vault/confirmations'), (t) => t === '1 confirmation', 30_000, 'the deposit to confirm');
    const strayRow = byId(page, 'stray').filter({ hasText: stray });
    await strayRow.waitFor({ timeout: 30_000 });
    expect(await strayRow.getByTestId('stray/amount').textContent()).toBe('0.00055000 BTC');
    const strayId = await strayRow.getAttribute('data-stray-id');
    expect(await strayRow.getByTestId('stray/hint').textContent()).toBe(`coffer --network regtest vault sweep ${strayId} --to ADDR --key-file FILE`);

    // What a vault protects against and needs; how this one can be got back today (no backup file set).
    const explanation = await textOf(page, 'vaults/explanation');
    expect(explanation).toContain('protects coins against someone who gets this computer or its keys');
    expect(explanation).toContain('a recovery wallet kept somewhere else and a watchtower that is always on');
    const ways = await vaultCard(page, first.id).getByTestId('vault/recovery-ways').textContent();
    expect(ways).toContain('How to get these coins back');
    expect(ways).toContain(`Recovery destination: ${rec.descriptor}`);
    expect(ways).toContain(`Words + recovery key: even with this computer and its files lost, coffer vault recover ${first.id}`);
    expect(ways).toContain('No vault backup file yet');
    expect(ways).toContain(`Watchtower package: ${packageFile}`);

    // The overview: the vault's coins on their own line, not in the balance; the deposit named as such.
    await byId(page, 'nav/dashboard').click();
    expect(await textOf(page, 'dashboard/vaults')).toBe('0.01000000 BTC');
    const balance = Number((await textOf(page, 'dashboard/confirmed')).replace(/[^\d]/g, ''));
    expect(balance).toBeGreaterThan(0);
    expect(balance).toBeLessThan(FUNDS - 1_000_000);
    const depositRow = byId(page, 'dashboard/recent').locator(`[data-txid="${first.depositTxid}"]`);
    expect(await depositRow.getAttribute('data-kind', { timeout: 30_000 })).toBe('vault-deposit');
    expect(await depositRow.textContent()).toContain('Vault deposit');
    await byId(page, 'nav/vaults').click();
    await vaultCard(page, first.id).waitFor();
  });

  it('Settings keeps a vault backup: a missing folder or another file is refused, then the file is written and shown', async () => {
    await byId(page, 'nav/settings').click();
    const status = byId(page, 'settings/vault-backup-status');
    expect(await status.getAttribute('data-file', { timeout: 30_000 })).toBe('');
    expect(await status.textContent()).toContain('No vault backup file is set');

    await byId(page, 'settings/vault-backup-file').fill(path.join(files, 'none', 'vaults.backup'));
    await byId(page, 'settings/vault-backup').click();
    expect(await byId(page, 'settings/vault-backup-error').getAttribute('data-code', { timeout: 30_000 })).toBe('file-unreadable');
    const notes = path.join(files, 'notes.backup');
    fs.writeFileSync(notes, 'my notes');
    await byId(page, 'settings/vault-backup-file').fill(notes);
    await byId(page, 'settings/vault-backup').click();
    expect(await byId(page, 'settings/vault-backup-error').getAttribute('data-code', { timeout: 30_000 })).toBe('file-exists');
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes');

    await byId(page, 'settings/vault-backup-file').fill(backupFile);
    await byId(page, 'settings/vault-backup').click();
    expect(await textOf(page, 'settings/vault-backup-done')).toBe(`Vault backup of 1 vault written to ${backupFile}. Coffer rewrites it after every vault change.`);
    expect(fs.readFileSync(backupFile).subarray(0, 8).toString()).toBe('COFFERVB');
    await eventually(() => status.getAttribute('data-file'), (f) => f === backupFile, 30_000, 'the backup file in Settings');
    await screenshot(page, 'settings-vault-backup');
    await byId(page, 'nav/vaults').click();
    expect(await vaultCard(page, first.id).getByTestId('vault/recovery-ways').textContent({ timeout: 30_000 })).toContain(`Vault backup file: ${backupFile}`);
  });

  it('withdraws: a countdown while unvaulting, withdrawable after the delay, completed to an outside address', async () => {
    const card = vaultCard(page, first.id);
    await card.getByTestId('vault/withdraw').click();
    await waitForVault(page, first.id, 'unvaulting');
    expect(await vaultText(page, first.id, 'vault/countdown')).toContain('Waiting for the unvault to confirm');
    expect(await card.getByTestId('vault/withdraw').count()).toBe(0);
    expect(await card.getByTestId('vault/complete').count()).toBe(0);
    const unvaultTxid = await vaultText(page, first.id, 'vault/unvault-txid');
    await inMempool(unvaultTxid, 'the unvault in the node mempool');

    await node.mine(1);
    const at = node.tipHeight() + DELAY;
    await eventually(() => vaultText(page, first.id, 'vault/countdown'), (t) => t === `Withdrawable at block ${at} — 2 blocks (≈ 20 min) left.`, 30_000, 'the countdown');
    await screenshot(page, 'vaults-02-unvaulting');
    await node.mine(1);
    await eventually(() => vaultText(page, first.id, 'vault/countdown'), (t) => t === `Withdrawable at block ${at} — 1 block (≈ 10 min) left.`, 30_000, 'the countdown');
    await node.mine(1);
    await waitForVault(page, first.id, 'withdrawable');
    expect(await vaultText(page, first.id, 'vault/status')).toBe('Ready to withdraw');

    await card.getByTestId('vault/complete-address').fill(node.walletAddress);
    // A review of the withdrawal and its fee before it is sent.
    await card.getByTestId('vault/complete-review').click();
    const arrives = satsOf(await vaultText(page, first.id, 'vault/complete-amount'));
    const completeFee = satsCountOf(await vaultText(page, first.id, 'vault/complete-fee'));
    expect(completeFee).toBeGreaterThan(0);
    expect(node.mempool().length).toBe(0);
    await screenshot(page, 'vaults-02b-complete-review');
    await card.getByTestId('vault/complete').click();
    await waitForVault(page, first.id, 'withdrawn');
    const withdrawTxid = await vaultText(page, first.id, 'vault/withdraw-txid');
    await inMempool(withdrawTxid, 'the withdrawal in the node mempool');
    const tx = await rawOf(withdrawTxid);
    expect(tx.inputs.map((i) => `${hashToHex(i.prevTxid)}:${i.vout}`)).toEqual([`${unvaultTxid}:0`]);
    expect(tx.outputs).toHaveLength(1);
    expect(same(tx.outputs[0]!.script, addressToScript(node.walletAddress, 'regtest'))).toBe(true);
    expect(tx.outputs[0]!.value).toBeGreaterThan(1_000_000 - 5_000);
    expect(tx.outputs[0]!.value).toBe(arrives);
    await node.mine(1);
    await waitForVault(page, first.id, 'withdrawn');
    expect(await card.locator('button').count()).toBe(0);
  });

  it('a vault gone from the database comes back from the backup; its withdrawal is cancelled to the recovery wallet, after a confirm step', async () => {
    const second = recoveryWallet();
    // A bare address cannot get a vault back with the words: the form refuses it and says why.
    await fillVaultForm(page, { amount: '0.008', delay: DELAY, recovery: scriptToAddress(second.scriptAt(0), 'regtest')! }, false);
    expect(await textOf(page, 'vaults/recovery-error')).toMatch(/^A vault needs its recovery wallet's key, not only an address/);
    await fillVaultForm(page, { amount: '0.008', delay: DELAY, recovery: second.descriptor });
    const shownFees = await cancelFees(page);
    const made = await createVault(page, { amount: '0.008', delay: DELAY, recovery: second.descriptor });
    // The backup and the package are kept already: the result says both now hold this vault.
    expect(await textOf(page, 'vaults/offer-backup-updated')).toBe(`The vault backup ${backupFile} was updated with this vault.`);
    expect(await textOf(page, 'vaults/offer-package-updated')).toBe(`The watchtower package ${packageFile} was updated with this vault.`);
    expect(await byId(page, 'vaults/offer-backup').count()).toBe(0);
    expect(await byId(page, 'vaults/offer-package').count()).toBe(0);
    expect(parsePackage(fs.readFileSync(packageFile, 'utf8')).vaults.map((v) => v.id).sort()).toEqual([first.id, made.id].sort());
    await waitForVault(page, made.id, 'funded');

    // Its row is lost; Settings restores it from the backup (the password asked first), once.
    forget(made.id);
    await byId(page, 'nav/dashboard').click();
    await byId(page, 'nav/vaults').click();
    await vaultCard(page, first.id).waitFor({ timeout: 30_000 });
    expect(await vaultCard(page, made.id).count()).toBe(0);
    await byId(page, 'nav/settings').click();
    await byId(page, 'settings/vault-restore-file').fill(backupFile);
    await byId(page, 'settings/vault-restore-password').fill('not the password');
    await byId(page, 'settings/vault-restore').click();
    expect(await byId(page, 'settings/vault-restore-error').getAttribute('data-code', { timeout: 30_000 })).toBe('wrong-password');
    expect(await textOf(page, 'settings/vault-restore-error')).toBe('That password is not right. Try again.');
    await byId(page, 'settings/vault-restore-password').fill(PASSWORD);
    await byId(page, 'settings/vault-restore').click();
    expect(await textOf(page, 'settings/vault-restore-done')).toBe('Restored 1 vault. Their state comes from the chain at the next sync.');
    await byId(page, 'settings/vault-restore-password').fill(PASSWORD);
    await byId(page, 'settings/vault-restore').click();
    await eventually(() => textOf(page, 'settings/vault-restore-done'), (t) => t === 'Nothing to restore: this wallet already has every vault in that backup.', 30_000, 'the second restore');
    // Withdraw and cancel below run on the restored vault.
    await waitForVault(page, made.id, 'funded');
    const card = vaultCard(page, made.id);

    // The first click only asks; keeping the vault changes nothing.
    await card.getByTestId('vault/cancel').click();
    await card.getByTestId('vault/cancel-step').waitFor();
    await card.getByTestId('vault/cancel-keep').click();
    expect(await card.getByTestId('vault/cancel-step').count()).toBe(0);
    expect(await card.getAttribute('data-status')).toBe('funded');

    await card.getByTestId('vault/withdraw').click();
    await waitForVault(page, made.id, 'unvaulting');
    const unvaultTxid = await vaultText(page, made.id, 'vault/unvault-txid');
    await cancelVault(page, made.id);
    await waitForVault(page, made.id, 'cancelled');
    const cancelTxid = await vaultText(page, made.id, 'vault/cancel-txid');
    await inMempool(cancelTxid, 'the cancel in the node mempool');
    const tx = await rawOf(cancelTxid);
    expect(tx.inputs.some((i) => hashToHex(i.prevTxid) === unvaultTxid && i.vout === 0)).toBe(true);
    // Vault n pays the descriptor's index n.
    expect([0, 1, 2, 3].some((i) => same(tx.outputs[0]!.script, second.scriptAt(i)))).toBe(true);
    // Its fee is one of the rungs the form showed before the vault was made.
    const unvault = await rawOf(unvaultTxid);
    const fee = unvault.outputs[0]!.value - tx.outputs.reduce((n, o) => n + o.value, 0);
    expect(shownFees).toContain(fee);
    await node.mine(1);
    await waitForVault(page, made.id, 'cancelled');
  });

  it('a thief’s unvault raises the alarm on every screen, and the app cancels it to the recovery wallet', async () => {
    const made = await createVault(page, { amount: '0.007', delay: DELAY, recovery: rec.descriptor });
    await waitForVault(page, made.id, 'funded');
    await node.mine(1);
    await eventually(() => vaultText(page, made.id, 'vault/confirmations'), (t) => t === '1 confirmation', 30_000, 'the deposit to confirm');
    await byId(page, 'nav/dashboard').click();

    const thief = stolen(made.id);
    const unvaultTxid = await node.submitTransaction(thief.unvault);
    const alarm = page.getByRole('alert').filter({ hasText: `A withdrawal you did not start is under way for vault ${made.id}` });
    await alarm.waitFor({ timeout: 30_000 });
    expect(await byId(page, 'screen/dashboard').count()).toBe(1);
    expect(await alarm.textContent()).toContain('Coffer broadcast a cancel to your recovery destination.');
    await screenshot(page, 'vaults-03-alert');

    await byId(page, 'vault-alert/open').click();
    await byId(page, 'screen/vaults').waitFor();
    await waitForVault(page, made.id, 'cancelled');
    expect(await vaultText(page, made.id, 'vault/unvault-txid')).toBe(unvaultTxid);
    const cancelTxid = await vaultText(page, made.id, 'vault/cancel-txid');
    await inMempool(cancelTxid, 'the cancel in the node mempool');
    const tx = await rawOf(cancelTxid);
    expect(tx.inputs.some((i) => hashToHex(i.prevTxid) === unvaultTxid && i.vout === 0)).toBe(true);
    expect(same(tx.outputs[0]!.script, rec.scriptAt(thief.seq))).toBe(true);
    await node.mine(1);
    await waitForVault(page, made.id, 'cancelled');
    expect(await vaultText(page, made.id, 'vault/alert')).toContain('did not start');
    await screenshot(page, 'vaults-04-list');
    const dark = await openAnotherPage(page, 'dark');
    await byId(dark.page, 'nav/vaults').click();
    await vaultCard(dark.page, made.id).waitFor({ timeout: 30_000 });
    await screenshot(dark.page, 'vaults-05-dark');
    expect(dark.problems).toEqual([]);
    await dark.page.close();

    // Over now (the coins reached the recovery side): the banner may be dismissed.
    await byId(page, 'vault-alert/dismiss').click();
    expect(await byId(page, 'app/vault-alert').count()).toBe(0);
    expect(watched.problems).toEqual([]);
  });

  it('pins a remote tower from the vaults screen: it confirms the vaults; one that cannot be reached says so', async () => {
    const tower = TowerProcess.serve(tmpDir('coffer-e2e-tower-'), node.address);
    try {
      const line = await tower.waitFor((l) => l.event === 'listening', 20_000, 'the tower to listen');
      const id = line['id'] as string;
      await byId(page, 'nav/vaults').click();
      await byId(page, 'towers/empty').waitFor({ timeout: 30_000 });
      const pin = async (address: string, towerId: string) => {
        await byId(page, 'towers/address').fill(address);
        await byId(page, 'towers/id').fill(towerId);
        await byId(page, 'towers/add').click();
        return page.locator(`[data-testid="tower"][data-tower-id="${towerId}"]`);
      };
      const card = await pin(line['address'] as string, id);
      await card.waitFor({ timeout: 30_000 });
      // The card may show before the first push lands (a newer package waiting): the confirmation follows.
      await card.getByTestId('tower/confirmed').filter({ hasText: /^Last confirmed / }).waitFor({ timeout: 30_000 });
      expect(await card.getAttribute('data-stale')).toBe('false');
      expect(await card.getByTestId('tower/stale').count()).toBe(0);
      expect(tower.find((l) => l.event === 'push')).toMatchObject({ vaults: 3 });

      const nowhere = hex.encode(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
      const down = await pin('127.0.0.1:1', nowhere);
      await down.waitFor({ timeout: 30_000 });
      expect(await down.getByTestId('tower/confirmed').textContent()).toBe('Has not confirmed yet. A newer package is waiting to reach it.');
      expect(await down.getByTestId('tower/error').textContent()).toMatch(/^Last try: The tower at 127\.0\.0\.1:1 cannot be reached/);
      await screenshot(page, 'vaults-06-towers');
      await down.getByTestId('tower/remove').click();
      await eventually(() => page.locator('[data-testid="tower"]').count(), (n) => n === 1, 30_000, 'the removed tower to go');
      expect(watched.problems).toEqual([]);
    } finally {
      await tower.stop();
    }
  });
});
