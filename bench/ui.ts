// The desktop UI: from `coffer serve` starting to the dashboard rendered for an unlocked wallet of
// 1,000 transactions with 1,000,000 stored headers (in Debian's Chromium, already running); the
// renderer bundle's size; the core process's resident memory at rest.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { genesisStart } from '../src/chain/header-chain.js';
import { chainParams } from '../src/chain/params.js';
import { serializeTx, txid as txidOf, type Tx } from '../src/chain/tx.js';
import { HeaderStore } from '../src/db/header-store.js';
import { upsertTx } from '../src/db/tx-store.js';
import { listAccounts, listAddresses } from '../src/db/wallet-store.js';
import { networkPaths } from '../src/service/datadir.js';
import { nullLogger } from '../src/service/log.js';
import { WalletService } from '../src/service/wallet-service.js';
import { regtestHeaders } from './headers.js';
import type { Figure } from './measure.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PASSWORD = 'benchmark password';
/** The pause on the unlock screen standing for typing the password. */
const TYPING_MS = 3_000;

/** A regtest datadir holding 1,000,000 headers and `txs` confirmed payments to the wallet. */
export function prepare(dir: string, headers: number, txs: number): { total: number; kdfMs: number } {
  const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  wallet.create({ words: 12, passphrase: '', script: 'wpkh', password: PASSWORD });
  const store = HeaderStore.open(networkPaths(dir, 'regtest').dir, chainParams('regtest'), genesisStart());
  const raw = regtestHeaders(headers);
  for (let i = 0; i < headers; i += 50_000) {
    const r = store.chain.add(raw.subarray(i * 80, Math.min(headers, i + 50_000) * 80), 2_000_000_000);
    if (r.change) store.apply(r.change);
  }
  const account = listAccounts(wallet.database)[0]!;
  const addresses = listAddresses(wallet.database, account.id, 0);
  let total = 0;
  wallet.database.transaction(() => {
    for (let t = 0; t < txs; t++) {
      const height = 1_000 + Math.floor((t * (headers - 2_000)) / txs);
      const value = 50_000 + t * 7;
      total += value;
      const tx: Tx = {
        version: 2,
        inputs: [{ prevTxid: new Uint8Array(32).fill(1 + (t % 250)), vout: t, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }],
        outputs: [{ value, script: addresses[t % addresses.length]!.script }],
        locktime: 0,
      };
      upsertTx(wallet.database, txidOf(tx), {
        raw: serializeTx(tx),
        firstSeen: store.chain.timeAt(height),
        confirmation: { blockHash: store.chain.hashAt(height), height, pos: 1, time: store.chain.timeAt(height) },
      });
    }
    wallet.setMeta('tip_height', String(store.chain.height));
    // A peer that is not there: the core tries to sync in the background, as it would offline.
    wallet.setMeta('backend', JSON.stringify({ kind: 'spv', connect: ['127.0.0.1:9'] }));
    wallet.setMeta('backup_confirmed', '1');
  })();
  store.close();
  // The password's key derivation alone, to tell it apart from the UI's own time.
  const kdfStart = performance.now();
  wallet.unlock(PASSWORD);
  const kdfMs = performance.now() - kdfStart;
  wallet.close();
  fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ network: 'regtest' }));
  return { total, kdfMs };
}

