// Every method of the contract (src/api/contract.ts) is reachable from the `coffer` command, or
// this file says why not. Each command that is a client of the contract is run (with a fake
// daemon, then with a fake in-process core) and must make its method's call and open no wallet of
// its own; the few commands that still reach service/ directly, and the commands with no method,
// say why.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES, type Method } from '../../src/api/contract.js';
import { CofferError } from '../../src/api/errors.js';
import { COMMANDS, main } from '../../src/cli/main.js';
import { WalletService } from '../../src/service/wallet-service.js';

/** Every call a command made, and whether a daemon is found: shared with the fakes below. */
const seen = vi.hoisted(() => ({ calls: [] as string[], daemonCalls: [] as string[], daemon: true }));

/** What a fake answers to the calls a command makes before its own one (opening, syncing, a review). */
const CANNED: Record<string, unknown> = {
  'app.status': { sync: { phase: 'idle' }, wallets: [] },
  'app.open': {},
  'wallet.unlock': { locked: false },
  'sync.now': { ok: true },
  'psbt.review': { summary: { inputs: [], outputs: [], sent: 0, fee: 0, toSign: 1 } },
};
/** The fakes answer the command's own call with this error: what it does with a result is not the point. */
const STOP = 'test-stop';

vi.mock('../../src/service/daemon.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  findDaemon: () => (seen.daemon ? { port: 1, cookie: '0'.repeat(64) } : undefined),
  callDaemon: async (_d: unknown, method: string) => {
    seen.calls.push(method);
    seen.daemonCalls.push(method);
    if (method in CANNED) return CANNED[method];
    throw new CofferError('backend-error', STOP);
  },
}));

vi.mock('../../src/service/core.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  Core: class {
    lightningOptions = {};
    call(method: string) {
      seen.calls.push(method);
      return Promise.resolve(method in CANNED ? { ok: true, value: CANNED[method] } : { ok: false, error: { code: 'usage', message: STOP } });
    }
    overrideSource() {}
    keepUnlocked() {}
    startLightning() {
      return Promise.resolve({ list: () => [] });
    }
    stop() {
      return Promise.resolve();
    }
  },
}));

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
  'wallet.info': { command: 'wallet info' },
  'labels.export': { command: 'wallet labels export' },
  'labels.import': { command: 'wallet labels import' },
  'uri.build': { none: 'a BIP21 URI is for a QR code on the receive screen; the command prints the address (`wallet address`)' },
  'uri.parse': { none: "the send screen's paste field; `wallet send` takes the address and amount as --to and --amount" },
  'send.preview': { none: "the send screen's review before the password is asked; on the command line `wallet send --dry-run` builds and signs without sending, and `wallet psbt create` builds it unsigned" },
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
  'settings.testServer': { none: "the app's test-connection button for an Electrum server; any `--backend electrum --server URL` command connects the same way and names what failed" },
  'sync.peers': { none: "the app's peers view of its running light client; a command's own chain source connects, syncs and closes, and `sync` logs each peer it connects to (p2p.connect, with its transport) in the network's log" },
  'display.get': { none: "the app's display preferences (BTC or sats, the fiat price source); the CLI prints satoshis and BTC as before, whatever the app shows" },
  'display.set': { none: "the app's display preferences, set in its Settings; nothing the CLI prints depends on them" },
  'price.get': { none: "the app's fiat figure beside amounts, for display only; the CLI never fetches a price" },
  'node.mine': { command: 'node mine' },
  'vault.list': { command: 'vault list' },
  'vault.preview': { command: 'vault preview' },
  'vault.create': { command: 'vault create' },
  'vault.withdraw': { command: 'vault withdraw' },
  'vault.complete': { command: 'vault complete' },
  'vault.cancel': { command: 'vault cancel' },
  'vault.backup': { command: 'vault backup' },
  'vault.restore': { command: 'vault restore' },
  'vault.exportPackage': { command: 'watchtower export' },
  'ln.info': { command: 'ln info' },
  'playground.peer': { none: "the app's playground peer, a second Lightning node its core runs beside the wallet's; on the command line a second wallet runs `coffer daemon --ln-listen 0 --ln-accept-inbound`" },
  'playground.invoice': { none: "the app's playground peer makes an invoice; on the command line: `ln invoice` on the second wallet's daemon" },
  'playground.pay': { none: "the app's playground peer pays an invoice; on the command line: `ln pay` on the second wallet's daemon" },
  'playground.offer': { none: "the app's playground peer opens a channel it funds to the wallet; on the command line: `channel open` on the second wallet's daemon, to a wallet running `coffer daemon --ln-listen 0 --ln-accept-inbound`" },
  'ln.invoice': { command: 'ln invoice' },
  'ln.pay': { command: 'ln pay' },
  'ln.keysend': { command: 'ln keysend' },
  'ln.decode': { command: 'ln decode' },
  'ln.payments': { command: 'ln payments' },
  'ln.invoices': { command: 'ln invoices' },
  'channel.open': { command: 'channel open' },
  'channel.list': { command: 'channel list' },
  'channel.backup': { command: 'channel backup' },
  'channel.close': { command: 'channel close' },
  'tower.add': { command: 'watchtower add' },
  'tower.remove': { command: 'watchtower remove' },
  'tower.list': { command: 'watchtower list' },
};

