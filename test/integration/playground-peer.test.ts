// The playground peer, from the core as the app calls it: the playground funds a second Lightning
// node in the data directory, which stops with the wallet's lock and the core and comes back as the
// same node on the same port, and opens a channel it funds to the wallet's node on request;
// elsewhere than the playground its calls are refused. (Channels with it, through the UI:
// test/e2e/playground-ln.test.ts.)

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInfo, Results } from '../../src/api/contract.js';
import type { PlaygroundPeerInfo } from '../../src/api/playground.js';
import { Core } from '../../src/service/core.js';
import { waitFor } from '../helpers/regtest.js';
import { code, value } from '../helpers/result.js';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = 'playground password';

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('the playground peer', () => {
  const datadir = tmpDir('coffer-playground-peer-');
  let core: Core;

  beforeAll(async () => {
    core = new Core(datadir);
    await core.start();
  });
  afterAll(() => core?.stop());

  it('is refused before there is a playground', async () => {
    expect(code(await core.call('playground.peer', {}))).toBe('no-wallet');
  });

  it('runs beside the playground, funded, with its own wallet and password in its folder', async () => {
    value(await core.call('wallet.playground', { password: PASSWORD }));
    const peer = value<PlaygroundPeerInfo>(await core.call('playground.peer', {}));
    expect(peer.uri).toMatch(new RegExp(`^${peer.nodeId}@127\\.0\\.0\\.1:\\d+$`));
    // Two blocks' subsidy, mined first: mature by the playground's height 440.
    await waitFor(async () => value<PlaygroundPeerInfo>(await core.call('playground.peer', {})).onChainSat === 10_000_000_000, 30_000, 'the peer funded');
    const folder = path.join(datadir, 'playground-peer');
    expect(fs.statSync(path.join(folder, 'password')).mode & 0o077).toBe(0);
    expect(fs.existsSync(path.join(folder, 'regtest'))).toBe(true);
  });

  it('stops when the wallet locks and with the core; comes back as the same node on the same port', async () => {
    const before = value<PlaygroundPeerInfo>(await core.call('playground.peer', {}));
    const port = Number(before.uri.split(':').pop());
    expect(await listening(port)).toBe(true);
    value(await core.call('wallet.lock', {}));
    expect(code(await core.call('playground.peer', {}))).toBe('wallet-locked');
    await waitFor(async () => !(await listening(port)), 30_000, 'the peer stopped with the lock');
    value(await core.call('wallet.unlock', { password: PASSWORD }));
    expect(value<PlaygroundPeerInfo>(await core.call('playground.peer', {})).uri).toBe(before.uri);

    await core.stop();
    expect(await listening(port)).toBe(false);
    core = new Core(datadir);
    await core.start();
    value(await core.call('wallet.unlock', { password: PASSWORD }));
    expect(value<PlaygroundPeerInfo>(await core.call('playground.peer', {})).uri).toBe(before.uri);
  });

  it('offers a channel it funds to the wallet, which can be paid at once', async () => {
    const peer = value<PlaygroundPeerInfo>(await core.call('playground.peer', {}));
    const opened = value<Results['playground.offer']>(await core.call('playground.offer', { amountSat: 200_000 }));
    expect(opened.channelId).toMatch(/^[0-9a-f]{64}$/);
    const channel = async () => value<ChannelInfo[]>(await core.call('channel.list', {})).find((c) => c.channelId === opened.channelId);
    // Its confirmations were mined by the call: both nodes see them within a sync round or two.
    await waitFor(async () => (await channel())?.usable === true, 60_000, 'the offered channel usable');
    expect(await channel()).toMatchObject({ counterparty: peer.nodeId, outbound: false, capacitySat: 200_000, localBalanceMsat: 0, fundingTxid: opened.fundingTxid });
    // Nothing paid to the peer first: it pays the wallet's invoice from its side.
    const invoice = value<Results['ln.invoice']>(await core.call('ln.invoice', { amountMsat: 30_000_000, description: 'first payment' }));
    value(await core.call('playground.pay', { bolt11: invoice.bolt11 }));
    await waitFor(async () => (await channel())?.localBalanceMsat === 30_000_000, 30_000, 'the wallet paid 30,000 sats');
  });

  it('refuses an offer outside the channels the wallet takes, and while the wallet is locked', async () => {
    const tooBig = await core.call('playground.offer', { amountSat: 16_777_216 });
    expect(code(tooBig)).toBe('usage');
    value(await core.call('wallet.lock', {}));
    expect(code(await core.call('playground.offer', {}))).toBe('wallet-locked');
    value(await core.call('wallet.unlock', { password: PASSWORD }));
  });

  it('is refused on a wallet that is not the playground', async () => {
    const other = new Core(tmpDir('coffer-playground-peer-'));
    await other.start();
    try {
      value(await other.call('wallet.create', { network: 'regtest', words: 12, script: 'wpkh', password: PASSWORD, backend: { kind: 'spv', connect: ['127.0.0.1:1'] } }));
      expect(code(await other.call('playground.peer', {}))).toBe('backend-unavailable');
      expect(code(await other.call('playground.offer', {}))).toBe('backend-unavailable');
    } finally {
      await other.stop();
    }
  });
});
