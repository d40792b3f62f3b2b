// window.coffer: from Electron's preload, or (browser shell) backed by a WebSocket to the core.
// Either way the renderer sees the same typed API; `call` turns error replies into UiError.

import type { CofferApi, CofferEvent, CoreMessage, Method, Params, Reply, Results } from '../../src/api/contract.js';
import type { WireError } from '../../src/api/errors.js';
import { UiError } from './ui-error.js';

export { UiError };

declare global {
  interface Window {
    coffer?: CofferApi;
  }
}

const LOST: WireError = { code: 'backend-unavailable', message: 'The connection to the Coffer core was lost. Restart Coffer.' };

/** The browser shell's transport: one WebSocket; the server authenticated it by cookie and Origin. */
function socketApi(): CofferApi {
  const listeners = new Set<(e: CofferEvent) => void>();
  const pending = new Map<number, (r: Reply<Method>) => void>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let ready: Promise<WebSocket> | undefined;
  const connect = (): Promise<WebSocket> =>
    (ready ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new UiError(LOST));
      ws.onclose = () => {
        socket = undefined;
        ready = undefined;
        for (const done of pending.values()) done({ ok: false, error: LOST });
        pending.clear();
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as CoreMessage;
        if ('event' in msg) {
          for (const l of listeners) l(msg.event);
        } else {
          pending.get(msg.id)?.(msg.reply as Reply<Method>);
          pending.delete(msg.id);
        }
      };
    }));
  const invoke = async (method: Method, params: unknown): Promise<Reply<Method>> => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await connect());
    } catch {
      return { ok: false, error: LOST };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  };
  const api = {
    onEvent(listener: (e: CofferEvent) => void) {
      listeners.add(listener);
      void connect().catch(() => {});
      return () => listeners.delete(listener);
    },
  };
  return new Proxy(api, {
    get: (target, key) => (key === 'onEvent' ? target.onEvent : typeof key === 'string' ? (params: unknown) => invoke(key as Method, params) : undefined),
  }) as unknown as CofferApi;
}

/** Electron's preload put window.coffer there: the desktop app, where main shows native dialogs. */
export const desktop = window.coffer !== undefined;

export const coffer: CofferApi = window.coffer ?? socketApi();

/** Call a method; the value, or a UiError carrying the core's code and plain-sentence message. */
export async function call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
  const fn = coffer[method] as (p: Params<M>) => Promise<Reply<M>>;
  const reply = await fn(params);
  if (!reply.ok) throw new UiError(reply.error);
  return reply.value;
}
