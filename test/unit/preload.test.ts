// The compiled preload (dist/main/preload.cjs, what Electron loads) evaluated in a bare vm context
// with a fake 'electron': it exposes exactly one function per API method plus onEvent, and never
// ipcRenderer. `npm test` builds first; after editing main/preload.cts run `npm run build`.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src/api/contract.js';
import { CALL_CHANNEL, EVENT_CHANNEL, METHODS_ARG } from '../../main/channels.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SOURCE = path.join(ROOT, 'main', 'preload.cts');
const COMPILED = path.join(ROOT, 'dist', 'main', 'preload.cjs');

type Listener = (...args: unknown[]) => unknown;

interface Loaded {
  exposed: Record<string, unknown>;
  exposeCalls: number;
  required: string[];
  invokes: unknown[][];
  listeners: Map<string, Set<Listener>>;
  removed: unknown[][];
  emit(channel: string, ...args: unknown[]): void;
}

function compiled(): string {
  if (!fs.existsSync(COMPILED) || fs.statSync(COMPILED).mtimeMs < fs.statSync(SOURCE).mtimeMs) {
    throw new Error('dist/main/preload.cjs is missing or older than main/preload.cts: run `npm run build` first.');
  }
  return fs.readFileSync(COMPILED, 'utf8');
}

/** Runs the preload as Electron's sandboxed loader does: a function given require, process, exports, module. */
function loadPreload(argv: string[]): Loaded {
  const out: Loaded = {
    exposed: {},
    exposeCalls: 0,
    required: [],
    invokes: [],
    listeners: new Map(),
    removed: [],
    emit(channel, ...args) {
      for (const l of out.listeners.get(channel) ?? []) l(...args);
    },
  };
  const ipcRenderer = {
    invoke: (...args: unknown[]) => {
      out.invokes.push(args);
      return Promise.resolve({ ok: true, value: `reply to ${String(args[1])}` });
    },
    on(channel: string, listener: Listener) {
      if (!out.listeners.has(channel)) out.listeners.set(channel, new Set());
      out.listeners.get(channel)!.add(listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener) {
      out.removed.push([channel, listener]);
      out.listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    send: () => {
      throw new Error('the preload must not use ipcRenderer.send');
    },
    sendSync: () => {
      throw new Error('the preload must not use ipcRenderer.sendSync');
    },
  };
  const contextBridge = {
    exposeInMainWorld(key: string, api: Record<string, unknown>) {
      expect(key).toBe('coffer');
      out.exposeCalls++;
      out.exposed = api;
    },
  };
  const fakeRequire = (id: string) => {
    out.required.push(id);
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  const wrapper = vm.runInNewContext(`(function (require, process, exports, module) {${compiled()}\n})`, {}, { filename: COMPILED }) as (...a: unknown[]) => void;
  wrapper(fakeRequire, { argv }, module.exports, module);
  return out;
}

const ARGV = ['/opt/Coffer/coffer', '--type=renderer', `${METHODS_ARG}${METHOD_NAMES.join(',')}`];

describe('preload', () => {
  it('requires only electron and exposes window.coffer once', () => {
    const p = loadPreload(ARGV);
    expect(p.required).toEqual(['electron']);
    expect(p.exposeCalls).toBe(1);
  });

  it('exposes exactly one function per API method, plus onEvent, and nothing else', () => {
    const { exposed } = loadPreload(ARGV);
    expect(Object.keys(exposed).sort()).toEqual([...METHOD_NAMES, 'onEvent'].sort());
    for (const key of Object.keys(exposed)) expect(typeof exposed[key]).toBe('function');
    for (const forbidden of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'removeListener', 'require', 'process']) {
      expect(exposed[forbidden]).toBeUndefined();
    }
  });

  it('every method invokes coffer:call with its name and the params, and returns the reply', async () => {
    const p = loadPreload(ARGV);
    for (const method of METHOD_NAMES) {
      const params = { probe: method };
      const fn = p.exposed[method] as (params: unknown, ...rest: unknown[]) => Promise<unknown>;
      await expect(fn(params, 'extra argument')).resolves.toEqual({ ok: true, value: `reply to ${method}` });
      expect(p.invokes.at(-1)).toEqual([CALL_CHANNEL, method, params]);
    }
    expect(p.invokes).toHaveLength(METHOD_NAMES.length);
  });

  it('onEvent hands the listener only the event, and its unsubscribe removes the listener', () => {
    const p = loadPreload(ARGV);
    const seen: unknown[][] = [];
    const onEvent = p.exposed['onEvent'] as (l: (...a: unknown[]) => void) => () => void;
    const off = onEvent((...args) => void seen.push(args));
    expect(p.listeners.get(EVENT_CHANNEL)?.size).toBe(1);
    const ipcEvent = { sender: { send() {} }, ports: [], senderFrame: {} };
    p.emit(EVENT_CHANNEL, ipcEvent, { type: 'locked' });
    expect(seen).toEqual([[{ type: 'locked' }]]);

    off();
    expect(p.removed).toHaveLength(1);
    expect(p.removed[0]![0]).toBe(EVENT_CHANNEL);
    expect(p.listeners.get(EVENT_CHANNEL)?.size).toBe(0);
    p.emit(EVENT_CHANNEL, ipcEvent, { type: 'locked' });
    expect(seen).toHaveLength(1);
  });

  it('onEvent refuses a listener that is not a function', () => {
    const onEvent = loadPreload(ARGV).exposed['onEvent'] as (l: unknown) => unknown;
    expect(() => onEvent('not a function')).toThrow(/function/);
  });

  it('ignores malformed method names in argv', () => {
    const bogus = ['__proto__', 'constructor', 'onEvent', 'toString', 'a.b.c', 'wallet.unlock;rm', 'evil.method()', 'Wallet.unlock', '.x', 'x.', ''];
    const { exposed } = loadPreload(['electron', `${METHODS_ARG}app.status,${bogus.join(',')},wallet.lock,app.status`]);
    expect(Object.keys(exposed).sort()).toEqual(['app.status', 'onEvent', 'wallet.lock']);
    // '__proto__' neither became a key nor replaced the prototype (still the realm's Object.prototype).
    expect(Object.hasOwn(exposed, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(exposed))).toBeNull();
  });

  it('without the method list exposes only onEvent', () => {
    expect(Object.keys(loadPreload(['electron']).exposed)).toEqual(['onEvent']);
  });

  it('uses the channel names of main/channels.ts (it repeats them, being unable to import them)', () => {
    const source = fs.readFileSync(SOURCE, 'utf8');
    for (const value of [CALL_CHANNEL, EVENT_CHANNEL, METHODS_ARG]) expect(source).toContain(`'${value}'`);
  });
});
