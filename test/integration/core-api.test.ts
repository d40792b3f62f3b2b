// The core behind the UI, called as the shell and main call it: every payload parsed, errors
// returned as data (never thrown), the wallet's data closed while it is locked; what needs the
// password even with the API in hand (another wallet, the auto-lock); what the API may not set (a
// cookie file, a public RPC address unconfirmed); the RPC password never on disk in clear; the peers view.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LABELS_TEXT_MAX, type AppStatus, type CofferEvent } from '../../src/api/contract.js';
import type { PeerInfo } from '../../src/api/peers.js';
import { Core } from '../../src/service/core.js';
import { nullLogger } from '../../src/service/log.js';
import { SyncLoop } from '../../src/service/sync-loop.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { coffer } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { code, value } from '../helpers/result.js';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = 'correct horse battery';
/** A peer that refuses connections: the sync loop fails and retries, the API keeps working. */
const NOWHERE = { kind: 'spv' as const, connect: ['127.0.0.1:1'] };


describe('core API', () => {
  const datadir = tmpDir();
  let core: Core;
  const events: CofferEvent[] = [];
  let mnemonic: string[];

  beforeAll(async () => {
    core = new Core(datadir);
    core.on('event', (e) => events.push(e));
    await core.start();
  });
  afterAll(() => core.stop());

  it('starts with no wallet and says so', async () => {
    const s = value<AppStatus>(await core.call('app.status', {}));
    expect(s.wallets).toEqual([]);
    expect(s.open).toBeUndefined();
    expect(code(await core.call('wallet.summary', {}))).toBe('no-wallet');
    expect(code(await core.call('sync.peers', {}))).toBe('no-wallet');
  });

  it('refuses unknown methods and malformed payloads with a usage error, never throwing', async () => {
    const bad: [unknown, unknown][] = [
      ['wallet.steal', {}],
      [42, {}],
      [undefined, undefined],
      ['__proto__', {}],
      ['toString', {}],
      ['constructor', {}],
      ['app.status', { extra: 1 }],
      ['app.status', 'text'],
      ['app.status', []],
      ['wallet.unlock', {}],
      ['wallet.unlock', { password: 5 }],
      ['wallet.unlock', { password: '' }],
      ['wallet.create', { network: 'moon', words: 12, script: 'wpkh', password: PASSWORD, backend: NOWHERE }],
      ['wallet.create', { network: 'regtest', words: 13, script: 'wpkh', password: PASSWORD, backend: NOWHERE }],
      ['wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: ['no port'] } }],
      ['send.preview', { recipients: [{ address: 'x', amount: -5 }] }],
      ['send.preview', { recipients: [{ address: 'x', amount: 1.5 }] }],
      ['send.preview', { recipients: [{ address: 'x', amount: 21_000_000 * 100_000_000 + 1 }] }],
      ['send.preview', { recipients: [] }],
      ['wallet.transaction', { txid: 'zz' }],
      ['wallet.history', { limit: 0 }],
      ['wallet.history', { limit: 2.5 }],
      ['wallet.history', { limit: '6' }],
      ['wallet.freeze', { outpoint: 'abc:0', frozen: true }],
      ['node.mine', { blocks: 0 }],
      ['labels.import', { text: 'x'.repeat(LABELS_TEXT_MAX + 1) }],
    ];
    for (const [method, params] of bad) {
      const r = await core.call(method, params);
      expect(code(r), `${String(method)} ${JSON.stringify(params)?.slice(0, 80)}`).toBe('usage');
    }
  });

  it('creates a wallet, unlocked, whose backup is not yet confirmed', async () => {
    const r = value<{ fingerprint: string }>(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: NOWHERE }));
    expect(r.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    const s = value<AppStatus>(await core.call('app.status', {}));
    expect(s.wallets).toEqual(['regtest']);
    expect(s.open).toEqual({ network: 'regtest', locked: false, backend: 'spv', fingerprint: r.fingerprint, backupConfirmed: false });
    expect(code(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: NOWHERE }))).toBe('wallet-exists');
  });

  it('shows the words only for the password, and confirms the backup only with the right words', async () => {
    expect(code(await core.call('wallet.reveal', { password: 'not the password' }))).toBe('wrong-password');
    mnemonic = value<{ mnemonic: string }>(await core.call('wallet.reveal', { password: PASSWORD })).mnemonic.split(' ');
    expect(mnemonic).toHaveLength(12);
    const wrong = await core.call('wallet.checkWords', { password: PASSWORD, answers: [{ position: 1, word: mnemonic[1] === mnemonic[0] ? 'zoo' : mnemonic[1]! }] });
    expect(value<{ correct: boolean }>(wrong).correct).toBe(false);
    expect(value<AppStatus>(await core.call('app.status', {})).open?.backupConfirmed).toBe(false);
    const right = await core.call('wallet.checkWords', { password: PASSWORD, answers: [3, 7, 12].map((p) => ({ position: p, word: ` ${mnemonic[p - 1]!.toUpperCase()} ` })) });
    expect(value<{ correct: boolean }>(right).correct).toBe(true);
    expect(value<AppStatus>(await core.call('app.status', {})).open?.backupConfirmed).toBe(true);
  });

  it('shows the same receive address until asked for a fresh one', async () => {
    const a = value<{ address: string; index: number }>(await core.call('wallet.address', {}));
    const b = value<{ address: string; index: number }>(await core.call('wallet.address', {}));
    expect(b).toEqual(a);
    const c = value<{ address: string; index: number }>(await core.call('wallet.address', { fresh: true }));
    expect(c.index).toBe(a.index + 1);
    expect(value<{ address: string }>(await core.call('wallet.address', {})).address).toBe(c.address);
    expect(c.address).toMatch(/^bcrt1q/);
  });

  it('answers bad payment input with typed errors', async () => {
    expect(code(await core.call('uri.parse', { text: 'bcrt1qnotanaddress' }))).toBe('invalid-address');
    expect(code(await core.call('uri.parse', { text: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }))).toBe('wrong-network');
    expect(code(await core.call('uri.parse', { text: 'bitcoin:bcrt1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?req-magic=1' }))).toBe('invalid-uri');
    const to = value<{ address: string }>(await core.call('wallet.address', { fresh: true })).address;
    const uri = value<{ uri: string }>(await core.call('uri.build', { address: to, amountSat: 150_000, label: 'rent & food' })).uri;
    expect(value(await core.call('uri.parse', { text: uri }))).toEqual({ address: to, amountSat: 150_000, label: 'rent & food' });
    expect(code(await core.call('send.preview', { recipients: [{ address: to, amount: 10_000 }], feeRate: 2 }))).toBe('insufficient-funds');
    expect(code(await core.call('send.preview', { recipients: [{ address: 'bcrt1qnotanaddress', amount: 10_000 }], feeRate: 2 }))).toBe('invalid-address');
  });

  it('when locked, refuses every call that shows wallet data, and reopens only with the password', async () => {
    events.length = 0;
    value(await core.call('wallet.lock', {}));
    expect(events).toContainEqual({ type: 'locked' });
    for (const m of ['wallet.summary', 'wallet.history', 'wallet.utxos', 'wallet.address', 'wallet.descriptors', 'settings.get', 'labels.export', 'fees.get']) {
      expect(code(await core.call(m, {})), m).toBe('wallet-locked');
    }
    expect(value<AppStatus>(await core.call('app.status', {})).open?.locked).toBe(true);
    expect(code(await core.call('wallet.unlock', { password: 'wrong password!' }))).toBe('wrong-password');
    value(await core.call('wallet.unlock', { password: PASSWORD }));
    const s = value<{ confirmed: number; series: unknown[] }>(await core.call('wallet.summary', {}));
    expect(s.confirmed).toBe(0);
    expect(s.series).toEqual([]);
  });

  it('changes settings within their limits; the auto-lock only with the password', async () => {
    const minutes = async () => value<{ autoLockMinutes: number }>(await core.call('settings.get', {})).autoLockMinutes;
    const before = await minutes();
    expect(code(await core.call('settings.set', { autoLockMinutes: 0 }))).toBe('password-required');
    expect(code(await core.call('settings.set', { autoLockMinutes: 0, password: 'not the password' }))).toBe('wrong-password');
    expect(await minutes()).toBe(before);
    value(await core.call('settings.set', { autoLockMinutes: 7, password: PASSWORD }));
    expect(await minutes()).toBe(7);
    // Saving the same value again (a form saving everything) changes nothing and needs no password.
    value(await core.call('settings.set', { autoLockMinutes: 7 }));
    expect(code(await core.call('settings.set', { autoLockMinutes: 99999, password: PASSWORD }))).toBe('usage');
    expect(code(await core.call('node.mine', { blocks: 1 }))).toBe('backend-unavailable');
    // While locked, not even with the password: unlock first.
    value(await core.call('wallet.lock', {}));
    expect(code(await core.call('settings.set', { autoLockMinutes: 0, password: PASSWORD }))).toBe('wallet-locked');
    value(await core.call('wallet.unlock', { password: PASSWORD }));
    expect(await minutes()).toBe(7);
  });

  it('keeps an RPC password in the core: never sent back, kept when the form leaves it empty, never in clear on disk', async () => {
    const rpc = { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice', password: 'rpc-s3cret' };
    value(await core.call('settings.set', { backend: rpc }));
    const shown = value<{ backend: Record<string, unknown> }>(await core.call('settings.get', {}));
    expect(shown.backend).toEqual({ kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice', passwordStatus: 'saved' });
    expect(JSON.stringify(shown)).not.toContain('rpc-s3cret');
    const files = () => ['wallet.sqlite', 'wallet.sqlite-wal'].map((f) => path.join(datadir, 'regtest', f)).filter((f) => fs.existsSync(f));
    expect(files()).toHaveLength(2);
    for (const f of files()) expect(fs.readFileSync(f).includes(Buffer.from('rpc-s3cret')), f).toBe(false);
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice' } }));
    const saved = () => {
      const w = WalletService.open({ datadir, network: 'regtest', logger: nullLogger });
      try {
        return JSON.parse(w.meta('backend')!) as { password?: string; passwordBox?: string };
      } finally {
        w.close();
      }
    };
    expect(saved().password).toBeUndefined();
    expect(saved().passwordBox).toMatch(/^sb1\./);
    // Another user of the node, or another node, does not inherit it.
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'bob' } }));
    expect(saved().passwordBox).toBeUndefined();
    value(await core.call('settings.set', { backend: rpc }));
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:2/', user: 'alice' } }));
    expect(saved().passwordBox).toBeUndefined();
    value(await core.call('settings.set', { backend: NOWHERE }));
  });

  it('takes no cookie file from the API, and an RPC address outside this computer and its network only when confirmed', async () => {
    for (const cookieFile of ['/etc/passwd', path.join(datadir, 'regtest', 'wallet.sqlite')]) {
      const r = await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:8332/', cookieFile } });
      expect(code(r)).toBe('cookie-file-cli-only');
    }
    const before = value<AppStatus>(await core.call('app.status', {})).wallets;
    expect(code(await core.call('wallet.create', { network: 'signet', words: 12, script: 'wpkh', password: PASSWORD, currentPassword: PASSWORD, backend: { kind: 'rpc', url: 'http://127.0.0.1:38332/', cookieFile: '/etc/passwd' } }))).toBe(
      'cookie-file-cli-only',
    );
    expect(value<AppStatus>(await core.call('app.status', {})).wallets).toEqual(before);
    for (const url of ['http://203.0.113.9:8332/', 'https://node.example.com/', 'http://[2001:db8::1]:8332/', 'http://[::ffff:8.8.8.8]:8332/', 'http://8.8.8.8/']) {
      const r = await core.call('settings.set', { backend: { kind: 'rpc', url, user: 'alice', password: 'pw' } });
      expect(code(r), url).toBe('rpc-host-public');
      expect(!r.ok && r.error.code === 'rpc-host-public' ? r.error.details?.host : undefined).toBe(new URL(url).hostname);
    }
    expect(value<{ backend: { kind: string } }>(await core.call('settings.get', {})).backend.kind).toBe('spv');
    // (Port 1 refuses at once: each change starts a sync round, and the next change waits for it.
    // The private ranges are covered in test/unit/backend-setting.test.ts.)
    for (const url of ['http://127.0.0.1:1/', 'http://localhost:1/', 'http://[::1]:1/', 'http://[::ffff:127.0.0.1]:1/']) {
      value(await core.call('settings.set', { backend: { kind: 'rpc', url, user: 'alice', password: 'pw' } }));
    }
    // 0.0.0.0 is not named as loopback or private, so it is confirmed like a public address.
    expect(code(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://0.0.0.0:1/', user: 'alice', password: 'pw' } }))).toBe('rpc-host-public');
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://0.0.0.0:1/', user: 'alice', password: 'pw', publicHostConfirmed: true } }));
    // Saving it again (the same address) needs no second confirmation.
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://0.0.0.0:1/', user: 'alice' } }));
    value(await core.call('settings.set', { backend: NOWHERE }));
  });

  it('sends a cookie file set with the coffer command to its own node only, never to an address typed in the app', async () => {
    const heard = new Map<number, string[]>();
    const servers = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<http.Server>((resolve) => {
            const s = http.createServer((req, res) => {
              const port = (s.address() as { port: number }).port;
              heard.set(port, [...(heard.get(port) ?? []), req.headers.authorization ?? '']);
              res.writeHead(401).end();
            });
            s.listen(0, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    const [own, other] = servers.map((s) => (s.address() as { port: number }).port) as [number, number];
    const cookieFile = path.join(datadir, 'node.cookie');
    fs.writeFileSync(cookieFile, '__cookie__:f1le-c0ntent-s3cret');
    const secret = Buffer.from('__cookie__:f1le-c0ntent-s3cret').toString('base64');
    try {
      const set = await coffer(['--datadir', datadir, '--network', 'regtest', '--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${own}/`, '--rpc-cookie', cookieFile, 'config', 'backend']);
      expect(set.code, set.stderr).toBe(0);
      expect(set.json).toEqual({ backend: { kind: 'rpc', url: `http://127.0.0.1:${own}/`, cookieFile, passwordStatus: 'none' } });
      const shown = value<{ backend: Record<string, unknown> }>(await core.call('settings.get', {})).backend;
      expect(shown).toEqual({ kind: 'rpc', url: `http://127.0.0.1:${own}/`, cookieFile, passwordStatus: 'none' });
      // Kept as it is (the form saving what it was shown): the app's node gets the cookie.
      value(await core.call('settings.set', { backend: shown as never }));
      value(await core.call('sync.now', {}));
      expect(heard.get(own)).toContain(`Basic ${secret}`);
      // The same cookie file with another address is refused; without it, the other address gets none.
      expect(code(await core.call('settings.set', { backend: { kind: 'rpc', url: `http://127.0.0.1:${other}/`, cookieFile } }))).toBe('cookie-file-cli-only');
      value(await core.call('settings.set', { backend: { kind: 'rpc', url: `http://127.0.0.1:${other}/` } }));
      value(await core.call('sync.now', {}));
      expect(heard.get(other)?.length).toBeGreaterThan(0);
      expect(JSON.stringify(heard.get(other))).not.toContain(secret);
    } finally {
      value(await core.call('settings.set', { backend: NOWHERE }));
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('creates, restores or starts the playground beside an existing wallet only with its password, even while locked', async () => {
    value(await core.call('wallet.lock', {}));
    const create = { network: 'test', words: 12, script: 'wpkh', password: 'attacker password', backend: NOWHERE };
    expect(code(await core.call('wallet.create', create))).toBe('password-required');
    expect(code(await core.call('wallet.create', { ...create, currentPassword: 'attacker password' }))).toBe('wrong-password');
    const restore = { network: 'test', mnemonic: 'abandon '.repeat(11) + 'about', script: 'wpkh', password: 'attacker password', backend: NOWHERE };
    expect(code(await core.call('wallet.restore', restore))).toBe('password-required');
    expect(code(await core.call('wallet.restore', { ...restore, currentPassword: 'wrong password' }))).toBe('wrong-password');
    // The new wallet's own bad inputs are refused before the current password becomes a key.
    expect(code(await core.call('wallet.restore', { ...restore, mnemonic: 'abandon '.repeat(12), currentPassword: 'wrong password' }))).toBe('invalid-mnemonic');
    expect(code(await core.call('wallet.create', { ...create, password: 'short', currentPassword: 'wrong password' }))).toBe('password-too-short');
    // The playground's network (regtest) holds this wallet already.
    expect(code(await core.call('wallet.playground', { password: 'attacker password' }))).toBe('wallet-exists');
    const s = value<AppStatus>(await core.call('app.status', {}));
    expect(s.wallets).toEqual(['regtest']);
    expect(s.open).toMatchObject({ network: 'regtest', locked: true });
    // Whoever knows the password may add one: it opens, and the first stays in the data directory.
    value(await core.call('wallet.restore', { ...restore, currentPassword: PASSWORD }));
    expect(value<AppStatus>(await core.call('app.status', {})).open).toMatchObject({ network: 'test', locked: false });
    value(await core.call('app.open', { network: 'regtest' }));
    value(await core.call('wallet.unlock', { password: PASSWORD }));
  });

  it('refuses a coin named twice, and a failed restore of another network leaves this wallet open', async () => {
    const op = `${'cd'.repeat(32)}:0`;
    const r = await core.call('send.preview', { recipients: [{ address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amount: 10_000 }], feeRate: 2, inputs: [op, op] });
    expect(code(r)).toBe('invalid-outpoint');
    expect(r.ok ? '' : r.error.message).toContain('named twice');
    expect(code(await core.call('wallet.restore', { network: 'signet', mnemonic: 'not valid words at all', password: PASSWORD, currentPassword: PASSWORD, script: 'wpkh', backend: NOWHERE }))).toBe('invalid-mnemonic');
    expect(value<AppStatus>(await core.call('app.status', {})).open?.network).toBe('regtest');
    expect(value<{ confirmed: number }>(await core.call('wallet.summary', {})).confirmed).toBe(0);
  });

  it('checks a label like an import would: a bad ref or a line break is invalid-labels', async () => {
    expect(code(await core.call('wallet.setLabel', { type: 'tx', ref: 'foo', label: 'x' }))).toBe('invalid-labels');
    expect(code(await core.call('wallet.setLabel', { type: 'tx', ref: 'ab'.repeat(32), label: 'two\nlines' }))).toBe('invalid-labels');
    value(await core.call('wallet.setLabel', { type: 'tx', ref: 'AB'.repeat(32), label: 'Rent' }));
    expect(value<{ text: string }>(await core.call('labels.export', {})).text).toContain(`"ref":"${'ab'.repeat(32)}"`);
  });

  it('reopens the last wallet, locked, after a restart', async () => {
    await core.stop();
    core = new Core(datadir);
    await core.start();
    const s = value<AppStatus>(await core.call('app.status', {}));
    expect(s.open).toMatchObject({ network: 'regtest', locked: true, backupConfirmed: true });
    expect(s.wallets).toEqual(['test', 'regtest']);
    expect(code(await core.call('wallet.history', {}))).toBe('wallet-locked');
  });
});

describe('core sync loop against a regtest node', () => {
  let node: RegtestNode;
  let core: Core;
  const events: CofferEvent[] = [];

  beforeAll(async () => {
    node = await startNode();
    await node.fund();
    core = new Core(tmpDir());
    core.on('event', (e) => events.push(e));
    await core.start();
  });
  afterAll(async () => {
    await core?.stop();
    await node?.close();
  });

  it('a payment to a new wallet that its first round finds is news: only a restored wallet\'s first scan is quiet', async () => {
    const fresh = new Core(tmpDir());
    const seen: CofferEvent[] = [];
    fresh.on('event', (e) => seen.push(e));
    await fresh.start();
    try {
      value(await fresh.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: [node.address] } }));
      const { address } = value<{ address: string }>(await fresh.call('wallet.address', {}));
      // Paid before the first round starts (a second after the wallet opens): that round finds it.
      const txid = await node.send(address, 120_000);
      await waitFor(() => seen.some((e) => e.type === 'transaction' && e.txid === txid), 30_000, 'the transaction event');
    } finally {
      await fresh.stop();
    }
  });

  it('a payment announced while no sync round is listening still arrives in the next round', async () => {
    value(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: [node.address] } }));
    const { address } = value<{ address: string }>(await core.call('wallet.address', {}));
    // Right after a round ends the loop sleeps: the node announces the payment to a connected peer
    // that is not asking, once, and leaves it out of its later `mempool` answers.
    const roundEnded = () => new Promise<void>((resolve) => {
      const listen = (e: CofferEvent) => {
        if (e.type === 'sync' && e.state.phase === 'idle' && e.state.lastSyncedAt !== undefined) {
          core.off('event', listen);
          resolve();
        }
      };
      core.on('event', listen);
    });
    await roundEnded();
    const txid = await node.send(address, 250_000);
    await waitFor(() => events.some((e) => e.type === 'transaction' && e.txid === txid), 30_000, 'the transaction event');
    const summary = value<{ unconfirmed: number }>(await core.call('wallet.summary', {}));
    expect(summary.unconfirmed).toBe(250_000);
  });

  it('a block the peer announces starts a round at once (not at the next tick of the timer), which brings the wallet to it', async () => {
    const heard = vi.spyOn(SyncLoop.prototype as unknown as { heardNews(): void }, 'heardNews');
    await node.mine(1);
    await waitFor(() => heard.mock.calls.length > 0, 10_000, 'news of the block');
    const tip = node.tipHeight();
    await waitFor(() => events.some((e) => e.type === 'sync' && e.state.phase === 'idle' && e.state.height === tip), 10_000, `a round reaching ${tip}`);
    expect(value<{ tipHeight: number }>(await core.call('wallet.summary', {})).tipHeight).toBe(tip);
    heard.mockRestore();
  });

  it("lists the light client's peer for the peers view: the node, its services, plain v1, not through a proxy", async () => {
    const { peers } = value<{ peers: PeerInfo[] }>(await core.call('sync.peers', {}));
    expect(peers).toHaveLength(1);
    const [peer] = peers;
    expect(peer).toMatchObject({ address: node.address, transport: 'v1', viaProxy: false, inbound: false, startHeight: expect.any(Number) });
    expect(peer!.services).toEqual(expect.arrayContaining(['network', 'witness', 'bloom']));
    // bcoin 1.0.2 serves no compact filters: the reason regtest keeps BIP37 as its default.
    expect(peer!.services).not.toContain('compact filters');
    expect(peer!.userAgent).toMatch(/bcoin/);
  });
  it('reaches the node with an RPC password stored encrypted: while unlocked, again after lock and unlock', async () => {
    const status = async () => value<AppStatus>(await core.call('app.status', {})).sync;
    const url = `http://127.0.0.1:${node.httpPort}/`;
    // A wrong password shows that the node checks it.
    value(await core.call('settings.set', { backend: { kind: 'rpc', url, user: 'coffer', password: 'not-the-key' } }));
    value(await core.call('sync.now', {}));
    expect((await status()).error).toMatchObject({ code: 'backend-error', details: { reason: 'authentication' } });
    value(await core.call('settings.set', { backend: { kind: 'rpc', url, user: 'coffer', password: node.apiKey } }));
    value(await core.call('sync.now', {}));
    expect(await status()).toMatchObject({ phase: 'idle', height: node.tipHeight() });
    const dir = path.join(core.datadir, 'regtest');
    for (const f of ['wallet.sqlite', 'wallet.sqlite-wal']) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(bytes.includes(Buffer.from(node.apiKey)), f).toBe(false);
      expect(bytes.includes(Buffer.from(node.apiKey).toString('base64')), f).toBe(false);
    }
    // Locked, Coffer cannot read the password, and says so; unlocked, it authenticates again.
    value(await core.call('wallet.lock', {}));
    await node.mine(1);
    // The loop goes on syncing while locked (sync.now is for the unlocked app): its next round says why it cannot.
    await waitFor(async () => (await status()).error?.code === 'wallet-locked', 30_000, 'a sync round refused while locked');
    expect((await status()).error).toMatchObject({ code: 'wallet-locked', details: { reason: 'rpc-password' } });
    value(await core.call('wallet.unlock', { password: PASSWORD }));
    value(await core.call('sync.now', {}));
    expect(await status()).toMatchObject({ phase: 'idle', height: node.tipHeight() });
  });
});

describe("a command's own core (CoreOptions.command)", () => {
  it('makes a wallet beside another without its password (the app must give it), and saves no chain source when given none', async () => {
    const dir = tmpDir();
    const signet = { network: 'signet', words: 12, script: 'wpkh', password: 'another password' };
    const app = new Core(dir);
    try {
      value(await app.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: NOWHERE }));
      expect(value<{ backend: unknown }>(await app.call('settings.get', {})).backend).toEqual(NOWHERE);
      expect(code(await app.call('wallet.create', signet))).toBe('password-required');
    } finally {
      await app.stop();
    }
    const command = new Core(dir, { command: true });
    try {
      value(await command.call('wallet.create', signet));
      // None saved: signet's default, compact filters.
      expect(value<{ backend: unknown }>(await command.call('settings.get', {})).backend).toEqual({ kind: 'filters', connect: [] });
      expect(value<AppStatus>(await command.call('app.status', {})).wallets.sort()).toEqual(['regtest', 'signet']);
    } finally {
      await command.stop();
    }
  });
});
