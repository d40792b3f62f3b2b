// A PSBT file as the contract's base64 text (binary or already base64), read in the page so that
// no path reaches the core; apart from the component so it loads without a window.

import { UiError } from './ui-error.js';

const MAGIC = [0x70, 0x73, 0x62, 0x74, 0xff];

function base64Of(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The largest PSBT file read: the contract's limit (64 MiB of PSBT, as base64 text). */
const PSBT_FILE_MAX = 64 * 1024 * 1024;

/** A PSBT file's contents as the contract's base64 text; a larger file is refused before it is read. */
export async function psbtTextOf(file: File): Promise<string> {
  if (file.size > PSBT_FILE_MAX) {
    throw new UiError({ code: 'file-unreadable', message: `This file is larger than ${PSBT_FILE_MAX / 1024 / 1024} MiB: not a PSBT Coffer can read.`, details: { kind: 'psbt', reason: 'too large', limitBytes: PSBT_FILE_MAX } });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  return MAGIC.every((b, i) => bytes[i] === b) ? base64Of(bytes) : new TextDecoder().decode(bytes).trim();
}
