// Entry point of the core in Electron's utilityProcess: main hands it one MessagePort, and every
// call and event crosses that port. Main has already checked the sender and parsed the payload;
// the core parses again (it trusts no process), and never lets an exception out.

import { parseCallMessage, type CoreMessage } from '../api/contract.js';
import { Core } from './core.js';
import { defaultDatadir } from './datadir.js';

/** The parts of Electron's MessagePortMain and parentPort used here (src/ does not import electron). */
interface PortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
  start(): void;
}

export function serveOnPort(core: Core, port: PortLike): void {
  const send = (m: CoreMessage) => port.postMessage(m);
  core.on('event', (event) => send({ event }));
  port.on('message', (e) => {
    const call = parseCallMessage(e.data);
    if (!call) return;
    void core.call(call.method, call.params).then((reply) => send({ id: call.id, reply }));
  });
  port.start();
}

async function run(): Promise<void> {
  const parent = (process as unknown as { parentPort?: PortLike }).parentPort;
  if (!parent) throw new Error('core-process must run in an Electron utilityProcess');
  const i = process.argv.indexOf('--datadir');
  const datadir = i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : defaultDatadir();
  const core = new Core(datadir);
  await core.start();
  parent.on('message', (e) => {
    const port = e.ports[0];
    if (port) serveOnPort(core, port);
  });
  const stop = () => void core.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
}

if ((process as unknown as { parentPort?: unknown }).parentPort) void run();
