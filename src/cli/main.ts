// The `coffer` command: global flags, dispatch to a command, JSON out, one-line errors.
//
// Exit status: 0 success, 1 an error (`error: <code>: <message>` on stderr), 2 a usage error.

import { parseArgs } from 'node:util';
import { CofferError, toWireError } from '../api/errors.js';
import { isNetwork, NETWORKS, type Network } from '../keys/networks.js';
import { defaultDatadir, networkPaths } from '../service/datadir.js';
import { errorOrigin, fileLogger } from '../service/log.js';
import { WalletService } from '../service/wallet-service.js';
import { BACKEND_OPTIONS } from './backend.js';
import type { Command, Context, OptionSpec } from './command.js';
import { readPassword, terminalPrompt, type PromptIO } from './secrets.js';
import { nodeCommands } from './node-commands.js';
import { serveCommand } from './serve-command.js';
import { spendCommands } from './spend-commands.js';
import { syncCommands } from './sync-commands.js';
import { verifyCommands } from './verify-commands.js';
import { walletCommands } from './wallet-commands.js';
import { vaultCommands } from './vault-commands.js';
import { towerListCommands, watchtowerRunCommand, watchtowerServeCommand } from './watchtower-command.js';
import { lightningCommands } from './lightning-commands.js';

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  datadir: { type: 'string', value: 'DIR', help: `data directory (default ${defaultDatadir()})` },
  network: { type: 'string', value: NETWORKS.join('|'), help: 'network (default main)' },
  'password-file': { type: 'string', value: 'FILE', help: 'read the wallet password from FILE (or set COFFER_PASSWORD)' },
  help: { type: 'boolean', help: 'show help' },
  ...BACKEND_OPTIONS,
};

export const COMMANDS: Command[] = [...walletCommands, ...spendCommands, ...syncCommands, ...nodeCommands, ...verifyCommands, ...vaultCommands, ...lightningCommands, serveCommand, watchtowerRunCommand, watchtowerServeCommand, ...towerListCommands];

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  prompt: PromptIO;
}

const processIo = (): Io => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  prompt: terminalPrompt(),
});

function findCommand(positionals: string[]): Command | undefined {
  return COMMANDS.filter((c) => c.words.every((w, i) => positionals[i] === w)).sort((a, b) => b.words.length - a.words.length)[0];
}

function helpText(): string {
  const lines = ['Usage: coffer [global options] <command> [options]', '', 'Commands:'];
  for (const c of COMMANDS) {
    lines.push(`  ${[...c.words, c.args?.names ?? ''].join(' ').trim()}`.padEnd(34) + c.summary);
    for (const [name, o] of Object.entries(c.options ?? {})) {
      lines.push(`      --${name}${o.value ? ` ${o.value}` : ''}`.padEnd(34) + o.help);
    }
  }
  lines.push('', 'Global options:');
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) {
    lines.push(`  --${name}${o.value ? ` ${o.value}` : ''}`.padEnd(34) + o.help);
  }
  return `${lines.join('\n')}\n`;
}

class UsageError extends Error {}

/**
 * An error stays one line on a terminal whatever input it quotes: line breaks, other control
 * characters (escape sequences) and bidi overrides are shown escaped (`\n`, `\u001b`, `\u202e`).
 */
function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let wallet: WalletService | undefined;
  let log = fileLogger(networkPaths(defaultDatadir(io.env), 'main').logs);
  try {
    const allOptions: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
    for (const c of COMMANDS) Object.assign(allOptions, c.options);
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: Object.fromEntries(
          Object.entries(allOptions).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }]),
        ),
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0] ?? 'bad arguments');
    }
    const { values, positionals } = parsed;
    const command = findCommand(positionals);
    if (values['help'] || positionals.length === 0 || positionals[0] === 'help') {
      io.stdout(helpText());
      return 0;
    }
    if (!command) throw new UsageError(`unknown command "${positionals.join(' ')}"; see coffer help`);
    const allowed = new Set([...Object.keys(GLOBAL_OPTIONS), ...Object.keys(command.options ?? {})]);
    const stray = Object.keys(values).find((k) => !allowed.has(k));
    if (stray) throw new UsageError(`--${stray} does not apply to ${command.words.join(' ')}`);
    const rest = positionals.slice(command.words.length);
    const { min, max } = command.args ?? { min: 0, max: 0 };
    if (rest.length < min || rest.length > max) {
      throw new UsageError(`${command.words.join(' ')} takes ${command.args?.names ?? 'no arguments'}`);
    }
    const network = (values['network'] as string | undefined) ?? 'main';
    if (!isNetwork(network)) throw new UsageError(`--network must be one of ${NETWORKS.join(', ')}`);
    const datadir = (values['datadir'] as string | undefined) ?? defaultDatadir(io.env);
    log = fileLogger(networkPaths(datadir, network).logs);
    const ctx: Context = {
      datadir,
      network: network as Network,
      options: values,
      positionals: rest,
      env: io.env,
      io: io.prompt,
      wallet: () => (wallet ??= WalletService.open({ datadir, network, logger: log })),
      password: (confirm = false) =>
        readPassword({ passwordFile: values['password-file'] as string | undefined, env: io.env, io: io.prompt }, confirm),
    };
    log.info('cli.command', { command: command.words.join(' ') });
    const result = await command.run(ctx);
    if (result !== undefined) io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof CofferError && e.code === 'usage')) {
      io.stderr(`error: usage: ${oneLine(e.message)}\n`);
      return 2;
    }
    const wire = toWireError(e);
    if (wire.code === 'internal') log.error('cli.internal-error', errorOrigin(e));
    else log.warn('cli.error', { code: wire.code });
    io.stderr(`error: ${wire.code}: ${oneLine(wire.message)}\n`);
    return 1;
  } finally {
    wallet?.close();
  }
}