/** Commands that offer a method's capability without calling it (they reach service/ directly), and why. */
const DIRECT: Partial<Record<Method, string>> = {
  'settings.get': 'config get prints the settings table by key (auto-lock-minutes, gap-limit) and works in a data directory with no wallet yet; settings.get needs the open wallet and carries the auto-lock, the chain source and the network, not the gap limit',
  'settings.set': 'config set writes one key of the settings table (the gap limit too, which settings.set does not carry), with no wallet yet too; the chain source is saved by config backend, which alone may name an RPC cookie file',
  'sync.now': 'sync prints the round\'s own report (tip, balance, what was found) and waits --mempool-wait for unconfirmed transactions; sync.now only runs the core\'s round and answers ok',
  'vault.exportPackage': "watchtower export writes the package to any file name the local user gives, and with --once writes it without keeping it up to date; vault.exportPackage, for the app's pages, keeps it only in a new .json file or over this wallet's own package",
  'node.mine': 'node mine pays the block rewards to any --address with any chain source set and prints the blocks; node.mine is the playground\'s, mining to the wallet on the embedded node',
};

/** Methods whose command calls them only through a running daemon, and what it does without one. */
const DAEMON_ONLY: Partial<Record<Method, string>> = {
  'ln.info': 'without a daemon, ln info derives the node id from the seed and starts no Lightning node (ln.info would start one)',
};

/** Methods whose command calls them on a core of its own even while a daemon runs, and why. */
const IN_PROCESS: Partial<Record<Method, string>> = {
  'wallet.create': "the daemon serves its one open wallet: a new wallet made there would replace it; the command's own core makes it (a daemon's wallet is refused as wallet-exists, as before)",
  'wallet.restore': 'as wallet create: the daemon would open the restored wallet in place of its own; the command restores on a core of its own',
  'psbt.finalize': 'nothing of the wallet is needed to finalize a PSBT, and a large one (up to 64 MiB) need not cross to the daemon',
  'psbt.combine': 'as psbt finalize: combining PSBTs needs no wallet, and large ones need not cross to the daemon',
};

