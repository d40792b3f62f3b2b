// A fee bump's replacement takes the place of the send it replaces, label included (as Sparrow
// does); a replacement the network refuses leaves the original as it was and no label behind. A
// real wallet in a temporary folder; the network is a fake that accepts or refuses.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { hexToHash } from '../../src/chain/bytes.js';
import { serializeTx, txid as txidOf, type Tx } from '../../src/chain/tx.js';
import { persistChangeSet } from '../../src/db/change-set-store.js';
import { listLabels, putLabel } from '../../src/db/spend-store.js';
import { listAccounts, listAddresses } from '../../src/db/wallet-store.js';
import { upsertTx } from '../../src/db/tx-store.js';
import { nullLogger } from '../../src/service/log.js';
import { bump, send } from '../../src/service/spend-flows.js';
import { history } from '../../src/service/views.js';
import { WalletService } from '../../src/service/wallet-service.js';
import type { WalletSync } from '../../src/service/wallet-sync.js';
import { statusChange } from '../../src/wallet/change-set.js';

const WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PAYEE = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));

let dir: string;
let wallet: WalletService;

/** The network as the spend sees it: it takes a transaction (marked seen) or refuses it (abandoned, as WalletSync does). */
function network(accepts: boolean): WalletSync {
  return {
    broadcast: async (txid: Uint8Array) => {
      if (!accepts) throw new CofferError('invalid-transaction', 'A peer rejected the transaction: insufficient fee.', { reason: 'insufficient fee' });
      persistChangeSet(wallet.database, statusChange(txid, 'seen'));
    },
    abandon: (txid: Uint8Array) => persistChangeSet(wallet.database, statusChange(txid, 'abandoned')),
  } as unknown as WalletSync;
}

const txLabels = () => Object.fromEntries(listLabels(wallet.database).filter((l) => l.type === 'tx').map((l) => [l.ref, l.label]));

/** A labelled send of 100,000 sats at 2 sat/vB, accepted. */
async function labelledSend(label: string): Promise<string> {
  const sent = await send(wallet, network(true), { recipients: [{ script: PAYEE, amount: 100_000 }], feeRate: 2, feeSource: 'given' });
  if (label) putLabel(wallet.database, { type: 'tx', ref: sent.txid, label });
  return sent.txid;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bump-label-'));
  wallet = WalletService.open({ datadir: dir, network: 'regtest', logger: nullLogger });
  wallet.restore({ mnemonic: WORDS, passphrase: '', script: 'wpkh', password: 'unit test password' });
  const account = listAccounts(wallet.database).find((a) => a.script === 'wpkh')!.id;
  // Three confirmed coins of 1,000,000 sats: one for each send below.
  const funding: Tx = {
    version: 2,
    inputs: [{ prevTxid: new Uint8Array(32).fill(1), vout: 0, scriptSig: new Uint8Array(), sequence: 0xffffffff, witness: [] }],
    outputs: listAddresses(wallet.database, account, 0).slice(0, 3).map((a) => ({ value: 1_000_000, script: a.script })),
    locktime: 0,
  };
  upsertTx(wallet.database, txidOf(funding), { raw: serializeTx(funding), firstSeen: 1, confirmation: { blockHash: new Uint8Array(32).fill(9), height: 100, pos: 1, time: 1 } });
  wallet.setMeta('tip_height', '101');
  wallet.unlock('unit test password');
});
afterAll(() => {
  wallet?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a fee bump and the label of the send it replaces', () => {
  it('an accepted replacement is shown in the history in place of the original, under its label', async () => {
    const original = await labelledSend('Rent, March');
    const replacement = (await bump(wallet, network(true), hexToHash(original)!, 20, false)).txid;
    expect(replacement).not.toBe(original);
    const rows = history(wallet).filter((t) => t.amount < 0);
    expect(rows.map((t) => [t.txid, t.label])).toEqual([[replacement, 'Rent, March']]);
    // The original keeps its own label, should it confirm after all.
    expect(txLabels()).toEqual({ [original]: 'Rent, March', [replacement]: 'Rent, March' });
  });

  it('a refused replacement puts the original back and leaves no label for the refused one', async () => {
    const before = txLabels();
    const original = await labelledSend('Groceries');
    await expect(bump(wallet, network(false), hexToHash(original)!, 20, false)).rejects.toMatchObject({ code: 'invalid-transaction' });
    expect(history(wallet).find((t) => t.txid === original)?.label).toBe('Groceries');
    expect(txLabels()).toEqual({ ...before, [original]: 'Groceries' });
  });

  it('a send without a label gets a replacement without one', async () => {
    const before = txLabels();
    const original = await labelledSend('');
    const replacement = (await bump(wallet, network(true), hexToHash(original)!, 30, false)).txid;
    expect(history(wallet).find((t) => t.txid === replacement)?.label).toBeUndefined();
    expect(txLabels()).toEqual(before);
  });
});
