// A whole compact-filters sync over BIP324 (`--backend filters --v2`) with btcd started with
// --v2transport: a payment received unconfirmed, then confirmed, a send, a restore from the words;
// every connection the log shows is v2. Without --v2 the pinned btcd gets v1.

import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../src/chain/block.js';
import { hashToHex } from '../../src/chain/bytes.js';
import { addressToScript } from '../../src/keys/address.js';
import { BTCD_MINER_KEY, BTCD_MINER_PUBKEY, startBtcd, type BtcdNode } from '../helpers/btcd.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { CORE_REGTEST, waitFor } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const env = { COFFER_PASSWORD: 'integration password' };
const minerScript = p2wpkh(BTCD_MINER_PUBKEY, CORE_REGTEST).script;

let b: BtcdNode;
let nextCoinbase = 1;

beforeAll(async () => {
  b = await startBtcd({ args: ['--v2transport'] });
  await b.mine(110);
});
afterAll(() => b?.close());

/** Pay `amount` to `script` from the next coinbase, the rest back to the miner; the txid (display hex). */
async function pay(script: Uint8Array, amount: number): Promise<string> {
  const cb = parseBlock(hexToBytes(await b.getBlock(await b.getBlockHash(nextCoinbase++)))).txs[0]!;
  const index = cb.tx.outputs.findIndex((o) => bytesToHex(o.script) === bytesToHex(minerScript));
  const value = BigInt(cb.tx.outputs[index]!.value);
  const tx = new Transaction();
  tx.addInput({ txid: hashToHex(cb.txid), index, witnessUtxo: { script: minerScript, amount: value } });
  tx.addOutput({ script, amount: BigInt(amount) });
  tx.addOutput({ script: minerScript, amount: value - BigInt(amount) - 10_000n });
  tx.signIdx(BTCD_MINER_KEY, 0);
  tx.finalize();
  return b.submitTransaction(tx.hex);
}

/** The transports of the `p2p.connect` lines the log gained since `from` (its length then). */
function connections(dir: string, from: number): { transports: string[]; end: number } {
  const text = fs.readFileSync(path.join(dir, 'regtest', 'logs', 'coffer.log'), 'utf8');
  const transports = text
    .slice(from)
    .split('\n')
    .filter((l) => l.includes('"p2p.connect"'))
    .map((l) => JSON.parse(l).transport as string);
  return { transports, end: text.length };
}

describe('backend filters over BIP324 (btcd --v2transport)', () => {
  const dir = tmpDir();
  const run = (args: string[], d = dir, v2 = ['--v2']) => coffer(['--datadir', d, '--network', 'regtest', '--backend', 'filters', ...v2, '--connect', b.address, ...args], { env });
  const ok = (r: RunResult) => {
    expect(r.code, r.stderr).toBe(0);
    return r.json;
  };
  let mnemonic: string;
  let birthday: number;

  it('receives unconfirmed, then confirmed, and sends, every connection v2', async () => {
    mnemonic = ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env })).mnemonic;
    birthday = await b.tipHeight();
    const { address } = ok(await run(['wallet', 'address']));
    const txid = await pay(addressToScript(address, 'regtest'), 250_000);
    const first = ok(await run(['sync', '--mempool-wait', '1']));
    expect(first.tipHash).toBe(await b.getBlockHash(await b.tipHeight()));
    expect(first.balance).toEqual({ confirmed: 0, unconfirmed: 250_000 });
    await b.mine(1);
    expect(ok(await run(['sync', '--mempool-wait', '1'])).balance).toEqual({ confirmed: 250_000, unconfirmed: 0 });
    expect(ok(await run(['wallet', 'history']))).toEqual([{ txid, amount: 250_000, confirmations: 1, blockHeight: await b.tipHeight() }]);

    const sent = ok(await run(['wallet', 'send', '--to', b.miningAddress, '--amount', '50000', '--feerate', '2']));
    await waitFor(async () => (await b.rpc<string[]>('getrawmempool')).includes(sent.txid), 15_000, 'the send in btcd\'s mempool');
    await b.mine(1);
    expect(ok(await run(['sync', '--mempool-wait', '1'])).balance).toEqual({ confirmed: 250_000 - 50_000 - sent.fee, unconfirmed: 0 });

    const { transports } = connections(dir, 0);
    expect(transports.length).toBeGreaterThanOrEqual(4);
    expect(new Set(transports)).toEqual(new Set(['v2']));
  });

  it('restores from the words over v2: the same balance and history', async () => {
    const restored = tmpDir();
    fs.writeFileSync(path.join(restored, 'words'), mnemonic);
    ok(await coffer(['--datadir', restored, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', path.join(restored, 'words'), '--birthday', String(birthday)], { env }));
    const s = ok(await run(['sync', '--mempool-wait', '0'], restored));
    expect(s.balance).toEqual(ok(await run(['wallet', 'balance'])));
    expect(ok(await run(['wallet', 'history'], restored))).toEqual(ok(await run(['wallet', 'history'])));
    expect(new Set(connections(restored, 0).transports)).toEqual(new Set(['v2']));
  });

  it('without --v2 the pinned node gets v1; --v2 is refused for the RPC backends and in the app\'s setting', async () => {
    const before = connections(dir, 0).end;
    ok(await run(['sync', '--mempool-wait', '0'], dir, []));
    expect(connections(dir, before).transports).toEqual(['v1']);
    const rpc = await coffer(['--datadir', dir, '--network', 'regtest', '--backend', 'node', '--v2', 'sync'], { env });
    expect(rpc.code).not.toBe(0);
    expect(rpc.stderr).toMatch(/^error: usage: --v2 is for the light client's peers/);
    const setting = await run(['config', 'backend']);
    expect(setting.code).not.toBe(0);
    expect(setting.stderr).toMatch(/^error: usage: the app's setting does not keep --v2/);
  });
});
