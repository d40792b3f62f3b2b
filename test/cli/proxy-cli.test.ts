// `--proxy socks5://HOST:PORT` on the command line: a bad URL, a proxy with a backend that has no
// peers of its own, an onion peer without a proxy are typed usage errors; the app's saved setting
// keeps the proxy beside the peers.

import { beforeAll, describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const PW = { COFFER_PASSWORD: 'proxy cli password' };
const ONION = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion:18444';

describe('coffer --proxy', () => {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', ...args], { env: PW });
  beforeAll(async () => {
    expect((await run(['wallet', 'create'])).code).toBe(0);
  });

  it.each([
    ['a URL that is not socks5://HOST:PORT', ['--proxy', 'http://127.0.0.1:9050', 'sync'], /^error: usage: The proxy must be socks5:\/\/HOST:PORT \(only SOCKS5/],
    ['a proxy without a port', ['--proxy', 'socks5://127.0.0.1', 'sync'], /^error: usage: The proxy must be socks5:\/\/HOST:PORT \(a port/],
    ['an onion peer without a proxy', ['--connect', ONION, 'sync'], /^error: usage: .*onion service: reach it through Tor with --proxy/],
    ['a proxy for Bitcoin Core RPC', ['--backend', 'rpc', '--rpc-url', 'http://127.0.0.1:18443/', '--proxy', 'socks5://127.0.0.1:9050', 'sync'], /^error: usage: --proxy is for the light client's peers/],
    ['a proxy for the embedded node', ['--proxy', 'socks5://127.0.0.1:9050', 'node', 'start'], /^error: usage: The embedded node cannot use --proxy/],
  ])('refuses %s', async (_, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2); // usage
    expect(r.stderr).toMatch(message);
  });

  it("saves the proxy in the app's light client setting, with onion peers", async () => {
    const r = await run(['--backend', 'spv', '--connect', ONION, '--proxy', 'socks5://127.0.0.1:9050/', 'config', 'backend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ backend: { kind: 'spv', connect: [ONION], proxy: 'socks5://127.0.0.1:9050' } });
    const bad = await run(['--backend', 'spv', '--connect', ONION, 'config', 'backend']);
    expect(bad.stderr).toMatch(/^error: usage: /);
  });
});
