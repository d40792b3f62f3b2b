// A JSON-RPC client for Bitcoin Core (and bcoin, which speaks the same methods): basic auth from a
// cookie file or user and password, batches, timeouts, typed errors.

import { CofferError } from '../api/errors.js';
import { readTextFile } from '../service/files.js';

export interface RpcAuth {
  user: string;
  password: string;
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

const TIMEOUT_MS = 60_000;

/** Read `user:password` from a cookie file (Bitcoin Core writes `__cookie__:<random>`). */
export function readCookie(file: string): RpcAuth {
  const text = readTextFile(file, 'cookie').trim();
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CofferError('file-unreadable', `The RPC cookie file ${file} does not hold user:password.`, { file, reason: 'format' });
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class RpcError extends CofferError {
  constructor(
    readonly method: string,
    readonly rpcCode: number,
    message: string,
  ) {
    super('backend-error', `The node refused ${method}: ${message}`, { method, rpcCode, reason: message });
  }
}

export class RpcClient {
  private readonly url: string;
  private readonly authHeader: string;
  private id = 0;

  constructor(url: string, auth: RpcAuth) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CofferError('usage', `--rpc-url must be a URL like http://127.0.0.1:8332, got "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CofferError('usage', '--rpc-url must use http or https');
    // Credentials go in a cookie or password file, never the URL: fetch refuses them, and an
    // error quoting the URL would then show the password.
    if (parsed.username || parsed.password) throw new CofferError('usage', '--rpc-url must not contain a user or password; use --rpc-cookie or --rpc-user with --rpc-password-file');
    this.url = parsed.toString();
    this.authHeader = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  }

  private async post(body: unknown): Promise<unknown> {
    let res: Response | undefined;
    // A kept-alive connection the server has just closed fails once; every call Coffer makes is
    // safe to repeat (sending the same transaction twice is harmless), so try once more.
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: this.authHeader },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        if (attempt === 0 && cause !== 'TimeoutError' && cause !== 'ECONNREFUSED') {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw new CofferError('backend-unavailable', `The node at ${this.url} cannot be reached (${cause}).`, { url: this.url, reason: String(cause) });
      }
    }
    if (res.status === 401 || res.status === 403) {
      throw new CofferError('backend-error', 'The node refused the RPC credentials.', { reason: 'authentication', status: res.status });
    }
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CofferError('backend-error', `The node sent an answer that is not JSON (HTTP ${res.status}).`, { status: res.status, reason: 'not json' });
    }
  }

  private unwrap(call: RpcCall, reply: unknown): unknown {
    const r = reply as { result?: unknown; error?: { code?: number; message?: string } | null };
    if (!r || typeof r !== 'object') throw new CofferError('backend-error', `The node sent a malformed answer to ${call.method}.`, { method: call.method });
    if (r.error) throw new RpcError(call.method, r.error.code ?? 0, r.error.message ?? 'error');
    return r.result;
  }

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const call = { method, params };
    return this.unwrap(call, await this.post({ jsonrpc: '1.0', id: ++this.id, ...call })) as T;
  }

  /** Several calls in one request; results in order. Any error fails the batch. */
  async batch<T = unknown>(calls: RpcCall[]): Promise<T[]> {
    if (calls.length === 0) return [];
    const first = ++this.id;
    this.id += calls.length;
    const replies = await this.post(calls.map((c, i) => ({ jsonrpc: '1.0', id: first + i, ...c })));
    if (!Array.isArray(replies) || replies.length !== calls.length) {
      throw new CofferError('backend-error', 'The node answered a batch with the wrong number of results.', { reason: 'batch' });
    }
    const byId = new Map(replies.map((r: { id?: number }) => [r.id, r]));
    return calls.map((c, i) => this.unwrap(c, byId.get(first + i)) as T);
  }
}
