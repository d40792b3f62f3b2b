// A spend that will be refused is refused before the wallet's password becomes a key (scrypt,
// 256 MiB, about 2 s): the CLI checks its arguments before it reads the password, and the spend
// flows plan and check everything that needs no key before they unlock. Seen without timing: with
// a wrong password a bad spend still answers its own error (not wrong-password), and with no
// password at all (no COFFER_PASSWORD, no terminal) a bad argument answers its own error (not
// password-required). The core's spends run on an unlocked wallet; there a refused spend never
// asks for the seed: on a locked wallet it answers its own error, not wallet-locked.
// A real wallet and the real `coffer` command against a real bcoin regtest node.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { hexToHash } from '../../src/chain/bytes.js';
import { nullLogger } from '../../src/service/log.js';
import { bump, previewSend, send } from '../../src/service/spend-flows.js';
import { completeVault, createVault } from '../../src/service/vault-service.js';
import { sourceFactory } from '../../src/node/source-factory.js';
import { WalletSync } from '../../src/service/wallet-sync.js';
import { WalletService } from '../../src/service/wallet-service.js';
import { coffer, type RunResult } from '../helpers/cli.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

const PASSWORD = { COFFER_PASSWORD: 'the right password' };
const WRONG = { COFFER_PASSWORD: 'not the password' };
/** No password at all: the helper drops COFFER_PASSWORD, and stdin is not a terminal. */
const NONE = {};
const MAINNET = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';
const NOT_OURS = `${'ab'.repeat(32)}:0`;
/** A recovery destination with its key (the generator point): a vault refuses a bare address. */
const RECOVERY = 'wpkh(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)';

const dir = tmpDir();
let a: RegtestNode;
/** The wallet's coins: two of 2,000,000 sats and one of 500,000. */
let big: string[];
let small: string;

const run = (args: string[], env: Record<string, string>) => coffer(['--datadir', dir, '--network', 'regtest', '--connect', a.address, ...args], { env });
const errorCode = (r: RunResult) => /^error: ([a-z-]+):/.exec(r.stderr)?.[1];
const ok = (r: RunResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.json;
};
const sendArgs = (to: string, amount: string, more: string[] = []) => ['wallet', 'send', '--to', to, '--amount', amount, ...more];
const outpoint = (o: string) => ({ txid: hexToHash(o.split(':')[0]!)!, vout: Number(o.split(':')[1]) });

beforeAll(async () => {
  a = await startNode();
  await a.fund();
  ok(await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'create'], { env: PASSWORD }));
  const address = ok(await run(['wallet', 'address'], NONE)).address;
  for (const sats of [2_000_000, 2_000_000, 500_000]) await a.send(address, sats);
  await a.mine(1);
  ok(await run(['sync', '--mempool-wait', '1'], NONE));
  const utxos: { txid: string; vout: number; value: number }[] = ok(await run(['wallet', 'utxos'], NONE));
  big = utxos.filter((u) => u.value === 2_000_000).map((u) => `${u.txid}:${u.vout}`);
  small = utxos.filter((u) => u.value === 500_000).map((u) => `${u.txid}:${u.vout}`)[0]!;
  expect(big).toHaveLength(2);
});
afterAll(async () => a?.close());

