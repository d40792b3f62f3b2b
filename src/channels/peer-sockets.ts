// The socket glue: TCP connections to and from peers handed to LDK's peer manager, the listening
// port, and reconnecting to the peers of our channels.

import net from 'node:net';
import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { listPeers, putPeer } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { isOnion, socks5Connect } from '../p2p/socks5.js';
import type { NodeContext } from './context.js';
import { hex } from './ldk.js';
import type { ChannelPersistence } from './persistence.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Through a proxy: Tor builds a circuit first. */
const PROXY_CONNECT_MS = 30_000;

export class PeerSockets {
  private server: net.Server | undefined;
  private readonly sockets = new Map<bigint, { socket: net.Socket; descriptor: ldk.SocketDescriptor }>();
  private nextSocketId = 1n;
  private listenPort: number | undefined;
  /** The address the port is bound to (127.0.0.1 unless the user named a host). */
  listenHost: string | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly persistence: ChannelPersistence,
  ) {}

  private adopt(socket: net.Socket): ldk.SocketDescriptor {
    const id = this.nextSocketId++;
    const descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data: Uint8Array, _resume: boolean) => {
        if (socket.destroyed) return 0;
        socket.write(Buffer.from(data));
        return data.length;
      },
      disconnect_socket: () => {
        this.sockets.delete(id);
        socket.destroy();
      },
      eq: (other: ldk.SocketDescriptor) => other.hash() === id,
      hash: () => id,
    } as ldk.SocketDescriptorInterface);
    this.sockets.set(id, { socket, descriptor });
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      if (this.ctx.stopped) return;
      const r = this.ctx.ldk.peers.read_event(descriptor, new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (!(r instanceof ldk.Result_boolPeerHandleErrorZ_OK)) {
        this.sockets.delete(id);
        socket.destroy();
        return;
      }
      this.ctx.schedule();
    });
    socket.on('close', () => {
      if (this.sockets.delete(id) && !this.ctx.stopped) this.ctx.ldk.peers.socket_disconnected(descriptor);
      this.ctx.schedule();
    });
    socket.on('error', () => socket.destroy());
    return descriptor;
  }

  async listen(at: { host: string; port: number }): Promise<void> {
    const server = net.createServer((socket) => {
      // While the backup cannot be written no peer hears from this node (see writeBackup).
      if (this.ctx.stopped || this.persistence.backupFailing) return socket.destroy();
      const d = this.adopt(socket);
      const r = this.ctx.ldk.peers.new_inbound_connection(d, ldk.Option_SocketAddressZ.constructor_none());
      if (!(r instanceof ldk.Result_NonePeerHandleErrorZ_OK)) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new CofferError('port-unavailable', `Lightning port ${at.port} cannot be used (${e.code ?? 'error'}).`)));
      server.listen(at.port, at.host, () => resolve());
    });
    this.server = server;
    const bound = server.address() as net.AddressInfo;
    this.listenPort = bound.port;
    this.listenHost = bound.address;
  }

  get listening(): number | undefined {
    return this.listenPort;
  }

  private connected(nodeId: Uint8Array): boolean {
    return this.ctx.ldk.peers.list_peers().some((p) => hex(p.get_counterparty_node_id()) === hex(nodeId));
  }

  /** Connect to a peer (noise handshake and init) unless already connected. */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    if (this.connected(nodeId)) return;
    this.persistence.refuseWhileBackupFails();
    const socket = await this.dial(host, port);
    const d = this.adopt(socket);
    socket.resume(); // a socket from the proxy comes paused
    const r = this.ctx.ldk.peers.new_outbound_connection(nodeId, d, ldk.Option_SocketAddressZ.constructor_none());
    if (!(r instanceof ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      socket.destroy();
      throw new CofferError('peer-unreachable', 'The connection was refused by LDK.');
    }
    socket.write(Buffer.from(r.res));
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (!this.connected(nodeId)) {
      if (socket.destroyed || Date.now() > deadline) {
        socket.destroy();
        throw new CofferError('peer-unreachable', `${host}:${port} did not complete the Lightning handshake (wrong public key?).`);
      }
      await new Promise((r2) => setTimeout(r2, 20));
    }
    withDbErrors(() => putPeer(this.ctx.db, hex(nodeId), `${host}:${port}`));
    this.persistence.writeBackup();
  }

  /** A TCP connection to the peer: through the node's proxy when it has one (its failures as `peer-unreachable`), else direct. */
  private async dial(host: string, port: number): Promise<net.Socket> {
    const proxy = this.ctx.opts.proxy;
    if (proxy) {
      try {
        return await socks5Connect({ proxy, host, port, timeoutMs: PROXY_CONNECT_MS });
      } catch (e) {
        throw new CofferError('peer-unreachable', e instanceof Error ? e.message : `Cannot connect to ${host}:${port} through the proxy.`);
      }
    }
    // Never looked up in DNS: that would tell the resolver which onion service we want.
    if (isOnion(host)) throw new CofferError('peer-unreachable', `${host} is a Tor onion service: it can be reached only through a proxy (--proxy socks5://HOST:PORT).`);
    return new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new CofferError('peer-unreachable', `No answer from ${host}:${port}.`));
      }, CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new CofferError('peer-unreachable', `Cannot connect to ${host}:${port} (${e.code ?? 'error'}).`));
      });
    });
  }

  /** Reconnect to the counterparties of our channels. */
  private reconnecting = false;
  async reconnect(): Promise<void> {
    if (this.reconnecting || this.ctx.stopped || this.persistence.backupFailing) return;
    this.reconnecting = true;
    try {
      const wanted = new Set(this.ctx.ldk.manager.list_channels().map((c) => hex(c.get_counterparty().get_node_id())));
      for (const p of withDbErrors(() => listPeers(this.ctx.db))) {
        if (!wanted.has(p.nodeId)) continue;
        const nodeId = Uint8Array.from(Buffer.from(p.nodeId, 'hex'));
        if (this.connected(nodeId)) continue;
        const i = p.address.lastIndexOf(':');
        try {
          await this.connect(nodeId, p.address.slice(0, i), Number(p.address.slice(i + 1)));
        } catch {
          // offline peer: next tick
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Drop every peer and socket and stop listening (the node stops). */
  async stop(): Promise<void> {
    this.ctx.ldk.peers.disconnect_all_peers();
    for (const { socket } of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
