// The Electron IPC router's decisions (main/ipc-router.ts) and the core link's id matching
// (main/core-link.ts), with plain objects standing in for webContents, frames and the port.

import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES, METHODS, type CallMessage, type CofferEvent } from '../../src/api/contract.js';
import { ERROR_CODES } from '../../src/api/errors.js';
import { CORE_GONE, createCoreLink } from '../../main/core-link.js';
import { createRouter, DIALOG_METHODS, isAppUrl, isTrustedSender, mayUse, type DialogMethod, type SenderInfo, type WireReply } from '../../main/ipc-router.js';

const WINDOW_ID = 7;
const GOOD: SenderInfo = { webContentsId: WINDOW_ID, isMainFrame: true, url: 'app://coffer/index.html' };

const CHOSEN = '/home/user/backups/coffer-channels.backup';

/** A router with a fake core and a fake dialog that answers `chosen` (null: cancelled). */
function router(chosen: string | null = CHOSEN) {
  const forward = vi.fn(async (method: string, params: unknown): Promise<WireReply> => ({ ok: true, value: { method, params } }));
  const chooseFile = vi.fn(async (_method: DialogMethod) => chosen ?? undefined);
  const route = createRouter<SenderInfo>({ isTrustedSender: (s) => isTrustedSender(s, WINDOW_ID), forward, chooseFile });
  return { route, forward, chooseFile };
}

function expectUsage(reply: WireReply): void {
  expect(reply.ok).toBe(false);
  if (!reply.ok) {
    expect(reply.error.code).toBe('usage');
    expect(reply.error.message).toMatch(/^[A-Z].*\.$/);
  }
}