describe('the CLI checks its arguments before it reads the password', () => {
  const cases: [string, () => string[], string][] = [
    ['a malformed address', () => sendArgs('bcrt1qnotanaddress', '1000'), 'invalid-address'],
    ['an address of another network', () => sendArgs(MAINNET, '1000'), 'wrong-network'],
    ['an amount below dust', () => sendArgs(a.walletAddress, '100'), 'amount-below-dust'],
    ['a fee rate below the relay minimum', () => sendArgs(a.walletAddress, '10000', ['--feerate', '0.5']), 'fee-too-low'],
    ['a fee rate above 10,000 sat/vB', () => sendArgs(a.walletAddress, '10000', ['--feerate', '20000']), 'fee-too-high'],
    ['a malformed outpoint', () => sendArgs(a.walletAddress, '10000', ['--input', 'nonsense']), 'invalid-outpoint'],
    ['a coin named twice', () => sendArgs(a.walletAddress, '10000', ['--input', small, '--input', small]), 'invalid-outpoint'],
    ['two recipients of "max"', () => ['wallet', 'send', '--to', a.walletAddress, '--amount', 'max', '--to', a.walletAddress, '--amount', 'max'], 'usage'],
    ['bump: a fee rate below the relay minimum', () => ['wallet', 'bump', 'ab'.repeat(32), '--feerate', '0.5'], 'fee-too-low'],
    ['cpfp: a fee rate above 10,000 sat/vB', () => ['wallet', 'cpfp', NOT_OURS, '--feerate', '10001'], 'fee-too-high'],
    ['vault create: a malformed recovery address', () => ['vault', 'create', '--amount', '100000', '--delay', '10', '--recovery', 'bcrt1qnotanaddress'], 'invalid-address'],
    ['vault create: an amount of 0', () => ['vault', 'create', '--amount', '0', '--delay', '10', '--recovery', RECOVERY], 'invalid-amount'],
    ['vault create: a delay of 0', () => ['vault', 'create', '--amount', '100000', '--delay', '0', '--recovery', RECOVERY], 'invalid-setting'],
    ['vault create: a fee rate below the relay minimum', () => ['vault', 'create', '--amount', '100000', '--delay', '10', '--recovery', RECOVERY, '--feerate', '0.5'], 'fee-too-low'],
    ['vault complete: an address of another network', () => ['vault', 'complete', 'abcdef012345', '--to', MAINNET], 'wrong-network'],
    ['psbt create: a malformed address', () => ['wallet', 'psbt', 'create', '--to', 'bcrt1qnotanaddress', '--amount', '1000'], 'invalid-address'],
  ];
  for (const [what, args, code] of cases) {
    it(`${what}: ${code} with no password given`, async () => {
      const none = await run(args(), NONE);
      expect(errorCode(none), none.stderr).toBe(code);
    });
  }

  it('a malformed address with a wrong password: invalid-address', async () => {
    const wrong = await run(sendArgs('bcrt1qnotanaddress', '1000'), WRONG);
    expect(errorCode(wrong), wrong.stderr).toBe('invalid-address');
  });

  it('psbt create needs no password at all', async () => {
    expect(typeof ok(await run(['wallet', 'psbt', 'create', '--to', a.walletAddress, '--amount', '10000', '--feerate', '2'], NONE))).toBe('string');
  });
});

// Before any coin is spent (the CLI's spends below change the wallet).
describe("the core's spends check everything before they ask for the seed", () => {
  let wallet: WalletService;
  let sync: WalletSync;
  beforeAll(() => {
    // Never unlocked: a spend that asks for the seed gets wallet-locked.
    wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
    sync = new WalletSync(wallet, { datadir: dir, source: sourceFactory({ kind: 'spv', connect: [a.address] }, nullLogger), log: nullLogger, mempoolWaitMs: 0 });
  });
  afterAll(() => {
    sync?.close();
    wallet?.close();
  });
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (e instanceof CofferError) return e.code;
      throw e;
    }
    return 'ok';
  };

  it('send, bump and vaults on a locked wallet: their own errors; a good send asks for the seed', async () => {
    const to = a.walletAddress;
    const req = { recipients: [{ address: to, amount: 2_000 }], feeRate: 50, feeSource: 'given' };
    expect(await codeOf(send(wallet, sync, req))).toBe('fee-too-high');
    expect(await codeOf(send(wallet, sync, { ...req, recipients: [{ address: to, amount: 100_000_000 }] }))).toBe('insufficient-funds');
    expect(await codeOf(send(wallet, sync, { ...req, feeRate: 10_000, acceptHighFee: true, inputs: big.map(outpoint) }))).toBe('fee-too-high');
    expect(await codeOf(bump(wallet, sync, hexToHash('ab'.repeat(32))!, 5, false))).toBe('unknown-transaction');
    expect(await codeOf(createVault(wallet, sync, { amount: 100_000_000, delay: 10, recovery: RECOVERY, feeRate: 2 }))).toBe('insufficient-funds');
    expect(await codeOf(createVault(wallet, sync, { amount: 1_000, delay: 10, recovery: RECOVERY, feeRate: 2 }))).toBe('amount-below-dust');
    expect(await codeOf(completeVault(wallet, sync, 'abcdef012345', to, 2))).toBe('unknown-vault');
    // The same calls with good inputs get as far as the seed.
    expect(await codeOf(send(wallet, sync, { ...req, acceptHighFee: true }))).toBe('wallet-locked');
    expect(await codeOf(createVault(wallet, sync, { amount: 100_000, delay: 10, recovery: RECOVERY, feeRate: 2 }))).toBe('wallet-locked');
  });
});