/** The commands that call no method of the contract, and why (a command that calls one is in CLI above). */
const NO_METHOD: Record<string, string> = {
  'wallet unfreeze': 'calls wallet.freeze with frozen: false (the table above names wallet freeze for that method)',
  'config backend': 'saves the chain source with an RPC cookie file, which settings.set refuses by design (cookie-file-cli-only): only the local user names a file to read',
  'node start': 'starts the embedded node as a process of its own, for the data directory: a process manager, not a wallet operation',
  'node run': 'is the embedded node process itself, in the foreground (what node start launches)',
  'node status': "asks the node's own RPC about its height, peers and verification, with or without a wallet",
  'node stop': 'stops the node process through its own RPC; no wallet is involved',
  'watchtower run': 'watches vaults from a keyless package file with no wallet at all: there is no core to call',
  'watchtower serve': 'runs a remote tower that wallets push to over the network, with no wallet of its own: it serves pushes, it calls no core',
  'channel restore': 'closes channels from a backup file before any daemon runs, holding the Lightning lock itself; the contract never takes a file path',
  'ln import-gossip': 'adds a gossip snapshot file to the stored network graph before any daemon runs, holding the Lightning lock itself; the contract never takes a file path',
  'verify headers': 'checks a file of headers offline, with no wallet and no chain source',
  'verify filter': "computes a block's BIP158 filter offline from two files, with no wallet and no chain source",
  'verify merkleblock': 'checks a merkleblock offline, with no wallet and no chain source',
  'verify branch': 'checks an Electrum-style Merkle branch offline, with no wallet and no chain source',
  'vault sweep': 'signs with the recovery key, which the wallet never holds: the key comes from a file the user names, outside the core',
  'vault recover': 'signs with the recovery key, which the wallet never holds: the key comes from a file the user names, outside the core',
  serve: 'runs a core behind the browser shell: it serves the contract, it is not a call of it',
  daemon: 'runs the core that the other commands call: it serves the contract, it is not a call of it',
};

