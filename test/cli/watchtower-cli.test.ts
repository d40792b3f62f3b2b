// `coffer watchtower run` refuses what it cannot use, with a typed error and before touching the
// network; once running, an error nothing caught ends it with one `error:` line, never a stack trace.
// `watchtower serve` likewise, and its answers to pushes over the wire (no chain needed for those).

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { signPush } from '../../src/net/tower-protocol.js';
import { sendPush } from '../../src/service/remote-towers.js';
import { presign } from '../../src/vaults/vault-tx.js';
import { towerVault } from '../../src/vaults/watchtower.js';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { TowerProcess } from '../integration/watchtower-harness.js';

const PRELOAD = path.resolve('test/helpers/fail-on-signal.mjs');

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('coffer watchtower run: bad input', () => {
  const dir = tmpDir();
  const run = (args: string[], global: string[] = ['--network', 'regtest']) => coffer(['--datadir', dir, ...global, 'watchtower', 'run', ...args]);
  const good = path.join(dir, 'empty.json');
  fs.writeFileSync(good, JSON.stringify({ format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: '11'.repeat(32), vaults: [] }));

  it('needs a package, readable, in its format, and a sane fee floor', async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --package FILE');

    const unreadable = await run(['--package', path.join(dir, 'nope.json')]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^error: file-unreadable: /);

    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"format":"coffer-watchtower","version":1,"network":"regtest","announceKey":"00","vaults":[]}');
    const badPkg = await run(['--package', junk]);
    expect(badPkg.code).toBe(1);
    expect(badPkg.stderr).toMatch(/^error: invalid-watchtower-package: .*announceKey/);

    const truncated = path.join(dir, 'truncated.json');
    fs.writeFileSync(truncated, '{"format":"coffer-watch');
    expect((await run(['--package', truncated])).stderr).toMatch(/^error: invalid-watchtower-package: The watchtower package is not JSON\./);

    const rate = await run(['--package', good, '--min-feerate', 'fast']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--min-feerate must be a number');
  });

  it("refuses a package for another network than the command's (main unless --network says otherwise)", async () => {
    const byDefault = await run(['--package', good], []);
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toBe('error: wrong-network: The package is for regtest, the tower was started for main; pass --network regtest.\n');
    const signet = await run(['--package', good], ['--network', 'signet']);
    expect(signet.code).toBe(1);
    expect(signet.stderr).toMatch(/^error: wrong-network: The package is for regtest, the tower was started for signet/);
    // Nothing was set up for the wrong network.
    expect(fs.existsSync(path.join(dir, 'main', 'watchtower'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'signet', 'watchtower'))).toBe(false);
  });
});

describe('coffer watchtower run: an error nothing caught', () => {
  for (const kind of ['exception', 'rejection']) {
    it(`an uncaught ${kind} ends the tower with one error line and status 1`, async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'package.json');
      fs.writeFileSync(file, JSON.stringify({ format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: '11'.repeat(32), vaults: [] }));
      const args = ['--datadir', dir, '--network', 'regtest', 'watchtower', 'run', '--package', file, '--connect', `127.0.0.1:${await closedPort()}`];
      const r = await coffer(args, {
        env: { NODE_OPTIONS: `--import ${PRELOAD}`, COFFER_TEST_FAIL: kind },
        killAfterMs: 60_000,
        onSpawn: (child) => {
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
            if (out.includes('"event":"watching"')) child.kill('SIGUSR2');
          });
        },
      });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: internal: An unexpected internal error occurred.\n');
    });
  }
});

