// Bitcoin P2P framing: the 24-byte message header, and a streaming decoder for socket bytes.
//
// Pure: no sockets here. The connection feeds whatever chunks the socket yields into a
// FrameDecoder and gets whole, checksummed frames back. Everything a peer controls is checked
// before it costs us memory: the declared length is refused from the header alone, so a peer
// cannot make us buffer 4 GiB by promising it.

import { CofferError } from '../api/errors.js';
import { ByteWriter } from '../chain/bytes.js';
import { sha256d } from '../chain/tx.js';

/** Bitcoin Core's MAX_SIZE: no message may declare a longer payload. */
export const MAX_PAYLOAD = 32 * 1024 * 1024;

export const HEADER_SIZE = 24;
const COMMAND_SIZE = 12;

export interface Frame {
  command: string;
  payload: Uint8Array;
}

function invalid(message: string, reason: string): CofferError {
  return new CofferError('invalid-message', message, { reason });
}

/** A command is 1 to 12 printable ASCII characters (Core allows 0x20..0x7e). */
export function isValidCommand(command: string): boolean {
  if (command.length < 1 || command.length > COMMAND_SIZE) return false;
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256d(payload).subarray(0, 4);
}

export function encodeFrame(magic: number, command: string, payload: Uint8Array): Uint8Array {
  if (!Number.isInteger(magic) || magic < 0 || magic > 0xffffffff) {
    throw invalid('The network magic must be a 32-bit unsigned integer.', 'bad magic');
  }
  if (!isValidCommand(command)) {
    throw invalid(`The command "${command}" cannot be sent.`, 'bad command');
  }
  if (payload.length > MAX_PAYLOAD) {
    throw invalid(`The ${command} payload is larger than ${MAX_PAYLOAD} bytes.`, 'payload too large');
  }
  const w = new ByteWriter(HEADER_SIZE + payload.length);
  w.u32le(magic);
  for (let i = 0; i < COMMAND_SIZE; i++) w.u8(i < command.length ? command.charCodeAt(i) : 0);
  w.u32le(payload.length);
  w.bytes(checksum(payload));
  w.bytes(payload);
  return w.finish();
}

/** Reads the 12-byte command field; undefined unless it is printable ASCII then only NULs. */
function readCommand(field: Uint8Array): string | undefined {
  let end = 0;
  while (end < COMMAND_SIZE && field[end] !== 0) end++;
  // Padding must be all NUL, or two commands could share a meaning ("ping\0x" and "ping").
  for (let i = end; i < COMMAND_SIZE; i++) if (field[i] !== 0) return undefined;
  const command = String.fromCharCode(...field.subarray(0, end));
  return isValidCommand(command) ? command : undefined;
}

function u32leAt(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

interface PendingHeader {
  command: string;
  length: number;
  checksum: Uint8Array;
}

/** Above this the empty receive buffer is released, so one large block does not pin memory. */
const KEEP_BUFFER = 1024 * 1024;

/**
 * Turns a byte stream into frames. Bytes that do not yet complete a frame go into one owned
 * buffer that grows by doubling and is compacted only once half of it has been consumed, so
 * the copying stays linear even when a large frame arrives one byte at a time. Memory follows
 * the bytes actually received, never the length a header merely announces.
 * After the first error the decoder refuses all further input: the caller must disconnect.
 */
export class FrameDecoder {
  private readonly magic: number;
  private readonly maxPayload: number;
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private pending: PendingHeader | undefined;
  private failed = false;

  constructor(magic: number, maxPayload = MAX_PAYLOAD) {
    if (!Number.isInteger(magic) || magic < 0 || magic > 0xffffffff) throw new RangeError('magic must be a u32');
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 0) throw new RangeError('maxPayload must be a non-negative integer');
    this.magic = magic;
    this.maxPayload = maxPayload;
  }

  /** Bytes received but not yet returned as part of a frame (a parsed header is not counted). */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /**
   * Add bytes from the socket and return every frame they complete. Frames own their payload
   * and the decoder copies whatever it keeps, so the caller may reuse `chunk` afterwards.
   * If a chunk completes some frames and then breaks the rules, it throws and those frames are
   * lost with the connection.
   */
  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw invalid('The peer sent an invalid message earlier; the connection must be closed.', 'decoder failed');
    try {
      // With nothing buffered, parse the chunk where it lies and keep only its unread tail.
      const direct = this.start === this.end;
      if (!direct) this.append(chunk);
      const view = direct ? chunk : this.buf.subarray(this.start, this.end);
      const { frames, consumed } = this.parse(view);
      if (direct) {
        this.start = this.end = 0;
        this.append(chunk.subarray(consumed));
      } else {
        this.start += consumed;
      }
      if (this.start === this.end) {
        this.start = this.end = 0;
        if (this.buf.length > KEEP_BUFFER) this.buf = new Uint8Array(0);
      }
      return frames;
    } catch (e) {
      this.failed = true;
      this.buf = new Uint8Array(0);
      this.start = this.end = 0;
      throw e;
    }
  }

  private parse(view: Uint8Array): { frames: Frame[]; consumed: number } {
    const frames: Frame[] = [];
    let pos = 0;
    for (;;) {
      if (this.pending === undefined) {
        const have = view.length - pos;
        if (have < HEADER_SIZE) {
          // A stream that does not start with our magic is another network: stop at byte 4.
          if (have >= 4 && u32leAt(view, pos) !== this.magic) throw badMagic();
          break;
        }
        this.pending = this.parseHeader(view.subarray(pos, pos + HEADER_SIZE));
        pos += HEADER_SIZE;
      }
      const { command, length, checksum: want } = this.pending;
      if (view.length - pos < length) break;
      const payload = view.slice(pos, pos + length);
      pos += length;
      const sum = checksum(payload);
      if (sum[0] !== want[0] || sum[1] !== want[1] || sum[2] !== want[2] || sum[3] !== want[3]) {
        throw invalid(`The peer sent a ${command} message with a wrong checksum.`, 'bad checksum');
      }
      frames.push({ command, payload });
      this.pending = undefined;
    }
    return { frames, consumed: pos };
  }

  private parseHeader(h: Uint8Array): PendingHeader {
    if (u32leAt(h, 0) !== this.magic) throw badMagic();
    const command = readCommand(h.subarray(4, 16));
    if (command === undefined) throw invalid('The peer sent a message with a malformed command name.', 'bad command');
    const length = u32leAt(h, 16);
    if (length > this.maxPayload) {
      throw invalid(`The peer announced a ${command} message of ${length} bytes, above the ${this.maxPayload}-byte limit.`, 'payload too large');
    }
    return { command, length, checksum: h.slice(20, 24) };
  }

  private append(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.end + data.length > this.buf.length) {
      const unread = this.end - this.start;
      const needed = unread + data.length;
      if (needed <= this.buf.length / 2) {
        // At least half the buffer was consumed since it was last compacted or grown, so the
        // bytes moved here are paid for by bytes already handed out.
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(needed, this.buf.length * 2, 4096));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = unread;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }
}

function badMagic(): CofferError {
  return invalid('The peer sent a message for a different network.', 'bad magic');
}