describe('sender check', () => {
  it('trusts only the main frame of our window on app://coffer', () => {
    expect(isTrustedSender(GOOD, WINDOW_ID)).toBe(true);
    expect(isTrustedSender({ ...GOOD, url: 'app://coffer/' }, WINDOW_ID)).toBe(true);
  });

  it.each<[string, SenderInfo, number | undefined]>([
    ['another webContents', { ...GOOD, webContentsId: 8 }, WINDOW_ID],
    ['a subframe of our window', { ...GOOD, isMainFrame: false }, WINDOW_ID],
    ['a foreign origin', { ...GOOD, url: 'https://evil.example/index.html' }, WINDOW_ID],
    ['a file:// page', { ...GOOD, url: 'file:///tmp/index.html' }, WINDOW_ID],
    ['another app:// host', { ...GOOD, url: 'app://evil/index.html' }, WINDOW_ID],
    ['a look-alike host', { ...GOOD, url: 'app://coffer.evil.example/index.html' }, WINDOW_ID],
    ['a port', { ...GOOD, url: 'app://coffer:8080/index.html' }, WINDOW_ID],
    ['credentials', { ...GOOD, url: 'app://user@coffer/index.html' }, WINDOW_ID],
    ['http on our host name', { ...GOOD, url: 'http://coffer/index.html' }, WINDOW_ID],
    ['about:blank', { ...GOOD, url: 'about:blank' }, WINDOW_ID],
    ['a destroyed frame', { ...GOOD, url: undefined }, WINDOW_ID],
    ['no window at all', GOOD, undefined],
  ])('refuses %s', (_name, sender, windowId) => {
    expect(isTrustedSender(sender, windowId)).toBe(false);
  });

  it('grants only clipboard writes, only to app://coffer', () => {
    expect(mayUse('clipboard-sanitized-write', 'app://coffer/index.html')).toBe(true);
    expect(mayUse('clipboard-sanitized-write', 'app://coffer')).toBe(true);
    expect(mayUse('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(mayUse('clipboard-sanitized-write', undefined)).toBe(false);
    for (const p of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal']) expect(mayUse(p, 'app://coffer/')).toBe(false);
  });

  it('reads app URLs strictly', () => {
    expect(isAppUrl('app://coffer/assets/index-abc.js')).toBe(true);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl('')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('router', () => {
  it('refuses a wrong sender without forwarding, even a valid call', async () => {
    const { route, forward } = router();
    for (const sender of [{ ...GOOD, webContentsId: 99 }, { ...GOOD, isMainFrame: false }, { ...GOOD, url: 'https://evil.example/' }, { ...GOOD, url: 'file:///x/index.html' }]) {
      expectUsage(await route(sender, 'app.status', {}));
    }
    expect(forward).not.toHaveBeenCalled();
  });

  it.each<[string, unknown]>([
    ['an unknown method', 'wallet.steal'],
    ['a number', 42],
    ['undefined', undefined],
    ['an object', { method: 'app.status' }],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['toString', 'toString'],
    ['onEvent', 'onEvent'],
  ])('refuses %s as the method', async (_name, method) => {
    const { route, forward } = router();
    expectUsage(await route(GOOD, method, {}));
    expect(forward).not.toHaveBeenCalled();
  });

  it.each<[string, string, unknown]>([
    ['a wrong param type', 'wallet.unlock', { password: 5 }],
    ['an extra key', 'wallet.unlock', { password: 'pw', extra: 1 }],
    ['an extra key on an empty schema', 'app.status', { verbose: true }],
    ['a missing required param', 'wallet.unlock', {}],
    ['no params where some are required', 'wallet.unlock', undefined],
    ['a string as params', 'wallet.unlock', 'pw'],
    ['an array as params', 'wallet.unlock', ['pw']],
    ['a number as params', 'app.status', 42],
    ['an out-of-range number', 'node.mine', { blocks: 1001 }],
    ['a bad enum value', 'app.open', { network: 'moon' }],
    ['a nested extra key', 'wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: 'pw', backend: { kind: 'spv', connect: [], x: 1 }, y: 2 }],
    ['a constructor key', 'wallet.lock', { constructor: { prototype: { polluted: true } } }],
  ])('refuses %s', async (_name, method, params) => {
    const { route, forward } = router();
    expectUsage(await route(GOOD, method, params));
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a __proto__ key (as a structured clone or JSON.parse would deliver it) and pollutes nothing', async () => {
    const { route, forward } = router();
    const params = JSON.parse('{"password":"pw","__proto__":{"polluted":true}}') as unknown;
    expect(Object.hasOwn(params as object, '__proto__')).toBe(true);
    expectUsage(await route(GOOD, 'wallet.unlock', params));
    expectUsage(await route(GOOD, 'wallet.lock', JSON.parse('{"__proto__":{"polluted":true}}')));
    expect(forward).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('does not echo a strange method name into the message', async () => {
    const { route } = router();
    const reply = await route(GOOD, '<img src=x onerror=alert(1)>', {});
    expectUsage(reply);
    if (!reply.ok) expect(reply.error.message).not.toContain('<');
  });

  it('forwards a good call with its parsed params (defaults filled in) and returns the core reply', async () => {
    const { route, forward } = router();
    const params = { network: 'regtest', words: 12, script: 'wpkh', password: 'pw', backend: { kind: 'spv' } };
    const reply = await route(GOOD, 'wallet.create', params);
    const parsed = { ...params, passphrase: '', backend: { kind: 'spv', connect: [] } };
    expect(forward).toHaveBeenCalledExactlyOnceWith('wallet.create', parsed);
    expect(reply).toEqual({ ok: true, value: { method: 'wallet.create', params: parsed } });
  });

  it('treats missing params as {} for methods without params', async () => {
    const { route, forward } = router();
    await route(GOOD, 'app.status', undefined);
    expect(forward).toHaveBeenCalledWith('app.status', {});
  });

  it('knows every method of the contract: {} is forwarded exactly where the schema accepts it', async () => {
    const { route, forward } = router();
    for (const m of METHOD_NAMES) await route(GOOD, m, {});
    const forwarded = forward.mock.calls.map((c) => c[0]);
    expect(forwarded).toEqual(METHOD_NAMES.filter((m) => METHODS[m].safeParse({}).success));
    expect(forwarded).toContain('app.status');
  });

  it('turns an exception in forwarding into an internal error without its text', async () => {
    const route = createRouter<SenderInfo>({
      isTrustedSender: () => true,
      forward: async () => {
        throw new Error('secret detail at /home/user');
      },
      chooseFile: async () => undefined,
    });
    const reply = await route(GOOD, 'app.status', {});
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'An unexpected internal error occurred.' } });
  });
});

/** Each method whose file main's dialog chooses, with the params the page sends beside it. */
const DIALOG_CALLS: [DialogMethod, Record<string, unknown>][] = [
  ['channel.backup', {}],
  ['vault.backup', {}],
  ['vault.restore', { password: 'pw' }],
  ['vault.exportPackage', {}],
];

describe('backup, restore and watchtower package files from a dialog in main', () => {
  it('covers every dialog method', () => {
    expect(DIALOG_CALLS.map(([m]) => m)).toEqual([...DIALOG_METHODS]);
  });

  it.each(DIALOG_CALLS)('%s: asks main\'s dialog for the file and sends the core the chosen path with the other params', async (method, params) => {
    const { route, forward, chooseFile } = router();
    const reply = await route(GOOD, method, params);
    expect(chooseFile).toHaveBeenCalledExactlyOnceWith(method);
    expect(forward).toHaveBeenCalledExactlyOnceWith(method, { ...params, file: CHOSEN });
    expect(reply).toEqual({ ok: true, value: { method, params: { ...params, file: CHOSEN } } });
  });

  it.each(DIALOG_CALLS)('%s: refuses a path named by the page, without a dialog and without the core', async (method, params) => {
    const { route, forward, chooseFile } = router();
    for (const file of ['/home/user/.bashrc', CHOSEN, 'coffer-vaults.backup']) expectUsage(await route(GOOD, method, { ...params, file }));
    expect(chooseFile).not.toHaveBeenCalled();
    expect(forward).not.toHaveBeenCalled();
  });

  it.each(DIALOG_CALLS)('%s: a cancelled dialog writes and reads nothing and says so', async (method, params) => {
    const { route, forward } = router(null);
    expect(await route(GOOD, method, params)).toEqual({ ok: true, value: { cancelled: true } });
    expect(forward).not.toHaveBeenCalled();
  });

  it('opens no dialog for a wrong sender, nor for params that do not parse', async () => {
    const { route, forward, chooseFile } = router();
    for (const [method, params] of DIALOG_CALLS) expectUsage(await route({ ...GOOD, isMainFrame: false }, method, params));
    expectUsage(await route(GOOD, 'vault.restore', { password: '' }));
    expectUsage(await route(GOOD, 'vault.exportPackage', { password: 'pw' }));
    expect(chooseFile).not.toHaveBeenCalled();
    expect(forward).not.toHaveBeenCalled();
  });

  it('passes the core\'s refusal of the chosen file on (an existing file that is not a backup)', async () => {
    const refusal: WireReply = { ok: false, error: { code: 'file-exists', message: `${CHOSEN} exists and is not a Coffer channel backup; choose a new file name.` } };
    const route = createRouter<SenderInfo>({ isTrustedSender: () => true, forward: async () => refusal, chooseFile: async () => CHOSEN });
    expect(await route(GOOD, 'channel.backup', {})).toEqual(refusal);
    expect(await route(GOOD, 'vault.backup', {})).toEqual(refusal);
  });

  it('turns a dialog that fails into an internal error', async () => {
    const route = createRouter<SenderInfo>({
      isTrustedSender: () => true,
      forward: async () => ({ ok: true, value: 'never' }),
      chooseFile: async () => {
        throw new Error('no display at /home/user');
      },
    });
    expect(await route(GOOD, 'vault.exportPackage', {})).toEqual({ ok: false, error: { code: 'internal', message: 'An unexpected internal error occurred.' } });
  });
});

/** A core on the far side of the port: keeps the messages so the test answers them in any order. */
function fakeCore() {
  const inbox: CallMessage[] = [];
  const events: CofferEvent[] = [];
  const link = createCoreLink({ post: (m) => void inbox.push(m), onEvent: (e) => void events.push(e) });
  return { link, inbox, events };
}

describe('core link', () => {
  it('gives every call a fresh id and posts method and params unchanged', async () => {
    const { link, inbox } = fakeCore();
    void link.call('app.status', {});
    void link.call('wallet.unlock', { password: 'pw' });
    expect(inbox).toEqual([
      { id: 1, method: 'app.status', params: {} },
      { id: 2, method: 'wallet.unlock', params: { password: 'pw' } },
    ]);
    expect(link.pending).toBe(2);
  });

  it('matches replies to calls by id, whatever order they come back in', async () => {
    const { link, inbox } = fakeCore();
    const a = link.call('app.status', {});
    const b = link.call('wallet.summary', {});
    const c = link.call('fees.get', {});
    for (const m of [...inbox].reverse()) link.receive({ id: m.id, reply: { ok: true, value: m.method } });
    expect(await Promise.all([a, b, c])).toEqual([
      { ok: true, value: 'app.status' },
      { ok: true, value: 'wallet.summary' },
      { ok: true, value: 'fees.get' },
    ]);
    expect(link.pending).toBe(0);
  });

  it('passes error replies through and ignores replies to unknown or answered ids', async () => {
    const { link, inbox } = fakeCore();
    const a = link.call('wallet.unlock', { password: 'x' });
    link.receive({ id: 999, reply: { ok: true, value: 'stray' } });
    link.receive({ id: inbox[0]!.id, reply: { ok: false, error: { code: 'wrong-password', message: 'The password is wrong.' } } });
    link.receive({ id: inbox[0]!.id, reply: { ok: true, value: 'second answer' } });
    expect(await a).toEqual({ ok: false, error: { code: 'wrong-password', message: 'The password is wrong.' } });
  });

  it('answers a malformed reply with an internal error', async () => {
    const { link, inbox } = fakeCore();
    const a = link.call('app.status', {});
    link.receive({ id: inbox[0]!.id, reply: { ok: 'yes' } });
    expect(await a).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('passes events on and ignores junk', () => {
    const { link, events } = fakeCore();
    link.receive({ event: { type: 'locked' } });
    link.receive({ event: 'locked' });
    link.receive({ event: null });
    link.receive(null);
    link.receive('hello');
    link.receive({ id: 'x', reply: {} });
    expect(events).toEqual([{ type: 'locked' }]);
  });

  it('answers pending and later calls with backend-unavailable when the core dies', async () => {
    const { link } = fakeCore();
    const a = link.call('app.status', {});
    const b = link.call('wallet.history', {});
    link.close();
    expect(await a).toEqual({ ok: false, error: CORE_GONE });
    expect(await b).toEqual({ ok: false, error: CORE_GONE });
    expect(await link.call('app.status', {})).toEqual({ ok: false, error: CORE_GONE });
    expect(link.pending).toBe(0);
    expect((ERROR_CODES as readonly string[]).includes(CORE_GONE.code)).toBe(true);
    expect(CORE_GONE.message).toMatch(/^[A-Z][^\n]*\.$/);
  });

  it('answers backend-unavailable when posting fails (port closed)', async () => {
    const link = createCoreLink({
      post: () => {
        throw new Error('port closed');
      },
      onEvent: () => {},
    });
    expect(await link.call('app.status', {})).toEqual({ ok: false, error: CORE_GONE });
    expect(link.pending).toBe(0);
  });
});

describe('router and link together', () => {
  it('serves concurrent calls from the window, answered out of order', async () => {
    const { link, inbox } = fakeCore();
    const route = createRouter<SenderInfo>({ isTrustedSender: (s) => isTrustedSender(s, WINDOW_ID), forward: (m, p) => link.call(m, p), chooseFile: async () => undefined });
    const replies = Promise.all([
      route(GOOD, 'wallet.unlock', { password: 'one' }),
      route(GOOD, 'node.mine', { blocks: 3 }),
      route({ ...GOOD, isMainFrame: false }, 'wallet.unlock', { password: 'two' }),
      route(GOOD, 'app.status', {}),
    ]);
    await vi.waitFor(() => expect(inbox).toHaveLength(3));
    expect(inbox.map((m) => m.method)).toEqual(['wallet.unlock', 'node.mine', 'app.status']);
    for (const m of [inbox[2]!, inbox[0]!, inbox[1]!]) link.receive({ id: m.id, reply: { ok: true, value: m.params } });
    const [one, mine, sub, status] = await replies;
    expect(one).toEqual({ ok: true, value: { password: 'one' } });
    expect(mine).toEqual({ ok: true, value: { blocks: 3 } });
    expect(sub.ok).toBe(false);
    expect(status).toEqual({ ok: true, value: {} });
  });
});
