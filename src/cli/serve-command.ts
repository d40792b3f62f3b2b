// `coffer serve`: the browser shell. Runs the core in this process and serves the UI on
// 127.0.0.1 until interrupted; prints the address (with this launch's token) as one JSON line.

import { CofferError } from '../api/errors.js';
import { Core } from '../service/core.js';
import { installPath } from '../service/install-dir.js';
import { stringOption, type Command } from './command.js';

export const serveCommand: Command = {
  words: ['serve'],
  summary: 'run the desktop UI as a browser shell on 127.0.0.1 (prints the address to open)',
  options: { port: { type: 'string', value: 'P', help: 'port to listen on (default: a free one)' } },
  async run(ctx) {
    const raw = stringOption(ctx, 'port');
    const port = raw === undefined ? 0 : Number(raw);
    if (!/^\d{1,5}$/.test(raw ?? '0') || port > 65535) throw new CofferError('usage', '--port must be a number from 0 to 65535');
    const core = new Core(ctx.datadir);
    await core.start();
    let shell;
    try {
      // The shell's WebSocket server loads only here (ws is a tenth of every command's start-up).
      const { startShell } = await import('../shell/server.js');
      shell = await startShell({ core, staticDir: installPath('dist', 'renderer'), port });
    } catch (e) {
      await core.stop();
      throw e;
    }
    process.stdout.write(`${JSON.stringify({ url: shell.url })}\n`);
    process.stderr.write(
      `Coffer is running. Open ${shell.url} in a browser on this computer (Chrome, Chromium, Edge or Firefox: they find *.localhost here); the address opens Coffer once. Press Ctrl+C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await shell.close();
    await core.stop();
    return undefined;
  },
};
