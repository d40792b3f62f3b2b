// --backend electrum through a real Electrum server: ElectrumX (e-x 1.18.0, from
// scripts/electrumx.sh) in front of a bcoin regtest node, over TLS with its self-signed
// certificate pinned on first use. Receive (unconfirmed, then confirmed), send, a reorg and a
// restore from the words, each ending where the other backends end (backend-suite.ts asserts the
// same values for them); every confirmed transaction proven against Coffer's own header chain.
// (Not the whole suite: ElectrumX holds each small answer up to a second to pad it against
// traffic analysis, so each command costs a few seconds here.)

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startElectrumX, type ElectrumX } from '../helpers/electrumx.js';
import { waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { BackendView, Results } from '../../src/api/contract.js';
import { Core } from '../../src/service/core.js';
import { value } from '../helpers/result.js';
import { env, fundedNode } from './backend-suite.js';
import { makeVault, toHex, TowerProcess, towerPackage, writeAtomically } from './watchtower-harness.js';

const node = fundedNode();
let x: ElectrumX;
beforeAll(async () => {
  x = await startElectrumX(node());
});
afterAll(async () => x?.close());

describe('backend electrum (ElectrumX over TLS, bcoin)', () => {
  const dir = tmpDir();
  const run = (args: string[], d = dir) => coffer(['--datadir', d, '--network', 'regtest', '--backend', 'electrum', '--server', x.sslUrl, ...args], { env });
  const ok = (r: RunResult) => {
    expect(r.code, r.stderr).toBe(0);
    return r.json;
  };
  const sync = async (d = dir) => {
    await x.caughtUp(node());
    return ok(await run(['sync', '--mempool-wait', '1'], d));
  };
  let mnemonic: string;
  let birthday: number;

  beforeAll(async () => {
    mnemonic = ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env })).mnemonic;
    birthday = node().tipHeight();
  });

  it('receives: unconfirmed, then confirmed; the server\'s certificate is pinned on first use', async () => {
    const a = node();
    const amounts = [300_000, 200_000];
    for (const sats of amounts) await a.send(ok(await run(['wallet', 'address'])).address, sats);
    expect((await sync()).balance).toEqual({ confirmed: 0, unconfirmed: 500_000 });
    await a.mine(1);
    const s = await sync();
    expect(s.tipHash).toBe(a.tipHash());
    expect(s.balance).toEqual({ confirmed: 500_000, unconfirmed: 0 });
    expect(ok(await run(['wallet', 'utxos'])).map((u: { value: number }) => u.value)).toEqual(amounts);
    const pins = JSON.parse(fs.readFileSync(path.join(dir, 'regtest', 'electrum-pins.json'), 'utf8'));
    expect(pins).toEqual({ [`127.0.0.1:${x.sslPort}`]: x.certFingerprint });
  });

  it('sends with change coming back, broadcast through the server', async () => {
    const a = node();
    const r = ok(await run(['wallet', 'send', '--to', a.walletAddress, '--amount', '100000', '--feerate', '5']));
    await waitFor(() => a.mempool().includes(r.txid), 15_000, 'the send in the node\'s mempool');
    await a.mine(1);
    expect((await sync()).balance).toEqual({ confirmed: 500_000 - 100_000 - r.fee, unconfirmed: 0 });
    expect(ok(await run(['wallet', 'history'])).at(-1)).toMatchObject({ txid: r.txid, amount: -100_000 - r.fee, fee: r.fee, confirmations: 1 });
  });

  it('follows a reorg: the payment leaves with its block, unconfirmed, then confirmed on the new branch', async () => {
    const a = node();
    const start = (await sync()).balance;
    const txid = await a.send(ok(await run(['wallet', 'address'])).address, 120_000);
    const hex = await a.getRawTransaction(txid);
    const [stale] = await a.mine(1);
    const height = a.tipHeight();
    expect((await sync()).balance).toEqual({ confirmed: start.confirmed + 120_000, unconfirmed: 0 });
    await a.invalidate(stale!);
    await a.mine(2);
    const reorged = await sync();
    expect(reorged.tipHash).toBe(a.tipHash());
    expect(reorged.balance).toEqual({ confirmed: start.confirmed, unconfirmed: 120_000 });
    expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 0, blockHeight: null });
    await a.submitTransaction(hex);
    await a.mine(1);
    expect((await sync()).balance).toEqual({ confirmed: start.confirmed + 120_000, unconfirmed: 0 });
    expect(ok(await run(['wallet', 'history'])).find((e: { txid: string }) => e.txid === txid)).toMatchObject({ confirmations: 1, blockHeight: height + 2 });
  });

  it('restores from the words: the same balance, history and coins', async () => {
    const restored = tmpDir();
    fs.writeFileSync(path.join(restored, 'words'), mnemonic);
    ok(await coffer(['--datadir', restored, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', path.join(restored, 'words'), '--birthday', String(birthday)], { env }));
    const s = await sync(restored);
    expect(s.balance).toEqual((await sync()).balance);
    expect(ok(await run(['wallet', 'history'], restored))).toEqual(ok(await run(['wallet', 'history'])));
    expect(ok(await run(['wallet', 'utxos'], restored))).toEqual(ok(await run(['wallet', 'utxos'])));
  });

  it('refuses a server whose certificate changed since it was pinned', async () => {
    const pinsFile = path.join(dir, 'regtest', 'electrum-pins.json');
    const pins = JSON.parse(fs.readFileSync(pinsFile, 'utf8'));
    fs.writeFileSync(pinsFile, JSON.stringify({ ...pins, [`127.0.0.1:${x.sslPort}`]: 'ab'.repeat(32) }));
    const r = await run(['sync', '--mempool-wait', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backend-error: The Electrum server ssl:\/\/127\.0\.0\.1:\d+ shows another TLS certificate/);
    fs.writeFileSync(pinsFile, JSON.stringify(pins));
  });
});

describe('a watchtower on --backend electrum', () => {
  it('cancels an unvault it finds in the server\'s mempool', async () => {
    const a = node();
    const vault = await makeVault(a, 'electrum');
    await a.mine(1);
    await x.caughtUp(a);
    const dir = tmpDir('coffer-tower-electrum-');
    const file = path.join(dir, 'package.json');
    writeAtomically(file, JSON.stringify(towerPackage(secp256k1.utils.randomSecretKey(), [vault], { height: a.tipHeight() })));
    const tower = TowerProcess.start(path.join(dir, 'tower'), file, a, { backend: ['--backend', 'electrum', '--server', x.tcpUrl] });
    try {
      await tower.waitFor((l) => l.event === 'watching', 30_000, 'the tower to watch');
      await tower.scannedTip(a);
      await a.submitTransaction(toHex(vault.set.unvault));
      const cancel = await tower.waitFor((l) => l.event === 'cancel' && l['unvaultTxid'] === vault.unvaultTxid, 30_000, 'the cancel');
      expect(cancel).toMatchObject({ vault: 'electrum', backend: 'electrum' });
      await waitFor(() => a.mempool().includes(cancel['cancelTxid'] as string), 15_000, 'the cancel in the node\'s mempool');
    } finally {
      await tower.stop();
    }
    expect(tower.exit).toEqual({ code: 0, signal: null });
  });
});

describe("the app's Electrum setting", () => {
  it('tests a server (tip, certificate not yet pinned), saves it, syncs through it, and shows the pin', async () => {
    const a = node();
    const core = new Core(tmpDir());
    await core.start();
    try {
      value(await core.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: env.COFFER_PASSWORD, backend: { kind: 'spv', connect: [a.address] } }));
      const tried = value<Results['settings.testServer']>(await core.call('settings.testServer', { server: x.sslUrl }));
      expect(tried).toEqual({ server: x.sslUrl, tipHeight: a.tipHeight(), fingerprint: x.certFingerprint, certificate: 'new' });
      const bad = await core.call('settings.testServer', { server: 'http://nowhere' });
      expect(bad.ok ? undefined : bad.error.code).toBe('usage');
      value(await core.call('settings.set', { backend: { kind: 'electrum', servers: [x.sslUrl] } }));
      value(await core.call('sync.now', {}));
      expect(value<{ tipHeight: number }>(await core.call('wallet.summary', {})).tipHeight).toBe(a.tipHeight());
      const shown = value<{ backend: BackendView }>(await core.call('settings.get', {})).backend;
      expect(shown).toEqual({ kind: 'electrum', servers: [x.sslUrl], pinned: { [`127.0.0.1:${x.sslPort}`]: x.certFingerprint } });
      expect(value<Results['settings.testServer']>(await core.call('settings.testServer', { server: x.sslUrl })).certificate).toBe('same');
    } finally {
      await core.stop();
    }
  });
});
