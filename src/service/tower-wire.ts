// A Noise channel over a TCP socket, for the remote watchtower and the wallets that push to it:
// the three handshake acts read and written with a deadline, then JSON messages each way
// (net/tower-protocol.ts frames them, net/noise.ts seals them).

import type net from 'node:net';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CofferError } from '../api/errors.js';
import { ACT1_SIZE, ACT2_SIZE, ACT3_SIZE, FrameReader, Initiator, Responder, type NoiseTransport } from '../net/noise.js';
import { encodeMessage, MAX_MESSAGE, MessageAssembler, TOWER_PROLOGUE } from '../net/tower-protocol.js';

const INBOX_MAX = ACT3_SIZE + MAX_MESSAGE + 2 * 2 ** 20;

/** Bytes from a socket, taken a counted slice at a time (the handshake acts have fixed sizes). */
class Inbox {
  private buf: Uint8Array = new Uint8Array(0);
  private waiter: (() => void) | undefined;
  private ended: Error | undefined;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', () => {}); // 'close' follows and says it
  }

  private readonly onData = (d: Buffer) => {
    // Past act three only the first message may already be on its way: more is not a wallet.
    if (this.buf.length + d.length > INBOX_MAX) {
      this.socket.destroy();
      return;
    }
    const next = new Uint8Array(this.buf.length + d.length);
    next.set(this.buf);
    next.set(d, this.buf.length);
    this.buf = next;
    this.waiter?.();
  };

  private readonly onClose = () => {
    this.ended = new CofferError('peer-unreachable', 'The connection closed.');
    this.waiter?.();
  };

  async take(n: number): Promise<Uint8Array> {
    while (this.buf.length < n) {
      if (this.ended) throw this.ended;
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }

  /** Whatever came after the handshake, handed to the transport's reader from now on. */
  detach(): Uint8Array {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    return this.buf;
  }
}

/** Rejects with `what` when `ms` pass first, and destroys the socket. */
function deadline<T>(socket: net.Socket, ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      socket.destroy();
      reject(new CofferError('peer-unreachable', `${what} took longer than ${ms / 1000} s.`));
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** JSON messages over the sealed frames; `next()` waits for the next one. */
export class TowerChannel {
  private readonly queue: unknown[] = [];
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly transport: NoiseTransport,
    rest: Uint8Array,
    maxMessage?: number,
  ) {
    const frames = new FrameReader(transport);
    const messages = new MessageAssembler(maxMessage);
    const take = (chunk: Uint8Array) => {
      try {
        for (const f of frames.push(chunk)) this.queue.push(...messages.push(f));
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        socket.destroy();
      }
      this.waiter?.();
    };
    socket.on('data', (d: Buffer) => take(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    socket.on('close', () => {
      this.fail(new CofferError('peer-unreachable', 'The connection closed.'));
      transport.wipe();
      this.waiter?.();
    });
    if (rest.length > 0) take(rest);
  }

  private fail(e: Error): void {
    this.failure ??= e;
  }

  send(value: unknown): void {
    for (const f of encodeMessage(value)) this.socket.write(this.transport.encrypt(f));
  }

  async next(): Promise<unknown> {
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
    return this.queue.shift();
  }

  close(): void {
    this.socket.end();
  }
}

/**
 * The wallet's side: proves the tower holds the key of the pinned id, or fails before anything is
 * sent but act one. The wallet's own static key is random per connection: the tower knows a
 * wallet by the announcement key that signs its pushes, not by its Noise key.
 */
export async function towerHandshake(socket: net.Socket, towerId: Uint8Array, timeoutMs: number): Promise<TowerChannel> {
  const inbox = new Inbox(socket);
  const local = secp256k1.utils.randomSecretKey();
  const work = (async () => {
    const i = new Initiator({ local, prologue: TOWER_PROLOGUE }, towerId);
    socket.write(i.act1());
    let act2: Uint8Array;
    try {
      act2 = await inbox.take(ACT2_SIZE);
    } catch {
      throw new CofferError('invalid-peer', 'The tower closed the connection in the handshake: it does not hold the key of the id you pinned, or it is not a Coffer tower.');
    }
    const { act3, transport } = i.act2(act2);
    socket.write(act3);
    return new TowerChannel(socket, transport, inbox.detach());
  })();
  try {
    return await deadline(socket, timeoutMs, 'The handshake with the tower', work);
  } finally {
    local.fill(0);
  }
}

/** The tower's side: the wallet must finish the handshake within `timeoutMs`. */
export async function walletHandshake(socket: net.Socket, towerSecret: Uint8Array, timeoutMs: number, maxMessage?: number): Promise<TowerChannel> {
  const inbox = new Inbox(socket);
  const work = (async () => {
    const r = new Responder({ local: towerSecret, prologue: TOWER_PROLOGUE });
    socket.write(r.act1(await inbox.take(ACT1_SIZE)));
    const { transport } = r.act3(await inbox.take(ACT3_SIZE));
    return new TowerChannel(socket, transport, inbox.detach(), maxMessage);
  })();
  return deadline(socket, timeoutMs, 'The handshake', work);
}