/** Runs in the page before its own script: notes when the screens measured here first appear. */
const MARKS = `
  window.__coffer_marks = {};
  new MutationObserver(() => {
    const m = window.__coffer_marks;
    const now = performance.timeOrigin + performance.now();
    if (!m.unlock && document.querySelector('[data-testid="unlock/password"]')) m.unlock = now;
    const balance = document.querySelector('[data-testid="dashboard/confirmed"]');
    if (!m.dashboard && balance && balance.textContent.endsWith(' BTC') && document.querySelector('[data-testid="dashboard/recent"] [data-testid="tx-row"]')) m.dashboard = now;
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function bundle(): { js: number; css: number; jsGzip: number; cssGzip: number } {
  const assets = path.join(ROOT, 'dist', 'renderer', 'assets');
  const sizes = { js: 0, css: 0, jsGzip: 0, cssGzip: 0 };
  for (const f of fs.readdirSync(assets)) {
    const bytes = fs.readFileSync(path.join(assets, f));
    const gz = zlib.gzipSync(bytes, { level: 9 }).length;
    if (f.endsWith('.js')) {
      sizes.js += bytes.length;
      sizes.jsGzip += gz;
    } else if (f.endsWith('.css')) {
      sizes.css += bytes.length;
      sizes.cssGzip += gz;
    }
  }
  return sizes;
}

export async function benchUi(headers = 1_000_000, txs = 1_000): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-ui-'));
  const browser = await chromium.launch({
    executablePath: process.env['COFFER_CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const { total, kdfMs } = prepare(dir, headers, txs);
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 820 } })).newPage();
    // The page notes (in epoch ms) when the unlock screen and the filled dashboard first exist in
    // the DOM: a locator's wait from outside backs off to 500 ms between looks.
    await page.addInitScript(MARKS);

    const t0 = performance.now();
    const epoch0 = Date.now();
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'coffer.js'), '--datadir', dir, 'serve'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
      });
      child!.once('exit', (code) => reject(new Error(`coffer serve exited with ${code}`)));
    });
    const tUrl = performance.now();
    await page.goto(url);
    await page.getByTestId('unlock/password').waitFor({ timeout: 60_000 });
    // A person takes a few seconds to type a password: not counted, but the core keeps working
    // meanwhile (its first sync round loads the header chain).
    await new Promise((r) => setTimeout(r, TYPING_MS));
    await page.getByTestId('unlock/password').fill(PASSWORD);
    const submitEpoch = Date.now();
    await page.getByTestId('unlock/submit').click();
    const expected = `${Math.floor(total / 1e8)}.${String(total % 1e8).padStart(8, '0')} BTC`;
    await page.getByTestId('dashboard/confirmed').filter({ hasText: expected }).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="dashboard/recent"] [data-testid="tx-row"]').first().waitFor({ timeout: 60_000 });

    // At rest: the dashboard shown, the background sync retrying an absent peer.
    await new Promise((r) => setTimeout(r, 5_000));
    const rss = rssOf(child.pid!);

    const marks = (await page.evaluate('window.__coffer_marks')) as { unlock: number; dashboard: number };
    const start = marks.unlock - epoch0;
    const unlock = marks.dashboard - submitEpoch;
    const b = bundle();
    const kib = (n: number) => (n / 1024).toFixed(0);
    return [
      { name: '`coffer serve` start to its address printed', value: tUrl - t0, unit: 'ms' },
      { name: `serve start to unlock screen (${(headers / 1e6).toFixed(0)}M headers, ${txs.toLocaleString('en')} txs)`, value: start, unit: 'ms' },
      { name: 'unlock submitted to dashboard rendered', value: unlock, unit: 'ms', note: `includes the scrypt key derivation, ${kdfMs.toFixed(0)} ms alone` },
      { name: 'serve start to dashboard of the unlocked wallet', value: start + unlock, unit: 'ms', note: `${(start + unlock - kdfMs).toFixed(0)} ms without the key derivation; ${TYPING_MS / 1000} s of typing not counted` },
      { name: 'renderer bundle: JavaScript', value: b.js / 1024, unit: 'KiB', note: `${kib(b.jsGzip)} KiB gzipped` },
      { name: 'renderer bundle: CSS', value: b.css / 1024, unit: 'KiB', note: `${kib(b.cssGzip)} KiB gzipped` },
      { name: 'core process resident memory at rest (dashboard shown)', value: rss, unit: 'MiB' },
    ];
  } finally {
    child?.kill('SIGTERM');
    await browser.close();
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
