// What a person does in the UI, as steps an end-to-end test can call: the test reads as the user's
// story, and a changed screen is fixed in one place.

import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage, type WatchedPage } from '../helpers/browser.js';
import { serve, type ServeProcess } from '../helpers/shell.js';

const BTC = 100_000_000;

/** "1.50000000 BTC" -> 150000000 (digit groups as en-US writes them: "1,234.00000000 BTC"). */
export function satsOf(text: string): number {
  const m = /(-?)(\d{1,3}(?:,\d{3})*)\.(\d{8}) BTC/.exec(text);
  if (!m) throw new Error(`no BTC amount in "${text}"`);
  return (m[1] ? -1 : 1) * (Number(m[2]!.replaceAll(',', '')) * BTC + Number(m[3]));
}

/** "1,410 sats · 5 sat/vB" -> 1410, "0.00001410 BTC · 5 sat/vB" -> 1410 (the first amount, in either unit). */
export function satsCountOf(text: string): number {
  const m = /([\d,]+) sats/.exec(text);
  if (!m) return satsOf(text);
  return Number(m[1]!.replaceAll(',', ''));
}

/**
 * Waits until `read` returns a value satisfying `ok` (the UI updates on its own, by core events).
 * A read that throws (a screen still loading) counts as not yet.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await read();
      last = v;
      if (ok(v)) return v;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

export const byId = (page: Page, id: string) => page.getByTestId(id);

export async function textOf(page: Page, id: string): Promise<string> {
  return (await byId(page, id).textContent({ timeout: 30_000 })) ?? '';
}

export interface WalletChoice {
  peer: string;
  password: string;
  /** The light client that connects to `peer`: bloom filters (the default here) or compact filters. */
  backend?: 'spv' | 'filters';
}

/** Fills the password on the create or restore form's first part, then network (regtest) and the light client's peer on the second. */
async function fillCommon(page: Page, prefix: 'create' | 'restore', w: WalletChoice): Promise<void> {
  await byId(page, `${prefix}/password`).fill(w.password);
  await byId(page, `${prefix}/confirm`).fill(w.password);
  await byId(page, `${prefix}/next`).click();
  await byId(page, `${prefix}/network`).selectOption('regtest');
  await byId(page, `${prefix}/backend-${w.backend ?? 'spv'}`).check();
  await byId(page, `${prefix}/peers`).fill(w.peer);
}

/** Welcome -> create form -> the words screen; returns the words as shown. */
export async function createWallet(page: Page, w: WalletChoice, onForm?: () => Promise<void>): Promise<string[]> {
  await byId(page, 'onboarding/create').click();
  await fillCommon(page, 'create', w);
  if (onForm) await onForm();
  await byId(page, 'create/submit').click();
  await byId(page, 'backup/words').waitFor({ timeout: 30_000 });
  const items = await byId(page, 'backup/words').locator('li').allTextContents();
  return items.map((s) => s.trim());
}

/** The quiz: the positions it asks for, filled from `words` (or with `wrong` for every answer). */
export async function answerQuiz(page: Page, words: readonly string[], wrong?: string): Promise<void> {
  const answers = byId(page, 'backup/quiz').locator('[data-testid^="backup/answer-"]');
  const n = await answers.count();
  expect(n).toBeGreaterThanOrEqual(3);
  for (let i = 0; i < n; i++) {
    const position = Number(await answers.nth(i).getAttribute('data-position'));
    await answers.nth(i).fill(wrong ?? words[position - 1]!);
  }
  await byId(page, 'backup/confirm').click();
}

export async function restoreWallet(page: Page, words: readonly string[], w: WalletChoice): Promise<void> {
  await byId(page, 'onboarding/restore').click();
  await byId(page, 'restore/words').fill(words.join(' '));
  await fillCommon(page, 'restore', w);
  await byId(page, 'restore/submit').click();
  await byId(page, 'screen/dashboard').waitFor({ timeout: 60_000 });
}

export interface Balances {
  confirmed: number;
  pending: number;
  immature: number;
}

/** The three balances as one render shows them (read together: separate reads could straddle a re-render). */
export async function balances(page: Page): Promise<Balances> {
  const texts = (await page.evaluate(
    `['dashboard/confirmed', 'dashboard/pending', 'dashboard/immature'].map((id) => document.querySelector('[data-testid="' + id + '"]')?.textContent ?? null)`,
  )) as (string | null)[];
  const [confirmed, pending, immature] = texts;
  if (confirmed == null || pending == null) throw new Error('the dashboard is not showing its balances');
  return { confirmed: satsOf(confirmed), pending: satsOf(pending), immature: immature == null ? 0 : satsOf(immature) };
}

