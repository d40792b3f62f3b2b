#!/usr/bin/env node
// `npm start`: runs the desktop app in Electron when its binary is installed, or else the browser
// shell (`coffer serve`), passing the remaining arguments on. Plain JS: needs only `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** The Electron executable, or undefined. The electron package's index.js throws when path.txt is
 * missing (install script not run) and returns a path that may not exist when dist/ is missing. */
function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function run(command, commandArgs, env) {
  // POSIX: its own process group, so a terminal's Ctrl+C reaches the child once (from us), not twice.
  const detached = process.platform !== 'win32';
  const child = spawn(command, commandArgs, { stdio: 'inherit', cwd: root, env, detached });
  const forward = (signal) => {
    // On Windows Ctrl+C already reaches the child, and kill() would end it without a clean stop.
    if (process.platform === 'win32' && signal === 'SIGINT') return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  child.on('error', (e) => {
    process.stderr.write(`error: could not start ${path.basename(command)}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

const electron = electronBinary();
if (electron) {
  if (!existsSync(path.join(root, 'dist', 'main', 'main.js'))) {
    process.stderr.write('error: internal: Coffer is not built; run `npm run build` first.\n');
    process.exit(1);
  }
  // A leftover ELECTRON_RUN_AS_NODE would make Electron run as plain Node instead of the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  run(electron, [root, ...args], env);
} else {
  process.stderr.write('The Electron binary is not installed, so Coffer runs as a browser shell (coffer serve).\n');
  run(process.execPath, [path.join(root, 'bin', 'coffer.js'), 'serve', ...args], process.env);
}