describe('a spend is planned and checked before the password becomes a key', () => {
  it('wallet send: refusals that need the wallet answer before the wrong password does', async () => {
    expect(errorCode(await run(sendArgs(a.walletAddress, '100000000', ['--feerate', '2']), WRONG))).toBe('insufficient-funds');
    expect(errorCode(await run(sendArgs(a.walletAddress, '10000', ['--feerate', '2', '--input', NOT_OURS]), WRONG))).toBe('invalid-outpoint');
    ok(await run(['wallet', 'freeze', small], NONE));
    expect(errorCode(await run(sendArgs(a.walletAddress, '10000', ['--feerate', '2', '--input', small]), WRONG))).toBe('invalid-outpoint');
    ok(await run(['wallet', 'unfreeze', small], NONE));
    const steep = await run(sendArgs(a.walletAddress, '2000', ['--feerate', '50']), WRONG);
    expect(errorCode(steep)).toBe('fee-too-high');
    expect(steep.stderr).toMatch(/--accept-high-fee/);
  });

  it('the 5% fee limit: the check before the key and the one after signing agree', async () => {
    const coin = ['--feerate', '3', '--input', small];
    // The fee of a send from this coin at 3 sat/vB (change back), as the app's preview shows it.
    const wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
    const fee = previewSend(wallet, { recipients: [{ address: a.walletAddress, amount: 100_000 }], feeRate: 3, inputs: [outpoint(small)] }).plan.fee;
    wallet.close();
    const over = await run(sendArgs(a.walletAddress, String(fee * 20 - 1), coin), WRONG);
    expect(errorCode(over), over.stderr).toBe('fee-too-high');
    // Exactly 5%: through the checks before the key, signed, through the checks after, sent.
    const sent = ok(await run(sendArgs(a.walletAddress, String(fee * 20), coin), PASSWORD));
    expect(sent).toMatchObject({ fee, broadcast: true });
    await waitFor(() => a.mempool().includes(sent.txid), 15_000, 'send at exactly 5% in the mempool');
  });

  it('the 10,000 sat/vB limit: decided on the exact signed size, the same before the key and after signing', async () => {
    // Two inputs: the fee, paid for worst-case signatures, is above 10,000 sat/vB of the signed size.
    const two = await run(sendArgs(a.walletAddress, '10000', ['--feerate', '10000', '--accept-high-fee', '--input', big[0]!, '--input', big[1]!]), WRONG);
    expect(errorCode(two), two.stderr).toBe('fee-too-high');
    // One input: the signed size rounds to the planned vsize, so the rate is exactly 10,000; signed, it passes.
    const one = ['--feerate', '10000', '--accept-high-fee', '--input', big[0]!, '--dry-run'];
    expect(ok(await run(sendArgs(a.walletAddress, '10000', one), PASSWORD))).toMatchObject({ feerate: 10_000 });
  });

  it('bump and cpfp: refusals that need the wallet answer before the wrong password does', async () => {
    const sent = ok(await run(sendArgs(a.walletAddress, '20000', ['--feerate', '2', '--input', big[1]!]), PASSWORD));
    expect(errorCode(await run(['wallet', 'bump', 'ab'.repeat(32), '--feerate', '5'], WRONG))).toBe('unknown-transaction');
    expect(errorCode(await run(['wallet', 'bump', sent.txid, '--feerate', '1.5'], WRONG))).toBe('fee-too-low');
    expect(errorCode(await run(['wallet', 'bump', sent.txid, '--feerate', '5'], WRONG))).toBe('wrong-password');
    expect(errorCode(await run(['wallet', 'cpfp', NOT_OURS, '--feerate', '20'], WRONG))).toBe('unknown-transaction');
    expect(errorCode(await run(['wallet', 'cpfp', `${sent.txid}:9`, '--feerate', '20'], WRONG))).toBe('invalid-outpoint');
  });

  it('vault create, withdraw, complete and cancel: refusals answer before the wrong password does', async () => {
    const create = (amount: string) => ['vault', 'create', '--amount', amount, '--delay', '10', '--recovery', RECOVERY, '--feerate', '2'];
    expect(errorCode(await run(create('100000000'), WRONG))).toBe('insufficient-funds');
    // The presigned set's fees do not fit in 1,000 sats: known with throwaway keys.
    expect(errorCode(await run(create('1000'), WRONG))).toBe('amount-below-dust');
    expect(errorCode(await run(create('100000'), WRONG))).toBe('wrong-password');
    expect(errorCode(await run(['vault', 'withdraw', 'abcdef012345'], WRONG))).toBe('unknown-vault');
    expect(errorCode(await run(['vault', 'complete', 'abcdef012345', '--to', a.walletAddress], WRONG))).toBe('unknown-vault');
    expect(errorCode(await run(['vault', 'cancel', 'abcdef012345'], WRONG))).toBe('unknown-vault');
  });
});
