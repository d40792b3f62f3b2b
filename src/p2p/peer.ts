// One connection to a Bitcoin node: handshake, keep-alive, framed messages, request timeouts.
//
// Anything malformed from the peer (framing, a message that does not parse, a protocol breach)
// closes the connection with `misbehaving` set, so the pool can ban the address.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../api/errors.js';
import type { ChainParams } from '../chain/params.js';
import { decodeMessage, encodeMessage, NODE_BLOOM, NODE_COMPACT_FILTERS, type Message, type VersionMessage } from './messages.js';
import { encodeFrame, FrameDecoder } from './wire.js';

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
}

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
  private idleTimer: NodeJS.Timeout | undefined;
  private pingNonce: bigint | undefined;
  private readonly waiters = new Set<{ match: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(opts: PeerOptions, socket: net.Socket) {
    super();
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
  }

  get address(): string {
    return net.isIPv6(this.host) ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  get startHeight(): number {
    return this.version?.startHeight ?? 0;
  }

  /** Connect and complete the version handshake; rejects with PeerError. */
  static connect(opts: PeerOptions): Promise<Peer> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.host, port: opts.port });
      const fail = (msg: string, misbehaving = false) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new PeerError(msg, misbehaving));
      };
      const timer = setTimeout(() => fail('connection timed out'), timeouts.connect);
      socket.once('error', (e: NodeJS.ErrnoException) => fail(`cannot connect (${e.code ?? 'error'})`));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const peer = new Peer(opts, socket);
        peer.handshake(opts).then(
          () => resolve(peer),
          (e: unknown) => {
            peer.close(e instanceof PeerError ? e.message : 'handshake failed', e instanceof PeerError && e.misbehaving);
            reject(e instanceof PeerError ? e : new PeerError('handshake failed', false));
          },
        );
      });
    });
  }

  private async handshake(opts: PeerOptions): Promise<void> {
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
    this.send({ type: 'verack' });
    await verackSeen;
    this.send({ type: 'sendheaders' });
    this.touch();
  }

  send(m: Message): void {
    if (this.closed) return;
    const f = encodeMessage(m);
    this.socket.write(encodeFrame(this.params.magic, f.command, f.payload));
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
    let frames;
    try {
      frames = this.decoder.push(chunk);
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
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new PeerError(`peer closed: ${reason}`, misbehaving));
    }
    this.waiters.clear();
    this.emit('close', this.closed);
  }
}
