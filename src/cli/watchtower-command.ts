// `coffer watchtower run --package FILE [--backend spv|filters|node|rpc ...] [--min-feerate N]`:
// the headless tower, on any chain source (the backend flags every command takes).
// `coffer watchtower serve --listen HOST:PORT` is the same tower taking its packages from wallets
// over the network (service/tower-server.ts) instead of from a file.
// Holds no key; prints one JSON line per event on stdout; takes the wallet's withdrawal
// announcements from the package file (re-read whenever the wallet rewrites it) and as JSON lines
// on stdin; keeps its header chain and scan point under <datadir>/<network>/watchtower. It runs
// until a signal stops it (SIGINT, SIGTERM), whatever becomes of its stdin, its peers or its node; an error
// it cannot go on from ends it with one `error: <code>: <message>` line and status 1.

import readline from 'node:readline';
import { CofferError } from '../api/errors.js';
import { nullLogger } from '../service/log.js';
import { readPackageFile } from '../service/tower-files.js';
import { TowerServer } from '../service/tower-server.js';
import { WatchtowerRunner } from '../service/watchtower-runner.js';
import { parsePackage } from '../vaults/watchtower.js';
import { backendName, sourceFor } from './backend.js';
import { contractCall } from './contract-client.js';
import { stringOption, type Command, type Context } from './command.js';
import { untilStopped } from './until-stopped.js';

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`);

function minFeerateOption(ctx: Context): number {
  const raw = stringOption(ctx, 'min-feerate') ?? '2';
  const minFeerate = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || minFeerate < 1 || minFeerate > 10_000) throw new CofferError('usage', '--min-feerate must be a number from 1 to 10000');
  return minFeerate;
}

/** `HOST:PORT`, `[IPv6]:PORT`; port 0 lets the system choose (the start line prints it). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65_535) throw new CofferError('usage', `--listen needs HOST:PORT (e.g. 0.0.0.0:9914 or [::1]:9914), not ${JSON.stringify(text)}`);
  return { host: (m[1] ?? m[2])!, port };
}

export const watchtowerRunCommand: Command = {
  words: ['watchtower', 'run'],
  summary: 'watch vaults from a keyless package and cancel any withdrawal the wallet did not announce (any --backend)',
  options: {
    package: { type: 'string', value: 'FILE', help: 'the keyless package (format coffer-watchtower, version 1)' },
    'min-feerate': { type: 'string', value: 'N', help: 'least fee rate for a cancel, sat/vB (default 2)' },
  },
  async run(ctx) {
    const file = stringOption(ctx, 'package');
    if (!file) throw new CofferError('usage', 'watchtower run needs --package FILE');
    const read = readPackageFile(file);
    const pkg = parsePackage(read.text);
    // As with every other command, --network (default main) says which chain this is for.
    if (pkg.network !== ctx.network) {
      throw new CofferError('wrong-network', `The package is for ${pkg.network}, the tower was started for ${ctx.network}; pass --network ${pkg.network}.`, {
        packageNetwork: pkg.network,
        network: ctx.network,
      });
    }
    const minFeerate = minFeerateOption(ctx);
    const source = sourceFor(ctx, nullLogger);
    const tower = new WatchtowerRunner({ datadir: ctx.datadir, pkg, file: { path: file, ...read }, source, minFeerate, print });
    // Listening before start(): a SIGTERM during the first connection still stops the tower cleanly.
    const { stopped, done } = untilStopped();
    let lines: readline.Interface | undefined;
    try {
      await Promise.race([tower.start(), stopped]);
      lines = readline.createInterface({ input: process.stdin });
      lines.on('line', (l) => {
        if (l.trim()) tower.announce(l);
      });
      await stopped;
    } finally {
      done();
      lines?.close();
      try {
        tower.stop();
      } catch {
        // stopping after a failure: what matters now is the error line
      }
    }
    return undefined;
  },
};

export const watchtowerServeCommand: Command = {
  words: ['watchtower', 'serve'],
  summary: 'run a tower that wallets push their keyless packages to over Noise (any --backend)',
  options: {
    listen: { type: 'string', value: 'HOST:PORT', help: 'where wallets connect (exactly this host; port 0: any free port)' },
    'min-feerate': { type: 'string', value: 'N', help: 'least fee rate for a cancel, sat/vB (default 2)' },
    'max-wallets': { type: 'string', value: 'N', help: 'how many wallets the tower holds at most (default 100)' },
  },
  async run(ctx) {
    const listen = stringOption(ctx, 'listen');
    if (!listen) throw new CofferError('usage', 'watchtower serve needs --listen HOST:PORT');
    const { host, port } = parseListen(listen);
    const minFeerate = minFeerateOption(ctx);
    const rawMax = stringOption(ctx, 'max-wallets') ?? '100';
    const maxWallets = Number(rawMax);
    if (!/^\d{1,6}$/.test(rawMax) || maxWallets < 1) throw new CofferError('usage', '--max-wallets must be a whole number from 1 to 999999');
    const server = new TowerServer({ datadir: ctx.datadir, network: ctx.network, host, port, source: sourceFor(ctx, nullLogger), scriptsOnly: backendName(ctx) === 'filters', minFeerate, maxWallets, print });
    const { stopped, done } = untilStopped();
    try {
      await Promise.race([server.start(), stopped]);
      await stopped;
    } finally {
      done();
      try {
        server.stop();
      } catch {
        // stopping after a failure: what matters now is the error line
      }
    }
    return undefined;
  },
};

/** The wallet's remote towers, through the contract: `watchtower add|remove|list`. */
export const towerListCommands: Command[] = [
  {
    words: ['watchtower', 'add'],
    summary: 'push this wallet\'s vault package to the tower at HOST:PORT from now on, pinned to its id (from `watchtower serve`)',
    args: { names: 'HOST:PORT', min: 1, max: 1 },
    options: { id: { type: 'string', value: 'ID', help: "the tower's id: its public key, as `watchtower serve` prints it" } },
    async run(ctx) {
      const address = ctx.positionals[0]!;
      const id = stringOption(ctx, 'id');
      if (!id || !/^0[23][0-9a-f]{64}$/.test(id)) throw new CofferError('usage', 'watchtower add needs --id ID (66 hex digits, as watchtower serve prints it)');
      parseListen(address);
      // With vaults, a package is signed for the new tower at once: that needs the key.
      const password = await ctx.password();
      return contractCall(ctx, { wallet: true }, 'tower.add', { address, id, password });
    },
  },
  {
    words: ['watchtower', 'remove'],
    summary: 'stop pushing to the tower with this id',
    args: { names: 'ID', min: 1, max: 1 },
    run: (ctx) => contractCall(ctx, { wallet: true }, 'tower.remove', { id: ctx.positionals[0]! }),
  },
  {
    words: ['watchtower', 'list'],
    summary: "the wallet's remote towers: last confirmation, pending version, stale or not",
    run: async (ctx) => (await contractCall(ctx, { wallet: true }, 'tower.list', {})).towers,
  },
];