/** An argv that passes each command's own checks, so that it reaches its call. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-contract-cli-'));
const put = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const ADDR = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const TXID = 'ab'.repeat(32);
/** A recovery destination with its key (a bare address is refused): the generator point. */
const RECOVERY = 'wpkh(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)';
const PSBT = put('a.psbt', 'cHNidP8BAAoCAAAAAAAAAAAAAAAA');
const ARGS: Record<string, string[]> = {
  'wallet send': ['--to', ADDR, '--amount', '10000'],
  'wallet transaction': [TXID],
  'wallet freeze': [`${TXID}:0`],
  'wallet bump': [TXID, '--feerate', '2'],
  'wallet cpfp': [`${TXID}:0`, '--feerate', '2'],
  'wallet abandon': [TXID],
  'wallet psbt create': ['--to', ADDR, '--amount', '10000'],
  'wallet psbt sign': [PSBT, '--yes'],
  'wallet psbt finalize': [PSBT],
  'wallet psbt combine': [PSBT, PSBT],
  'wallet psbt broadcast': [PSBT],
  'wallet labels export': [path.join(tmp, 'labels.jsonl')],
  'wallet labels import': [put('in.jsonl', '')],
  'wallet restore': ['--mnemonic-file', put('words', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')],
  'wallet change-password': ['--new-password-file', put('new', 'a new long password')],
  'vault preview': ['--amount', '100000', '--delay', '10', '--recovery', RECOVERY],
  'vault create': ['--amount', '100000', '--delay', '10', '--recovery', RECOVERY],
  'vault withdraw': ['abcdef012345'],
  'vault complete': ['abcdef012345', '--to', ADDR],
  'vault cancel': ['abcdef012345'],
  'vault backup': [path.join(tmp, 'vaults.backup')],
  'vault restore': [path.join(tmp, 'vaults.backup')],
  'ln invoice': ['--amount-msat', '1000'],
  'ln pay': ['lnbcrt1'],
  'ln keysend': ['02' + '11'.repeat(32), '--amount-msat', '1000'],
  'ln decode': ['lnbcrt1'],
  'channel open': ['--peer', '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798@127.0.0.1:9735', '--amount', '100000'],
  'channel backup': [path.join(tmp, 'channels.backup')],
  'channel close': [TXID],
  'watchtower add': ['127.0.0.1:9914', '--id', `02${'11'.repeat(32)}`],
  'watchtower remove': [`02${'11'.repeat(32)}`],
};

const silent = { isTTY: false, prompt: async () => '', confirm: async () => false, say: () => undefined };

/** Run a command against the fakes: the methods it called, and whether it opened a wallet itself. */
async function calls(words: string, daemon: boolean, extra: string[] = []): Promise<{ methods: string[]; onDaemon: string[]; openedWallet: boolean; stderr: string }> {
  seen.calls = [];
  seen.daemonCalls = [];
  seen.daemon = daemon;
  const open = vi.spyOn(WalletService, 'open');
  let stderr = '';
  const argv = ['--datadir', tmp, '--network', 'regtest', ...extra, ...words.split(' '), ...(ARGS[words] ?? [])];
  await main(argv, { stdout: () => undefined, stderr: (s) => void (stderr += s), env: { COFFER_PASSWORD: 'the password' }, prompt: silent });
  const openedWallet = open.mock.calls.length > 0;
  open.mockRestore();
  return { methods: [...seen.calls], onDaemon: [...seen.daemonCalls], openedWallet, stderr };
}

const commandNames = new Set(COMMANDS.map((c) => c.words.join(' ')));

describe('the contract and the coffer command', () => {
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    seen.calls = [];
  });

  it('lists every contract method, and only those', () => {
    expect(Object.keys(CLI).sort()).toEqual([...METHOD_NAMES].sort());
  });

  for (const method of METHOD_NAMES) {
    const entry = CLI[method];
    it(`${method}: ${'command' in entry ? `coffer ${entry.command}` : 'no command, and why'}`, () => {
      if ('command' in entry) expect(commandNames.has(entry.command), entry.command).toBe(true);
      else expect(entry.none.length, 'a reason in words').toBeGreaterThan(40);
      const direct = DIRECT[method];
      if (direct !== undefined) {
        expect('command' in entry, 'a direct command exists').toBe(true);
        expect(direct.length, 'a reason in words').toBeGreaterThan(40);
      }
    });
  }

  it('every command calls a method of the contract, or says why not', () => {
    const offered = new Set(Object.values(CLI).flatMap((e) => ('command' in e ? [e.command] : [])));
    for (const name of commandNames) {
      if (offered.has(name)) expect(NO_METHOD[name], `${name} is in both tables`).toBeUndefined();
      else expect(NO_METHOD[name]?.length ?? 0, `${name}: a reason in words`).toBeGreaterThan(40);
    }
    for (const name of Object.keys(NO_METHOD)) expect(commandNames.has(name), name).toBe(true);
  });

  it('wallet create and restore refuse a wallet already there before asking for anything, and make none', async () => {
    const status = CANNED['app.status'];
    CANNED['app.status'] = { sync: { phase: 'idle' }, wallets: ['regtest'] };
    try {
      for (const words of ['wallet create', 'wallet restore']) {
        const r = await calls(words, true);
        expect(r.stderr).toBe('error: wallet-exists: This data directory already holds a wallet; it was left untouched.\n');
        expect(r.methods).toEqual(['app.status']);
        expect(r.onDaemon).toEqual([]);
      }
    } finally {
      CANNED['app.status'] = status;
    }
  });

  it('an empty password file is a missing password, not malformed parameters', async () => {
    const r = await calls('wallet reveal', true, ['--password-file', put('empty', '')]);
    expect(r.stderr).toBe('error: password-required: A password is required: the password file is empty.\n');
    expect(r.methods).not.toContain('wallet.reveal');
  });

  const clients = METHOD_NAMES.filter((m) => 'command' in CLI[m] && DIRECT[m] === undefined);

  for (const method of clients) {
    const { command } = CLI[method] as { command: string };
    const own = IN_PROCESS[method];
    it(`coffer ${command} calls ${method} ${own ? 'on a core of its own while a daemon runs' : 'on a running daemon'} and opens no wallet itself`, async () => {
      const r = await calls(command, true);
      expect(r.methods, r.stderr).toContain(method);
      if (own !== undefined) {
        expect(own.length).toBeGreaterThan(40);
        expect(r.onDaemon).toEqual([]);
      } else expect(r.onDaemon, r.stderr).toContain(method);
      expect(r.openedWallet, 'WalletService.open').toBe(false);
    });
    it(`coffer ${command} without a daemon: ${DAEMON_ONLY[method] ? 'says what it does instead' : `calls ${method} on a core of its own`}`, async () => {
      const only = DAEMON_ONLY[method];
      const r = await calls(command, false);
      if (only !== undefined) {
        expect(only.length).toBeGreaterThan(40);
        expect(r.methods).not.toContain(method);
        return;
      }
      expect(r.methods, r.stderr).toContain(method);
      expect(r.openedWallet, 'WalletService.open').toBe(false);
    });
  }
});