describe('coffer watchtower serve and add: bad input', () => {
  const dir = tmpDir();
  const run = (args: string[]) => coffer(['--datadir', dir, '--network', 'regtest', 'watchtower', ...args]);

  it('needs --listen HOST:PORT and sane limits; a port in use is port-unavailable; the key is made once, owner-only', async () => {
    const missing = await run(['serve']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --listen HOST:PORT');
    for (const bad of ['127.0.0.1', '127.0.0.1:65536', '[zz]:1', 'host name:1']) {
      const r = await run(['serve', '--listen', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--listen needs HOST:PORT');
    }
    expect((await run(['serve', '--listen', '127.0.0.1:0', '--max-wallets', '0'])).stderr).toContain('--max-wallets must be');
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const r = await run(['serve', '--listen', `127.0.0.1:${(busy.address() as net.AddressInfo).port}`, '--connect', `127.0.0.1:${await closedPort()}`]);
    busy.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: port-unavailable: The tower cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)\.\n$/);
    const key = path.join(dir, 'regtest', 'watchtower', 'tower.key');
    expect(fs.statSync(key).size).toBe(32);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
  });

  it('add needs a tower id and an address before it asks for anything', async () => {
    const noId = await run(['add', '127.0.0.1:9914']);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('needs --id ID');
    const badAddress = await run(['add', 'nowhere', '--id', `02${'11'.repeat(32)}`]);
    expect(badAddress.code).toBe(2);
    expect(badAddress.stderr).toContain('HOST:PORT');
  });
});

describe('coffer watchtower serve: its answers over the wire', () => {
  it('acks a push and its repeat, refuses an older one as stale, and a wallet past --max-wallets; keeps them over a restart', async () => {
    const dir = tmpDir();
    const closed = `127.0.0.1:${await closedPort()}`;
    const start = async () => {
      const t = TowerProcess.serve(dir, closed, '127.0.0.1:0', ['--max-wallets', '1']);
      const line = await t.waitFor((l) => l.event === 'listening', 20_000, 'the tower to listen');
      return { t, id: line['id'] as string, address: line['address'] as string };
    };
    let tower = await start();
    try {
      const alice = secp256k1.utils.randomSecretKey();
      const pkg = (secret: Uint8Array) => JSON.stringify({ format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: hex.encode(schnorr.getPublicKey(secret)), vaults: [] });
      const push = (secret: Uint8Array, version: number) => signPush(hex.decode(tower.id), version, pkg(secret), secret);
      const send = (p: ReturnType<typeof push>) => sendPush(tower.address, tower.id, p, 5_000);
      expect(await send(push(alice, 100))).toMatchObject({ type: 'ack', version: 100 });
      expect(await send(push(alice, 100))).toMatchObject({ type: 'ack', version: 100 });
      expect(await send(push(alice, 99))).toMatchObject({ type: 'refused', reason: 'stale', version: 100 });
      expect(await send(push(secp256k1.utils.randomSecretKey(), 1))).toMatchObject({ type: 'refused', reason: 'full' });
      expect(tower.t.filter((l) => l.event === 'push')).toHaveLength(1);
      await tower.t.stop();
      // The same key, so the same id; the wallet it held is still held.
      const id = tower.id;
      tower = await start();
      expect(tower.id).toBe(id);
      expect(tower.t.find((l) => l.event === 'listening')).toMatchObject({ wallets: 1 });
      expect(await send(push(alice, 100))).toMatchObject({ type: 'ack', version: 100 });
    } finally {
      await tower.t.stop();
    }
  });

  it('on --backend filters, refuses a push whose vaults lack their output scripts, saying to export again; takes one with them', async () => {
    const dir = tmpDir();
    const t = TowerProcess.serve(dir, `127.0.0.1:${await closedPort()}`, '127.0.0.1:0', ['--backend', 'filters']);
    try {
      const line = await t.waitFor((l) => l.event === 'listening', 20_000, 'the tower to listen');
      const id = line['id'] as string;
      const alice = secp256k1.utils.randomSecretKey();
      const k = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : 0x31 + i));
      const deposit = { txid: new Uint8Array(32).fill(0xcd), vout: 0, value: 2_000_000 };
      const set = presign({ deposit, k: k(1), recoveryKey: secp256k1.getPublicKey(k(2), true), hotKey: secp256k1.getPublicKey(k(3), true), delay: 144, recoveryScript: Uint8Array.of(0, 20, ...new Uint8Array(20).fill(9)), unvaultFeerate: 2, cancelFeerates: [2, 5] });
      const vault = towerVault('v1', set, deposit);
      const old = { ...vault, deposit: { txid: vault.deposit.txid, vout: vault.deposit.vout, value: vault.deposit.value }, unvaultScript: undefined };
      const pkg = (v: object) => JSON.stringify({ format: 'coffer-watchtower', version: 1, network: 'regtest', announceKey: hex.encode(schnorr.getPublicKey(alice)), vaults: [v] });
      const send = (text: string, version: number) => sendPush(line['address'] as string, id, signPush(hex.decode(id), version, text, alice), 5_000);
      const refused = await send(pkg(old), 1);
      expect(refused).toMatchObject({ type: 'refused', reason: 'package' });
      expect(refused.type === 'refused' && refused.message).toContain('export it again from the wallet');
      expect(await send(pkg(vault), 2)).toMatchObject({ type: 'ack', version: 2 });
      expect(t.filter((l) => l.event === 'push')).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });
});