/** Waits until the dashboard shows balances satisfying `ok`, as they arrive through sync. */
export async function waitForBalances(page: Page, ok: (b: Balances) => boolean, what: string, timeoutMs = 60_000): Promise<Balances> {
  await byId(page, 'nav/dashboard').click();
  return eventually(() => balances(page), ok, timeoutMs, what);
}

export async function shownAddress(page: Page): Promise<string> {
  await byId(page, 'nav/receive').click();
  const text = await eventually(() => textOf(page, 'receive/address'), (t) => t.startsWith('bcrt1'), 15_000, 'a receive address');
  return text.trim();
}

export interface SendForm {
  address: string;
  amount: string;
  unit?: 'btc' | 'sats';
  label?: string;
}

/** Fills the send form and asks for the review. */
export async function startSend(page: Page, f: SendForm): Promise<void> {
  await byId(page, 'nav/send').click();
  await byId(page, 'send/address').fill(f.address);
  await byId(page, 'send/unit').selectOption(f.unit ?? 'btc');
  await byId(page, 'send/amount').fill(f.amount);
  if (f.label) await byId(page, 'send/label').fill(f.label);
  await byId(page, 'send/review').click();
}

export async function lock(page: Page): Promise<void> {
  await byId(page, 'app/lock').click();
  await byId(page, 'screen/unlock').waitFor();
}

export async function unlock(page: Page, password: string): Promise<void> {
  await byId(page, 'unlock/password').fill(password);
  await byId(page, 'unlock/submit').click();
}

export interface VaultChoice {
  amount: string;
  unit?: 'btc' | 'sats';
  delay: number;
  recovery: string;
}

/** The vault's card on the Vaults screen. */
export const vaultCard = (page: Page, id: string) => page.locator(`[data-testid="vault"][data-vault-id="${id}"]`);

/** Fills the create form and (unless told not to) waits for the core's preview of the cancel costs. */
export async function fillVaultForm(page: Page, v: VaultChoice, waitForPreview = true): Promise<void> {
  await byId(page, 'nav/vaults').click();
  await byId(page, 'vaults/unit').selectOption(v.unit ?? 'btc');
  await byId(page, 'vaults/amount').fill(v.amount);
  await byId(page, 'vaults/delay').fill(String(v.delay));
  await byId(page, 'vaults/recovery').fill(v.recovery);
  if (waitForPreview) await byId(page, 'vaults/costs').waitFor({ timeout: 15_000 });
}

/** Creates the vault from a filled form through its review step; its id and deposit as the notice shows them. */
export async function createVault(page: Page, v: VaultChoice): Promise<{ id: string; depositTxid: string }> {
  await fillVaultForm(page, v);
  // Review (the deposit and its fee), then create.
  await byId(page, 'vaults/review').click();
  await byId(page, 'vaults/create').click();
  await byId(page, 'vaults/created').waitFor({ timeout: 30_000 });
  return { id: (await textOf(page, 'vaults/created-id')).trim(), depositTxid: (await textOf(page, 'vaults/created-txid')).trim() };
}

/** Waits until the vault's card shows `status` (it follows the chain by itself). */
export async function waitForVault(page: Page, id: string, status: string, timeoutMs = 60_000): Promise<void> {
  await byId(page, 'nav/vaults').click();
  await eventually(async () => vaultCard(page, id).getAttribute('data-status', { timeout: 1_000 }), (s) => s === status, timeoutMs, `vault ${id} to be ${status}`);
}

/** A text on the vault's card, by test id. */
export async function vaultText(page: Page, id: string, testId: string): Promise<string> {
  return ((await vaultCard(page, id).getByTestId(testId).textContent({ timeout: 30_000 })) ?? '').trim();
}

/** Cancel to recovery, through the confirm step. */
export async function cancelVault(page: Page, id: string): Promise<void> {
  const card = vaultCard(page, id);
  await card.getByTestId('vault/cancel').click();
  await card.getByTestId('vault/cancel-confirm').click();
}

/** A channel's card on the Channels screen. */
export const channelCard = (page: Page, id: string) => page.locator(`[data-testid="channel"][data-channel-id="${id}"]`);

