// A lying Electrum server for the hostile-server tests: a line-by-line JSON-RPC relay in front of a
// real ElectrumX that passes everything through except the answers `tamper` changes (or turns into
// errors), over TCP or TLS with a certificate of its own. Test code only.

import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface Asked {
  method: string;
  params: unknown[];
}

/** Return the result to send instead, `{ error }` to answer an error, or undefined to pass the real one. */
export type Tamper = (asked: Asked, result: unknown) => unknown;

export interface ElectrumProxy {
  readonly port: number;
  readonly url: string;
  /** Answers tamper changed so far. */
  readonly lies: number;
  close(): Promise<void>;
}

export async function startElectrumProxy(opts: { upstreamPort: number; tamper: Tamper; tls?: { cert: string; key: string }; port?: number }): Promise<ElectrumProxy> {
  let lies = 0;
  const sockets = new Set<net.Socket>();
  const handle = (client: net.Socket) => {
    sockets.add(client);
    const upstream = net.connect(opts.upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    const asked = new Map<unknown, Asked>();
    const lines = (onLine: (line: string) => void) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) onLine(line);
        }
      };
    };
    client.on(
      'data',
      lines((line) => {
        const m = JSON.parse(line) as { id?: unknown; method: string; params?: unknown[] };
        asked.set(m.id, { method: m.method, params: m.params ?? [] });
        upstream.write(line + '\n');
      }),
    );
    upstream.on(
      'data',
      lines((line) => {
        const m = JSON.parse(line) as { id?: unknown; result?: unknown };
        const q = m.id !== undefined ? asked.get(m.id) : undefined;
        const changed = q && 'result' in m ? opts.tamper(q, m.result) : undefined;
        if (changed === undefined) return void client.write(line + '\n');
        lies++;
        const body = typeof changed === 'object' && changed !== null && 'error' in changed ? { error: (changed as { error: unknown }).error } : { result: changed };
        client.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, ...body }) + '\n');
      }),
    );
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const server = opts.tls ? tls.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) }, handle) : net.createServer(handle);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `${opts.tls ? 'ssl' : 'tcp'}://127.0.0.1:${port}`,
    get lies() {
      return lies;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
