// The vault note: what the recovery branch needs besides the words and the recovery key, written
// into the deposit transaction itself, so that a wallet restored from its words finds its vaults
// on chain and the recovery key can sweep them with no file at all.
//
// A deposit carries one extra output, OP_RETURN <40 bytes>, 51 vbytes in all:
//   tag (4) | x of k's public key (32) | vault number (2) | delay (2), the last 36 bytes XORed
// with a pad. The pad and the tag are HMAC-SHA512(note key, vault output script): the note key
// comes from the seed (vault-keys.ts), so to anyone else the note is 40 random bytes, and the tag
// both marks the note as this wallet's and names the vault's output. `k` is made with an even Y
// (the presigner negates it otherwise), so its x alone gives the key. The recovery key is not in
// the note: the user brings it.

import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { Script } from '@scure/btc-signer';
import type { Tx } from '../chain/tx.js';
import { checkDelay } from './vault-tx.js';

const TAG_BYTES = 4;
const BODY_BYTES = 36;
export const NOTE_BYTES = TAG_BYTES + BODY_BYTES;
/** Vault numbers the note can carry (u16). */
export const MAX_NOTE_SEQ = 0xffff;

export interface VaultNote {
  /** The presigning key's compressed public key (even Y). */
  kPub: Uint8Array;
  seq: number;
  delay: number;
}

function pad(noteKey: Uint8Array, vaultScript: Uint8Array): Uint8Array {
  return hmac(sha512, noteKey, vaultScript);
}

/** The note's output script for the vault output `vaultScript` (its P2WSH). */
export function noteScript(noteKey: Uint8Array, vaultScript: Uint8Array, note: VaultNote): Uint8Array {
  if (note.kPub.length !== 33 || note.kPub[0] !== 2) throw new RangeError('the presigning key must have an even Y');
  if (!Number.isInteger(note.seq) || note.seq < 0 || note.seq > MAX_NOTE_SEQ) throw new RangeError('vault number out of range');
  checkDelay(note.delay);
  const p = pad(noteKey, vaultScript);
  const data = new Uint8Array(NOTE_BYTES);
  data.set(p.subarray(0, TAG_BYTES));
  const body = new Uint8Array(BODY_BYTES);
  body.set(note.kPub.subarray(1), 0);
  new DataView(body.buffer).setUint16(32, note.seq);
  new DataView(body.buffer).setUint16(34, note.delay);
  for (let i = 0; i < BODY_BYTES; i++) data[TAG_BYTES + i] = body[i]! ^ p[TAG_BYTES + i]!;
  return Script.encode(['RETURN', data]);
}

/** A placeholder of the note's size, for planning before `k` exists. */
export const NOTE_PLACEHOLDER = Script.encode(['RETURN', new Uint8Array(NOTE_BYTES)]);

/** The note's 40 bytes when `script` is an OP_RETURN of exactly that push. */
function noteData(script: Uint8Array): Uint8Array | undefined {
  return script.length === NOTE_PLACEHOLDER.length && script[0] === NOTE_PLACEHOLDER[0] && script[1] === NOTE_BYTES ? script.subarray(2) : undefined;
}

/** This wallet's vault note in `tx`, with the output it names; undefined for any other transaction. */
export function readNote(noteKey: Uint8Array, tx: Tx): (VaultNote & { vout: number }) | undefined {
  const data = tx.outputs.map((o) => noteData(o.script)).find((d) => d !== undefined);
  if (!data) return undefined;
  for (let vout = 0; vout < tx.outputs.length; vout++) {
    const script = tx.outputs[vout]!.script;
    if (noteData(script)) continue;
    const p = pad(noteKey, script);
    if (!p.subarray(0, TAG_BYTES).every((b, i) => b === data[i])) continue;
    const body = data.slice(TAG_BYTES).map((b, i) => b ^ p[TAG_BYTES + i]!);
    const view = new DataView(body.buffer);
    const delay = view.getUint16(34);
    if (delay < 1) return undefined;
    return { vout, kPub: Uint8Array.of(2, ...body.subarray(0, 32)), seq: view.getUint16(32), delay };
  }
  return undefined;
}