export interface ChannelView {
  state: string;
  usable: boolean;
  confirmations: string;
  localMsat: number;
  remoteMsat: number;
}

/** What the channel's card shows; throws while it is not on the screen. */
export async function channelView(page: Page, id: string): Promise<ChannelView> {
  const card = channelCard(page, id);
  const attr = async (testId: string, name: string) => Number(await card.getByTestId(testId).getAttribute(name, { timeout: 1_000 }));
  return {
    state: (await card.getAttribute('data-state', { timeout: 1_000 })) ?? '',
    usable: (await card.getAttribute('data-usable', { timeout: 1_000 })) === 'true',
    confirmations: ((await card.getByTestId('channel/confirmations').textContent({ timeout: 1_000 })) ?? '').trim(),
    localMsat: await attr('channel/local', 'data-msat'),
    remoteMsat: await attr('channel/remote', 'data-msat'),
  };
}

/** Waits until the channel's card satisfies `ok` (the screen reloads the list by itself). */
export async function waitForChannel(page: Page, id: string, ok: (c: ChannelView) => boolean, what: string, timeoutMs = 60_000): Promise<ChannelView> {
  return eventually(() => channelView(page, id), ok, timeoutMs, what);
}

/** Fills the open-a-channel form and submits it. */
export async function fillChannelForm(page: Page, peer: string, sats: number, pushSats?: number): Promise<void> {
  await byId(page, 'channels/peer').fill(peer);
  await byId(page, 'channels/open/unit').selectOption('sats');
  await byId(page, 'channels/open/amount').fill(String(sats));
  await byId(page, 'channels/push/amount').fill(pushSats ? String(pushSats) : '');
  await byId(page, 'channels/open-submit').click();
}

/** Opens a channel through the form; its id and funding transaction as the notice shows them. */
export async function openChannel(page: Page, peer: string, sats: number): Promise<{ channelId: string; fundingTxid: string }> {
  await fillChannelForm(page, peer, sats);
  await byId(page, 'channels/opened').waitFor({ timeout: 60_000 });
  return { channelId: (await textOf(page, 'channels/opened-id')).trim(), fundingTxid: (await textOf(page, 'channels/opened-txid')).trim() };
}

/** Pastes an invoice into the pay form and pays it. */
export async function payInvoice(page: Page, bolt11: string): Promise<void> {
  await byId(page, 'channels/pay-invoice').fill(bolt11);
  await byId(page, 'channels/pay-submit').click();
}

/** Creates an invoice through the form; the BOLT 11 text it shows. */
export async function createInvoice(page: Page, sats: number | undefined, description: string): Promise<string> {
  await byId(page, 'channels/invoice/unit').selectOption('sats');
  await byId(page, 'channels/invoice/amount').fill(sats === undefined ? '' : String(sats));
  await byId(page, 'channels/invoice-description').fill(description);
  await byId(page, 'channels/invoice-submit').click();
  return (await textOf(page, 'channels/invoice-bolt11')).trim();
}

/** The node a funded app's wallet syncs from and is paid by: a bcoin RegtestNode, or btcd with its miner's coins. */
export interface FundingNode {
  /** Its P2P address, `host:port`. */
  readonly address: string;
  /** The light client the wallet uses with it (default: bloom filters). */
  readonly backend?: WalletChoice['backend'];
  send(address: string, sats: number): Promise<unknown>;
  mine(n: number): Promise<unknown>;
}

/**
 * `coffer serve` on `datadir` in a new page of `browser`, a wallet created there (backup left for
 * later) and paid `sats` in a mined block; `beforeMine` finishes first (other set-up alongside).
 */
export async function fundedApp(
  browser: Browser,
  node: FundingNode,
  datadir: string,
  password: string,
  sats: number,
  beforeMine?: Promise<unknown>,
): Promise<{ shell: ServeProcess; watched: WatchedPage; page: Page }> {
  const shell = await serve(datadir);
  const watched = await openPage(browser, shell.url);
  const page = watched.page;
  await byId(page, 'onboarding/welcome').waitFor();
  await createWallet(page, { peer: node.address, password, ...(node.backend ? { backend: node.backend } : {}) });
  await byId(page, 'backup/later').click();
  await byId(page, 'screen/dashboard').waitFor({ timeout: 30_000 });
  await node.send(await shownAddress(page), sats);
  await beforeMine;
  await node.mine(1);
  await waitForBalances(page, (b) => b.confirmed === sats, 'the funding payment');
  return { shell, watched, page };
}
