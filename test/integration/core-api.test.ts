// The core behind the UI, called as the shell and main call it: every payload parsed, errors
// returned as data (never thrown), the wallet's data closed while it is locked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStatus, CofferEvent } from '../../src/api/contract.js';
import type { Result } from '../../src/api/errors.js';
import { Core } from '../../src/service/core.js';
import { nullLogger } from '../../src/service/log.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = 'correct horse battery';
/** A peer that refuses connections: the sync loop fails and retries, the API keeps working. */
const NOWHERE = { kind: 'spv' as const, connect: ['127.0.0.1:1'] };

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function code(r: Result<unknown>): string {
  if (r.ok) throw new Error('expected an error reply');
  return r.error.code;
}

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
      ['labels.import', { text: 'x'.repeat(10 * 1024 * 1024 + 1) }],
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

  it('changes settings within their limits', async () => {
    value(await core.call('settings.set', { autoLockMinutes: 7 }));
    expect(value<{ autoLockMinutes: number }>(await core.call('settings.get', {})).autoLockMinutes).toBe(7);
    expect(code(await core.call('settings.set', { autoLockMinutes: 99999 }))).toBe('usage');
    expect(code(await core.call('node.mine', { blocks: 1 }))).toBe('backend-unavailable');
  });

  it('keeps an RPC password in the core: never sent back, kept when the form leaves it empty', async () => {
    const rpc = { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice', password: 'rpc-s3cret' };
    value(await core.call('settings.set', { backend: rpc }));
    const shown = value<{ backend: Record<string, unknown> }>(await core.call('settings.get', {}));
    expect(shown.backend).toEqual({ kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice' });
    expect(JSON.stringify(shown)).not.toContain('rpc-s3cret');
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'alice' } }));
    const saved = () => {
      const w = WalletService.open({ datadir, network: 'regtest', logger: nullLogger });
      try {
        return JSON.parse(w.meta('backend')!) as { password?: string };
      } finally {
        w.close();
      }
    };
    expect(saved().password).toBe('rpc-s3cret');
    // Another user of the node does not inherit it.
    value(await core.call('settings.set', { backend: { kind: 'rpc', url: 'http://127.0.0.1:1/', user: 'bob' } }));
    expect(saved().password).toBeUndefined();
    value(await core.call('settings.set', { backend: NOWHERE }));
  });

  it('refuses a coin named twice, and a failed restore of another network leaves this wallet open', async () => {
    const op = `${'cd'.repeat(32)}:0`;
    const r = await core.call('send.preview', { recipients: [{ address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amount: 10_000 }], feeRate: 2, inputs: [op, op] });
    expect(code(r)).toBe('invalid-outpoint');
    expect(r.ok ? '' : r.error.message).toContain('named twice');
    expect(code(await core.call('wallet.restore', { network: 'test', mnemonic: 'not valid words at all', password: PASSWORD, script: 'wpkh', backend: NOWHERE }))).toBe('invalid-mnemonic');
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
});
