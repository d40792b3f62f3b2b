// Main's end of the core's MessagePort: gives each call a fresh id, matches the core's replies to
// their calls by id (in any order), passes events on, and answers every pending call if the core
// goes away. Free of Electron: `post` and `receive` are wired to a MessagePortMain by core-host.ts.

import type { CallMessage, CofferEvent, Method } from '../src/api/contract.js';
import { toWireError, type WireError } from '../src/api/errors.js';
import type { WireReply } from './ipc-router.js';

export const CORE_GONE: WireError = {
  code: 'backend-unavailable',
  message: 'The Coffer core stopped, so this request could not finish. Restart Coffer.',
};

const BAD_REPLY: WireReply = { ok: false, error: toWireError(undefined) };

export interface CoreLink {
  call(method: Method, params: unknown): Promise<WireReply>;
  /** Feed every message that arrives on the port here. */
  receive(data: unknown): void;
  /** The core is gone: pending and later calls get `error` (CORE_GONE by default). */
  close(error?: WireError): void;
  readonly pending: number;
}

export interface CoreLinkOptions {
  post(message: CallMessage): void;
  onEvent(event: CofferEvent): void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The core is our own process, but a malformed reply must still not reach the renderer as-is. */
function checkReply(reply: unknown): WireReply {
  if (!isRecord(reply)) return BAD_REPLY;
  if (reply['ok'] === true && 'value' in reply) return { ok: true, value: reply['value'] };
  const error = reply['error'];
  if (reply['ok'] === false && isRecord(error) && typeof error['code'] === 'string' && typeof error['message'] === 'string') {
    return { ok: false, error: error as unknown as WireError };
  }
  return BAD_REPLY;
}

export function createCoreLink(options: CoreLinkOptions): CoreLink {
  const waiting = new Map<number, (reply: WireReply) => void>();
  let nextId = 1;
  let closed: WireError | undefined;

  return {
    call(method, params) {
      if (closed) return Promise.resolve({ ok: false, error: closed });
      const id = nextId++;
      return new Promise<WireReply>((resolve) => {
        waiting.set(id, resolve);
        try {
          options.post({ id, method, params });
        } catch {
          waiting.delete(id);
          resolve({ ok: false, error: CORE_GONE });
        }
      });
    },

    receive(data) {
      if (!isRecord(data)) return;
      if ('event' in data) {
        const event = data['event'];
        if (isRecord(event) && typeof event['type'] === 'string') options.onEvent(event as unknown as CofferEvent);
        return;
      }
      const id = data['id'];
      if (typeof id !== 'number') return;
      const resolve = waiting.get(id);
      if (!resolve) return; // a reply to nothing we asked, or a second reply: ignored
      waiting.delete(id);
      resolve(checkReply(data['reply']));
    },

    close(error = CORE_GONE) {
      closed = error;
      const all = [...waiting.values()];
      waiting.clear();
      for (const resolve of all) resolve({ ok: false, error });
    },

    get pending() {
      return waiting.size;
    },
  };
}
