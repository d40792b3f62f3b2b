// A real SOCKS5 proxy for the tests: Debian's microsocks on a random loopback port, killed after.
//
//   const proxy = await startMicrosocks({ bind: '127.0.0.2' }); // outgoing connections from 127.0.0.2
//   coffer([... '--proxy', proxy.url, ...]);
//   proxy.log();   // one "client[fd] IP: connected to HOST:PORT" line per connection it made
//   await proxy.close();

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from './regtest.js';

export const MICROSOCKS_BIN = '/usr/bin/microsocks';
const START_TIMEOUT_MS = 10_000;

export interface Microsocks {
  readonly port: number;
  /** `socks5://127.0.0.1:PORT`, as --proxy takes it. */
  readonly url: string;
  /** Everything microsocks printed so far. */
  log(): string;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startMicrosocks(opts: { bind?: string; user?: string; password?: string } = {}): Promise<Microsocks> {
  if (!fs.existsSync(MICROSOCKS_BIN)) {
    throw new Error(`microsocks is not installed (${MICROSOCKS_BIN}): the proxy tests need Debian's package, apt-get install microsocks (.ci/run installs it)`);
  }
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (opts.bind) args.push('-b', opts.bind);
  if (opts.user !== undefined) args.push('-u', opts.user, '-P', opts.password ?? '');
  const child = spawn(MICROSOCKS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    running.delete(child);
  };
  // Ready once it accepts a connection.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`microsocks exited with ${child.exitCode}: ${output}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`microsocks did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `socks5://127.0.0.1:${port}`, log: () => output, close };
}
