// One connection to a Bitcoin node: handshake, keep-alive, framed messages, request timeouts.
//
// Anything malformed from the peer (framing, a message that does not parse, a protocol breach)
// closes the connection with `misbehaving` set, so the pool can ban the address. With
// `transport: 'v2'` it speaks BIP324 first and reconnects over v1 when nothing v2 comes back.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../api/errors.js';
import type { ChainParams } from '../chain/params.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_COMPACT_FILTERS, type Message, type VersionMessage } from './messages.js';
import { isOnion, socks5Connect, type Socks5Proxy } from './socks5.js';
import { V2Session } from './v2-transport.js';
import { encodeFrame, FrameDecoder, type Frame } from './wire.js';

export const PROTOCOL_VERSION = 70016;
export const USER_AGENT = '/Coffer:0.1.0/';

export interface PeerTimeouts {
  connect: number;
  handshake: number;
  /** A request (headers, blocks) with no answer for this long means the peer stalled. */
  request: number;
  /** Send a ping after this much silence; close if the pong does not come within `request`. */
  idle: number;
}

export const DEFAULT_TIMEOUTS: PeerTimeouts = { connect: 5_000, handshake: 10_000, request: 30_000, idle: 60_000 };
/** The connect timeout through a proxy, unless one is given: Tor builds a circuit first. */
export const PROXY_CONNECT_MS = 30_000;

export interface PeerOptions {
  params: ChainParams;
  host: string;
  port: number;
  ourHeight: number;
  /** Services the peer must offer (default: BIP37 bloom filters). */
  requiredServices?: bigint;
  /** Ask for transaction relay from the start (BIP157 clients; BIP37 ones wait for their filter). */
  relay?: boolean;
  /** Services we offer (default none); NODE_WITNESS makes a node read our transactions with their witnesses. */
  services?: bigint;
  timeouts?: Partial<PeerTimeouts>;
  /** 'v2': BIP324 encrypted transport, falling back to v1 for a peer that does not speak it (default 'v1'). */
  transport?: Transport;
  /** Connect through this SOCKS5 proxy, the host named to it, with credentials of this connection's own (a Tor circuit of its own). */
  proxy?: Socks5Proxy;
}

export type Transport = 'v1' | 'v2';

export interface CloseInfo {
  reason: string;
  /** The peer broke the protocol: ban it. */
  misbehaving: boolean;
}

type Events = {
  message: [Message];
  close: [CloseInfo];
};

export class PeerError extends CofferError {
  constructor(
    message: string,
    readonly misbehaving: boolean,
  ) {
    super('invalid-message', message, { reason: message, misbehaving });
  }
}

/** The v2 attempt got no v2 answer (a close, a v1 reply, silence): BIP324 says retry over v1. */
class V1OnlyError extends PeerError {}

export class Peer extends EventEmitter<Events> {
  readonly host: string;
  readonly port: number;
  readonly params: ChainParams;
  readonly timeouts: PeerTimeouts;
  version: VersionMessage | undefined;
  /** Minimum fee rate the peer relays (feefilter), sat per 1000 vbytes. */
  feeRate = 0;
  closed: CloseInfo | undefined;
  private readonly socket: net.Socket;
  private readonly decoder: FrameDecoder;
  private readonly v2: V2Session | undefined;
  private v2Ready: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pingNonce: bigint | undefined;
  private readonly waiters = new Set<{ match: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(opts: PeerOptions, socket: net.Socket, v2: V2Session | undefined) {
    super();
    this.v2 = v2;
    this.host = opts.host;
    this.port = opts.port;
    this.params = opts.params;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.socket = socket;
    this.decoder = new FrameDecoder(opts.params.magic);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('connection error', false));
    socket.on('close', () => this.close('connection closed', false));
    socket.setNoDelay(true);
    socket.resume(); // a socket from the proxy comes paused
  }

