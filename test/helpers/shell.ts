// Runs `coffer serve` (the browser shell) as a child process, as a user would, and stops it.

import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

export function serve(datadir: string, extra: string[] = []): Promise<ServeProcess> {
  const env = { ...process.env };
  delete env['COFFER_PASSWORD'];
  const child = spawn(process.execPath, [BIN, '--datadir', datadir, 'serve', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        try {
          resolve({ url: (JSON.parse(line) as { url: string }).url, child, stderr: () => err, stop });
        } catch {
          reject(new Error(`coffer serve printed ${line}`));
        }
      }
    });
    void exited.then((code) => reject(new Error(`coffer serve exited with ${code}: ${err}`)));
  });
}
