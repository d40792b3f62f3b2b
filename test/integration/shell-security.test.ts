// The browser shell lets in only the browser that traded this launch's single-use token for the
// session cookie, at the launch's random host: raw HTTP and WebSocket requests without the
// session, with a wrong one, with the launch token again, from a foreign Origin or a foreign Host
// (DNS rebinding) are refused, and malformed messages never reach the core.

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CofferEvent } from '../../src/api/contract.js';
import { startShell, type Shell } from '../../src/shell/server.js';
import { tmpDir } from '../helpers/tmp.js';

class FakeCore extends EventEmitter<{ event: [CofferEvent] }> {
  calls: { method: unknown; params: unknown }[] = [];
  async call(method: unknown, params: unknown) {
    this.calls.push({ method, params });
    return method === 'app.status' ? { ok: true, value: { version: 'test' } } : { ok: false, error: { code: 'usage', message: 'Unknown method or malformed parameters.' } };
  }
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The shell's Host header value (coffer-<random>.localhost:port), set by beforeAll. */
let shellHost = '';

function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers: { host: shellHost, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open a WebSocket; resolves 'open' or the HTTP status the upgrade was refused with. */
function ws(port: number, opts: { query?: string; origin?: string; cookie?: string; host?: string }): Promise<{ result: 'open' | number; socket: WebSocket }> {
  const headers: Record<string, string> = { host: opts.host ?? shellHost };
  if (opts.cookie) headers['cookie'] = opts.cookie;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api${opts.query ?? ''}`, { headers, ...(opts.origin ? { origin: opts.origin } : {}) });
  return new Promise((resolve) => {
    socket.once('open', () => resolve({ result: 'open', socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ result: res.statusCode ?? 0, socket }));
    socket.once('error', () => resolve({ result: -1, socket }));
  });
}

function nextMessage(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => socket.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

describe('browser shell access control', () => {
  const core = new FakeCore();
  let shell: Shell;
  let token: string;
  let origin: string;
  let cookie: string;
  let secretName: string;

  beforeAll(async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Coffer</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    secretName = `${path.basename(dir)}-secret.txt`;
    fs.writeFileSync(path.join(path.dirname(dir), secretName), 'outside');
    shell = await startShell({ core, staticDir: dir });
    token = new URL(shell.url).searchParams.get('token')!;
    origin = shell.origin;
    shellHost = new URL(shell.url).host;
  });
  afterAll(async () => {
    await shell.close();
    fs.rmSync(path.join(os.tmpdir(), secretName), { force: true });
  });

  it('listens on 127.0.0.1 under a random localhost name, with a long random token in the printed URL', () => {
    expect(shell.url).toMatch(/^http:\/\/coffer-[0-9a-f]{24}\.localhost:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(shell.origin).toBe(`http://${shellHost}`);
  });

  it('refuses pages and files without the session, or with a wrong token', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', `/?token=${token.slice(0, -1)}x`, '/?token=']) {
      const r = await get(shell.port, p);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('Coffer</title>');
    }
    expect((await get(shell.port, '/', { cookie: 'coffer-session=wrong' })).status).toBe(403);
    // The launch token is no session: it opens pages only through the one trade below.
    expect((await get(shell.port, '/', { cookie: `coffer-session=${token}` })).status).toBe(403);
  });

  it('trades the token once for an HttpOnly, SameSite=Strict session cookie of its own and drops it from the URL', async () => {
    const r = await get(shell.port, `/?token=${token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = r.headers['set-cookie']?.[0] ?? '';
    expect(set).toMatch(/^coffer-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    cookie = set.split(';')[0]!;
    expect(cookie).not.toContain(token);
    const page = await get(shell.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Coffer</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain(`connect-src ws://${shellHost}`);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await get(shell.port, '/assets/app.js', { cookie })).headers['content-type']).toContain('text/javascript');
  });

  it('refuses the launch URL a second time; the browser holding the session just goes on to the app', async () => {
    const again = await get(shell.port, `/?token=${token}`);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('already used');
    const sameBrowser = await get(shell.port, `/?token=${token}`, { cookie });
    expect(sameBrowser.status).toBe(303);
    expect(sameBrowser.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a foreign Host header (DNS rebinding), other methods, and paths outside the UI', async () => {
    for (const host of [`evil.example:${shell.port}`, `127.0.0.1:${shell.port}`, `localhost:${shell.port}`, `${shellHost.split(':')[0]}:1`]) {
      const r = await get(shell.port, '/', { cookie, host });
      expect(r.status, host).toBe(421);
      // The answer does not name the launch's host: who knows it could have the browser send the cookie elsewhere.
      expect(r.body).not.toContain(shellHost.split(':')[0]);
    }
    for (const p of [`/../${secretName}`, `/%2e%2e/${secretName}`, `/..%2f${secretName}`, `/assets/..%2f..%2f${secretName}`, '/nothing.js']) {
      const r = await get(shell.port, p, { cookie });
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('outside');
    }
    expect((await get(shell.port, '/%zz', { cookie })).status).toBe(400);
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: shell.port, path: '/', method: 'POST', headers: { host: shellHost, cookie } }, (res) => resolve(res.statusCode ?? 0));
      req.end('x');
    });
    expect(post).toBe(405);
  });

  it('refuses API sockets without the session, with a wrong one or the launch token, from a foreign Origin or Host', async () => {
    const before = core.calls.length;
    const cases = [
      { origin },
      { origin, cookie: 'coffer-session=nope' },
      { origin, query: '?token=nope' },
      { origin, query: `?token=${token}` },
      { origin, cookie: `coffer-session=${token}` },
      { origin: 'http://evil.example', cookie },
      { origin: 'null', cookie },
      { cookie },
      { origin: `http://localhost:${shell.port}`, cookie },
      { origin: `http://127.0.0.1:${shell.port}`, cookie },
      { origin, cookie, host: `evil.example:${shell.port}` },
      { origin, cookie, host: `127.0.0.1:${shell.port}` },
    ];
    for (const c of cases) {
      const r = await ws(shell.port, c);
      expect(r.result, JSON.stringify(c)).toBe(403);
      r.socket.terminate();
    }
    expect(core.calls.length).toBe(before);
  });

  it('serves the token holder from its own origin, with events pushed', async () => {
    const { result, socket } = await ws(shell.port, { origin, cookie });
    expect(result).toBe('open');
    socket.send(JSON.stringify({ id: 7, method: 'app.status', params: {} }));
    expect(await nextMessage(socket)).toEqual({ id: 7, reply: { ok: true, value: { version: 'test' } } });
    core.emit('event', { type: 'locked' });
    expect(await nextMessage(socket)).toEqual({ event: { type: 'locked' } });
    socket.close();
  });

  it('closes the socket on a malformed message without calling the core', async () => {
    for (const bad of ['not json', '{"id":"1","method":"app.status"}', '{"id":1}', '[]', 'null', '{"id":1.5,"method":"x"}']) {
      const { socket } = await ws(shell.port, { origin, cookie });
      const before = core.calls.length;
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(bad);
      expect(await closed, bad).toBe(1008);
      expect(core.calls.length).toBe(before);
    }
  });

  it('passes an unknown method to the core, which answers with a usage error', async () => {
    const { socket } = await ws(shell.port, { origin, cookie });
    socket.send(JSON.stringify({ id: 1, method: 'wallet.steal', params: {} }));
    expect(await nextMessage(socket)).toEqual({ id: 1, reply: { ok: false, error: { code: 'usage', message: 'Unknown method or malformed parameters.' } } });
    socket.close();
  });
});