  get address(): string {
    return net.isIPv6(this.host) ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  get startHeight(): number {
    return this.version?.startHeight ?? 0;
  }

  get transport(): Transport {
    return this.v2 ? 'v2' : 'v1';
  }

  /** BIP324's session id (hex), which both ends can show to compare out of band. */
  get sessionId(): string | undefined {
    const id = this.v2?.sessionId;
    return id && Buffer.from(id).toString('hex');
  }

  /** Connect and complete the version handshake; rejects with PeerError. */
  static async connect(opts: PeerOptions): Promise<Peer> {
    if (opts.transport !== 'v2') return Peer.open(opts, undefined);
    try {
      return await Peer.open(opts, new V2Session({ initiating: true, magic: opts.params.magic }));
    } catch (e) {
      if (e instanceof V1OnlyError) return Peer.open(opts, undefined);
      throw e;
    }
  }

  private static async open(opts: PeerOptions, v2: V2Session | undefined): Promise<Peer> {
    const socket = await Peer.dial(opts);
    const peer = new Peer(opts, socket, v2);
    try {
      await peer.handshake(opts);
      return peer;
    } catch (e) {
      // Nothing of a v2 key came back: no sign the peer speaks v2.
      const v1Only = v2?.awaitingKey === true;
      peer.close(e instanceof PeerError ? e.message : 'handshake failed', e instanceof PeerError && e.misbehaving);
      if (v1Only) throw new V1OnlyError('the peer does not speak v2', false);
      throw e instanceof PeerError ? e : new PeerError('handshake failed', false);
    }
  }

  /** A TCP connection to the peer: through the proxy when there is one (a failure there is the proxy's typed error), else direct. */
  private static dial(opts: PeerOptions): Promise<net.Socket> {
    if (opts.proxy) return socks5Connect({ proxy: opts.proxy, host: opts.host, port: opts.port, timeoutMs: opts.timeouts?.connect ?? PROXY_CONNECT_MS });
    // Never looked up in DNS: that would tell the resolver which onion service we want.
    if (isOnion(opts.host)) return Promise.reject(new PeerError('a .onion peer can be reached only through a proxy (--proxy socks5://HOST:PORT)', false));
    const timeoutMs = opts.timeouts?.connect ?? DEFAULT_TIMEOUTS.connect;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.host, port: opts.port });
      const fail = (msg: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new PeerError(msg, false));
      };
      const timer = setTimeout(() => fail('connection timed out'), timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => fail(`cannot connect (${e.code ?? 'error'})`));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }

  /** BIP324: send our key and garbage; resolves once the peer's key arrived and we can send. */
  private v2Handshake(v2: V2Session): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new PeerError('no v2 handshake from the peer', false));
      }, this.timeouts.handshake);
      this.v2Ready = () => {
        this.v2Ready = undefined;
        clearTimeout(timer);
        resolve();
      };
      this.once('close', (info) => {
        clearTimeout(timer);
        reject(new PeerError(`peer closed: ${info.reason}`, info.misbehaving));
      });
      this.socket.write(v2.start());
    });
  }

  private async handshake(opts: PeerOptions): Promise<void> {
    if (this.v2) await this.v2Handshake(this.v2);
    const nonce = randomBytes(8).readBigUInt64LE();
    const versionSeen = this.wait((m) => m.type === 'version', this.timeouts.handshake);
    const verackSeen = this.wait((m) => m.type === 'verack', this.timeouts.handshake);
    verackSeen.catch(() => undefined); // awaited below; this keeps an early failure from going unhandled
    this.send({
      type: 'version',
      version: PROTOCOL_VERSION,
      services: opts.services ?? 0n,
      timestamp: Math.floor(Date.now() / 1000),
      receiver: { services: 0n, host: net.isIP(this.host) ? this.host : '0.0.0.0', port: this.port },
      sender: { services: 0n, host: '0.0.0.0', port: 0 },
      nonce,
      userAgent: USER_AGENT,
      startHeight: opts.ourHeight,
      // BIP37: no transaction relay until our bloom filter is loaded.
      relay: opts.relay ?? false,
    });
    const v = (await versionSeen) as VersionMessage;
    if (v.nonce === nonce) throw new PeerError('connected to ourselves', false);
    if (v.version < 70001) throw new PeerError(`protocol version ${v.version} is too old`, false);
    const required = opts.requiredServices ?? NODE_BLOOM;
    if ((v.services & required) !== required) {
      const what = required & NODE_COMPACT_FILTERS ? 'compact block filters (NODE_COMPACT_FILTERS)' : 'bloom filters (NODE_BLOOM)';
      throw new PeerError(`the peer does not offer ${what}`, false);
    }
    this.version = v;
    // BIP155: before our verack, so the peer may send addresses as addrv2 (Tor v3 among them).
    this.send({ type: 'sendaddrv2' });
    this.send({ type: 'verack' });
    await verackSeen;
    this.send({ type: 'sendheaders' });
    this.touch();
  }

  send(m: Message): void {
    if (this.closed) return;
    const f = encodeMessage(m);
    this.socket.write(this.v2 ? this.v2.encode(f.command, f.payload) : encodeFrame(this.params.magic, f.command, f.payload));
  }

  /** Wait for a message matching `match`; rejects on timeout (a stall) or when the peer closes. */
  wait(match: (m: Message) => boolean, timeout = this.timeouts.request): Promise<Message> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new PeerError(`peer closed: ${this.closed.reason}`, false));
        return;
      }
      const w = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new PeerError('the peer stalled', false));
          this.close('stalled', false);
        }, timeout),
      };
      this.waiters.add(w);
    });
  }

  /** Round trip: every message the peer sent before the pong has been handled. */
  async ping(): Promise<void> {
    const nonce = randomBytes(8).readBigUInt64LE();
    const pong = this.wait((m) => m.type === 'pong' && m.nonce === nonce);
    this.send({ type: 'ping', nonce });
    await pong;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.v2 ? this.readV2(chunk) : this.decoder.push(chunk);
    } catch (e) {
      this.close(e instanceof CofferError ? String(e.details['reason'] ?? e.message) : 'bad framing', true);
      return;
    }
    this.touch();
    for (const f of frames) {
      let m: Message;
      try {
        m = decodeMessage(f.command, f.payload);
      } catch (e) {
        this.close(`malformed ${f.command}: ${e instanceof CofferError ? String(e.details['reason']) : 'error'}`, true);
        return;
      }
      if (this.closed) return;
      this.handle(m);
    }
  }

  private readV2(chunk: Uint8Array): Frame[] {
    const v2 = this.v2!;
    if (v2.awaitingKey && chunk.length >= 4 && new DataView(chunk.buffer, chunk.byteOffset, 4).getUint32(0, true) === this.params.magic) {
      // A v1 node answering our key with a v1 message (bcoin sends a reject): leave `awaitingKey`
      // set so the connect retries over v1.
      this.close('the peer answered in v1', false);
      return [];
    }
    const out = v2.receive(chunk);
    if (out.send.length > 0) this.socket.write(out.send);
    if (v2.sessionId) this.v2Ready?.();
    return out.frames;
  }

  private handle(m: Message): void {
    if (m.type === 'ping') this.send({ type: 'pong', nonce: m.nonce });
    else if (m.type === 'feefilter') this.feeRate = m.feeRate;
    else if (m.type === 'pong' && m.nonce === this.pingNonce) this.pingNonce = undefined;
    for (const w of this.waiters) {
      if (w.match(m)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
    this.emit('message', m);
  }

  /** Keep-alive: after `idle` ms of silence send a ping; no pong in time closes the connection. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.closed || !this.version) return;
    this.idleTimer = setTimeout(() => {
      if (this.pingNonce !== undefined) {
        this.close('no answer to ping', false);
        return;
      }
      this.pingNonce = randomBytes(8).readBigUInt64LE();
      this.send({ type: 'ping', nonce: this.pingNonce });
      this.idleTimer = setTimeout(() => this.close('no answer to ping', false), this.timeouts.request);
      this.idleTimer.unref();
    }, this.timeouts.idle);
    this.idleTimer.unref();
  }

  /** Close the connection; `misbehaving` asks the pool to ban the address. */
  close(reason: string, misbehaving = false): void {
    if (this.closed) return;
    this.closed = { reason, misbehaving };
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.v2?.wipe();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new PeerError(`peer closed: ${reason}`, misbehaving));
    }
    this.waiters.clear();
    this.emit('close', this.closed);
  }
}
