// `--backend electrum --server URL` on the command line: missing or misplaced flags, a bad URL, an
// onion server without a proxy, an unreachable server and a failed TLS handshake are typed errors;
// `config backend` saves the servers as the app's source. The pins file's own errors: below.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const PW = { COFFER_PASSWORD: 'electrum cli password' };
const ONION = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion';

describe('coffer --backend electrum', () => {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env: PW });
  beforeAll(async () => {
    expect((await run(['wallet', 'create'])).code).toBe(0);
  });

  it.each([
    ['electrum without a server', ['--backend', 'electrum', 'sync'], /^error: usage: --backend electrum needs --server tcp:\/\/HOST:PORT or ssl:\/\/HOST:PORT/],
    ['a server without --backend electrum', ['--server', 'tcp://127.0.0.1:50001', 'sync'], /^error: usage: --server needs --backend electrum/],
    ['a server that is not tcp:// or ssl://', ['--backend', 'electrum', '--server', 'http://127.0.0.1:50001', 'sync'], /^error: usage: An Electrum server is written tcp:\/\/HOST:PORT or ssl:\/\/HOST:PORT/],
    ['a port out of range', ['--backend', 'electrum', '--server', 'tcp://127.0.0.1:70000', 'sync'], /^error: usage: An Electrum server is written/],
    ['an onion server without a proxy', ['--backend', 'electrum', '--server', `tcp://${ONION}:50001`, 'sync'], /^error: usage: .*onion service: reach it through Tor with --proxy/],
    ['peers beside a server', ['--backend', 'electrum', '--server', 'tcp://127.0.0.1:50001', '--connect', '127.0.0.1:18444', 'sync'], /^error: usage: --connect is for peers/],
    ['--v2 with a server', ['--backend', 'electrum', '--server', 'tcp://127.0.0.1:50001', '--v2', 'sync'], /^error: usage: --v2 is for the light client's peers/],
  ])('refuses %s', async (_, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("saves the servers and the proxy as the app's chain source", async () => {
    const r = await run(['--backend', 'electrum', '--server', 'ssl://127.0.0.1:50002', '--server', `tcp://${ONION}:50001`, '--proxy', 'socks5://127.0.0.1:9050', 'config', 'backend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ backend: { kind: 'electrum', servers: ['ssl://127.0.0.1:50002', `tcp://${ONION}:50001`], proxy: 'socks5://127.0.0.1:9050', pinned: {} } });
  });

  it('names an unreachable server, and one that drops the TLS handshake', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const down = await run(['--backend', 'electrum', '--server', `tcp://127.0.0.1:${closed}`, 'sync']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^error: backend-unavailable: Cannot reach the Electrum server tcp://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`));
    const server = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await run(['--backend', 'electrum', '--server', `ssl://127.0.0.1:${(server.address() as net.AddressInfo).port}`, 'sync']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: backend-unavailable: The TLS handshake with ssl:\/\/127\.0\.0\.1:\d+ failed/);
    } finally {
      server.close();
    }
  });
});

describe('the pinned certificates file', () => {
  it('keeps pins durably, and refuses a file that is not Coffer\'s rather than overwrite it', async () => {
    const { filePins } = await import('../../src/service/electrum-pins.js');
    const d = tmpDir();
    const pins = filePins(d);
    expect(pins.get('h:1')).toBeUndefined();
    pins.set('h:1', 'ab'.repeat(32));
    pins.set('h:2', 'cd'.repeat(32));
    expect(filePins(d).all()).toEqual({ 'h:1': 'ab'.repeat(32), 'h:2': 'cd'.repeat(32) });
    for (const junk of ['{"h:1": "not a fingerprint"}', '[1,2]', 'not json']) {
      fs.writeFileSync(path.join(d, 'electrum-pins.json'), junk);
      expect(() => pins.get('h:1')).toThrow(/is not Coffer's list of pinned Electrum certificates/);
      expect(() => pins.set('h:3', 'ef'.repeat(32))).toThrow(/is not Coffer's list/);
      expect(fs.readFileSync(path.join(d, 'electrum-pins.json'), 'utf8')).toBe(junk);
    }
  });
});
