// `coffer watchtower run --package FILE [--backend spv|node|rpc ...] [--min-feerate N]`: the
// headless tower, on any chain source (the backend flags every command takes; SPV by default).
// Holds no key; prints one JSON line per event on stdout; takes the wallet's withdrawal
// announcements from the package file (re-read whenever the wallet rewrites it) and as JSON lines
// on stdin; keeps its header chain and scan point under <datadir>/<network>/watchtower. It runs
// until a signal stops it (SIGINT, SIGTERM), whatever becomes of its stdin, its peers or its node; an error
// it cannot go on from ends it with one `error: <code>: <message>` line and status 1.

import readline from 'node:readline';
import { CofferError } from '../api/errors.js';
import { nullLogger } from '../service/log.js';
import { readPackageFile } from '../service/tower-files.js';
import { WatchtowerRunner } from '../service/watchtower-runner.js';
import { parsePackage } from '../vaults/watchtower.js';
import { backendName, sourceFor } from './backend.js';
import { stringOption, type Command } from './command.js';
import { untilStopped } from './until-stopped.js';

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
    const raw = stringOption(ctx, 'min-feerate') ?? '2';
    const minFeerate = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || minFeerate < 1 || minFeerate > 10_000) throw new CofferError('usage', '--min-feerate must be a number from 1 to 10000');
    const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`);
    // The keyless package names outpoints, not scripts, and BIP158 filters match scripts only.
    if (backendName(ctx) === 'filters') throw new CofferError('usage', 'the watchtower cannot run on --backend filters (its package has no scripts to match); use spv, node or rpc');
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
