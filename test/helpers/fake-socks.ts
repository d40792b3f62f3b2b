// A fake SOCKS5 proxy in this process for unit tests: it records what each client offered, its
// login and its CONNECT target, and answers as scripted (a refused login, a reply code, malformed
// bytes, silence); after a successful CONNECT it echoes.

import net from 'node:net';
import type { Socks5Proxy } from '../../src/p2p/socks5.js';

export interface Seen {
  methods: number[];
  username?: string;
  password?: string;
  atyp: number;
  host: string;
  port: number;
}

export interface Script {
  /** The method the proxy picks (default: user/pass when offered). */
  method?: number;
  /** The login answer: [version, status] (default [1, 0]). */
  auth?: number[];
  /** The CONNECT reply (default: success with an IPv4 bound address). */
  reply?: number[];
  /** Bytes sent in the same write as the reply. */
  early?: number[];
  /** Close the connection as soon as the greeting arrives. */
  closeAfterGreeting?: boolean;
  /** Never answer the greeting. */
  silent?: boolean;
}

export const OK_REPLY = [5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];

/** Reads exactly n bytes at a time from a socket. */
function reader(socket: net.Socket) {
  let buf = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void } | undefined;
  const pump = () => {
    if (want && buf.length >= want.n) {
      const out = buf.subarray(0, want.n);
      buf = buf.subarray(want.n);
      const w = want;
      want = undefined;
      w.resolve(out);
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    pump();
  });
  return (n: number) =>
    new Promise<Buffer>((resolve) => {
      want = { n, resolve };
      pump();
    });
}

const servers: net.Server[] = [];
/** Close every fake proxy (in afterEach). */
export function closeFakeProxies(): void {
  for (const s of servers.splice(0)) s.close();
}

/** A fake SOCKS5 proxy following `script`; after a successful CONNECT it echoes what it gets. */
export async function fakeProxy(script: Script = {}): Promise<{ proxy: Socks5Proxy; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const read = reader(socket);
    void (async () => {
      const [, n] = await read(2);
      const methods = [...(await read(n!))];
      if (script.closeAfterGreeting) return void socket.destroy();
      if (script.silent) return;
      const method = script.method ?? (methods.includes(2) ? 2 : 0);
      socket.write(Buffer.from([5, method]));
      if (method !== 0 && method !== 2) return;
      const s: Partial<Seen> = { methods };
      if (method === 2) {
        const [, ulen] = await read(2);
        s.username = (await read(ulen!)).toString();
        const [plen] = await read(1);
        s.password = (await read(plen!)).toString();
        const auth = script.auth ?? [1, 0];
        socket.write(Buffer.from(auth));
        if (auth[1] !== 0) return void socket.end();
      }
      const [, , , atyp] = await read(4);
      if (atyp === 1) s.host = [...(await read(4))].join('.');
      else if (atyp === 4) s.host = (await read(16)).toString('hex');
      else s.host = (await read((await read(1))[0]!)).toString();
      s.atyp = atyp!;
      s.port = (await read(2)).readUInt16BE();
      seen.push(s as Seen);
      socket.write(Buffer.from([...(script.reply ?? OK_REPLY), ...(script.early ?? [])]));
      if ((script.reply ?? OK_REPLY)[1] !== 0) return void socket.end();
      socket.removeAllListeners('data');
      socket.pipe(socket);
    })();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { proxy: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, seen };
}

