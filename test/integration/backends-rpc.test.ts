// The backend suite (backend-suite.ts) through the Bitcoin Core-style RPC source, and the RPC
// source's own errors.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { backendSuite, bcoin, env, fundedNode } from './backend-suite.js';

const node = fundedNode();
backendSuite('rpc', bcoin(node), { walletCases: false });

describe('RPC backend errors', () => {
  it('wrong credentials, unreachable node, missing flags', async () => {
    const a = node();
    const dir = tmpDir();
    await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env });
    const pw = path.join(dir, 'pw');
    fs.writeFileSync(pw, 'not the key');
    const base = ['--datadir', dir, '--network', 'regtest', '--backend', 'rpc'];
    const bad = await coffer([...base, '--rpc-url', `http://127.0.0.1:${a.httpPort}/`, '--rpc-user', 'x', '--rpc-password-file', pw, 'sync'], { env });
    expect(bad.stderr).toMatch(/^error: backend-error: .*credentials/);
    const down = await coffer([...base, '--rpc-url', 'http://127.0.0.1:1/', '--rpc-user', 'x', '--rpc-password-file', pw, 'sync'], { env });
    expect(down.stderr).toMatch(/^error: backend-unavailable: /);
    const missing = await coffer([...base, 'sync'], { env });
    expect(missing.code).toBe(2);
    const key = path.join(dir, 'key');
    fs.writeFileSync(key, a.apiKey);
    const mainDir = tmpDir();
    await coffer(['--datadir', mainDir, 'wallet', 'create'], { env });
    const mainnet = await coffer(['--datadir', mainDir, '--backend', 'rpc', '--rpc-url', `http://127.0.0.1:${a.httpPort}/`, '--rpc-user', 'x', '--rpc-password-file', key, 'sync'], { env });
    expect(mainnet.stderr).toMatch(/^error: wrong-network: /);
  });
});
