// Every method of the contract (src/api/contract.ts) is reachable from the `coffer` command, or
// this file says why not. The commands listed as contract clients name their method in src/cli/
// (they call it through src/cli/contract-client.ts or the Lightning call path), so a command that
// drifts back to calling service/ directly is caught here too.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, type Method } from '../../src/api/contract.js';
import { COMMANDS } from '../../src/cli/main.js';

type Cli = { command: string } | { none: string };

/** The command (its words) that offers each method, or why none does. */
const CLI: Record<Method, Cli> = {
  'app.status': { none: "the app's own screen state (which wallets exist, which one is open, the sync phase): a command is told its wallet by --network, and `wallet info`, `sync` and `node status` print the same facts" },
  'app.activity': { none: 'UI-only keep-alive: a key press or click postpones the auto-lock of the open window; a command holds the key only while it runs' },
  'app.open': { none: 'a command opens the wallet that --datadir and --network name, for itself' },
  'wallet.create': { command: 'wallet create' },
  'wallet.restore': { command: 'wallet restore' },
  'wallet.playground': { none: "the app's one-click regtest wallet; on the command line it is `wallet create --network regtest`, `node start` and `node mine`" },
  'wallet.checkWords': { none: "the app's backup quiz after creation: `wallet create` prints the words once and `wallet reveal` shows them again" },
  'wallet.unlock': { none: 'a command asks for the password (--password-file, COFFER_PASSWORD or the terminal) when it needs a key, and its process ends with the key' },
  'wallet.lock': { none: "a command's key ends with its process; the daemon keeps its wallet unlocked while it runs and is stopped to lock it" },
  'wallet.reveal': { command: 'wallet reveal' },
  'wallet.changePassword': { command: 'wallet change-password' },
  'wallet.summary': { command: 'wallet balance' },
  'wallet.address': { command: 'wallet address' },
  'wallet.history': { command: 'wallet history' },
  'wallet.transaction': { command: 'wallet transaction' },
  'wallet.utxos': { command: 'wallet utxos' },
  'wallet.freeze': { command: 'wallet freeze' },
  'wallet.setLabel': { none: 'the command line sets labels in bulk, as BIP329 JSON Lines: `wallet labels import`' },
  'wallet.descriptors': { command: 'wallet descriptors' },
  'labels.export': { command: 'wallet labels export' },
  'labels.import': { command: 'wallet labels import' },
  'uri.build': { none: 'a BIP21 URI is for a QR code on the receive screen; the command prints the address (`wallet address`)' },
  'uri.parse': { none: "the send screen's paste field; `wallet send` takes the address and amount as --to and --amount" },
  'send.preview': { command: 'wallet send' },
  'send.confirm': { command: 'wallet send' },
  'send.bump': { command: 'wallet bump' },
  'send.cpfp': { command: 'wallet cpfp' },
  'tx.abandon': { command: 'wallet abandon' },
  'psbt.create': { command: 'wallet psbt create' },
  'psbt.review': { command: 'wallet psbt sign' },
  'psbt.sign': { command: 'wallet psbt sign' },
  'psbt.finalize': { command: 'wallet psbt finalize' },
  'psbt.combine': { command: 'wallet psbt combine' },
  'psbt.broadcast': { command: 'wallet psbt broadcast' },
  'fees.get': { command: 'wallet fees' },
  'settings.get': { command: 'config get' },
  'settings.set': { command: 'config set' },
  'sync.now': { command: 'sync' },
  'node.mine': { command: 'node mine' },
  'vault.list': { command: 'vault list' },
  'vault.preview': { command: 'vault preview' },
  'vault.create': { command: 'vault create' },
  'vault.withdraw': { command: 'vault withdraw' },
  'vault.complete': { command: 'vault complete' },
  'vault.cancel': { command: 'vault cancel' },
  'ln.info': { command: 'ln info' },
  'ln.invoice': { command: 'ln invoice' },
  'ln.pay': { command: 'ln pay' },
  'ln.decode': { command: 'ln decode' },
  'ln.payments': { command: 'ln payments' },
  'ln.invoices': { command: 'ln invoices' },
  'channel.open': { command: 'channel open' },
  'channel.list': { command: 'channel list' },
  'channel.backup': { command: 'channel backup' },
  'channel.close': { command: 'channel close' },
};

/**
 * Methods whose commands are clients of the contract today. The others' commands still call
 * service/ directly (issue 15, point 1 moves them one by one): add a method here when its command
 * moves.
 */
const THROUGH_CONTRACT: Method[] = [
  'wallet.summary',
  'wallet.history',
  'wallet.transaction',
  'wallet.utxos',
  'wallet.freeze',
  'labels.export',
  'labels.import',
  'fees.get',
  'vault.preview',
  'send.bump',
  'send.cpfp',
  'tx.abandon',
  'psbt.create',
  'psbt.review',
  'psbt.sign',
  'psbt.finalize',
  'psbt.combine',
  'psbt.broadcast',
  'ln.info',
  'ln.invoice',
  'ln.pay',
  'ln.decode',
  'ln.payments',
  'ln.invoices',
  'channel.open',
  'channel.list',
  'channel.backup',
  'channel.close',
];

const commandNames = new Set(COMMANDS.map((c) => c.words.join(' ')));

describe('the contract and the coffer command', () => {
  it('lists every contract method, and only those', () => {
    expect(Object.keys(CLI).sort()).toEqual([...METHOD_NAMES].sort());
  });

  for (const method of METHOD_NAMES) {
    const entry = CLI[method];
    it(`${method}: ${'command' in entry ? `coffer ${entry.command}` : 'no command, and why'}`, () => {
      if ('command' in entry) expect(commandNames.has(entry.command), entry.command).toBe(true);
      else expect(entry.none.length, 'a reason in words').toBeGreaterThan(40);
    });
  }

  it('the commands of contract methods call them by name', () => {
    const dir = path.resolve(import.meta.dirname, '..', '..', 'src', 'cli');
    const source = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    for (const method of THROUGH_CONTRACT) {
      expect('command' in CLI[method], method).toBe(true);
      expect(source.includes(`'${method}'`), `src/cli names '${method}'`).toBe(true);
    }
  });
});
