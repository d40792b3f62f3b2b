// Runs the core (dist/src/service/core-process.js) in an Electron utilityProcess and connects it to
// a CoreLink over a MessageChannelMain. Main keeps port1; the core gets port2.

import { MessageChannelMain, utilityProcess, type UtilityProcess } from 'electron';
import type { CofferEvent } from '../src/api/contract.js';
import { createCoreLink, type CoreLink } from './core-link.js';

export interface CoreHostOptions {
  /** Absolute path of core-process.js. */
  modulePath: string;
  /** The data directory; the core gets it as `--datadir`. */
  datadir: string;
  onEvent(event: CofferEvent): void;
  /** The core exited while nobody asked it to: its pending calls already got an error reply. */
  onUnexpectedExit(code: number): void;
}

export interface CoreHost {
  link: CoreLink;
  /** Asks the core to stop (SIGTERM: it closes its database) and waits, at most `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export function startCore(options: CoreHostOptions): CoreHost {
  const child: UtilityProcess = utilityProcess.fork(options.modulePath, ['--datadir', options.datadir], {
    serviceName: 'Coffer core',
    stdio: 'inherit',
  });
  const { port1, port2 } = new MessageChannelMain();
  const link = createCoreLink({ post: (message) => port1.postMessage(message), onEvent: options.onEvent });
  port1.on('message', (e) => link.receive(e.data));
  port1.start();
  // Calls posted on port1 before the core listens wait in the channel, so the window need not wait.
  child.postMessage({ type: 'port' }, [port2]);

  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      link.close();
      port1.close();
      resolve();
      if (!stopping) options.onUnexpectedExit(code);
    });
  });

  return {
    link,
    async stop(timeoutMs = 5000) {
      if (!stopping) {
        stopping = true;
        child.kill();
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
