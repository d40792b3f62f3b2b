// Adding key-value records to a PSBT's input maps by copying its bytes (BIP174 framing only).
//
// A signed PSBT is the PSBT the user gave with our signatures (and key origins) added to some input
// maps. Re-encoding it whole with @scure/btc-signer's toPSBT takes time quadratic in the number of
// inputs (seconds at a few thousand); this copies each map once, so the cost is linear in its size.

import { CofferError } from '../api/errors.js';
import { ByteReader, ByteWriter } from '../chain/bytes.js';

export interface PsbtRecord {
  /** Key type byte followed by key data. */
  key: Uint8Array;
  value: Uint8Array;
}

const MAGIC = [0x70, 0x73, 0x62, 0x74, 0xff];

function invalid(what: string): CofferError {
  return new CofferError('invalid-psbt', `The PSBT is invalid: ${what}.`, { reason: 'parse' });
}

function keyHex(key: Uint8Array): string {
  let s = '';
  for (const b of key) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Where each record of one map starts, with its key; leaves `r` after the map's terminator. */
function readMap(r: ByteReader): { start: number; key: string }[] {
  const records: { start: number; key: string }[] = [];
  for (;;) {
    const start = r.offset;
    const keyLen = r.varint();
    if (keyLen === 0) return records;
    const key = r.bytes(keyLen);
    r.bytes(r.varint());
    records.push({ start, key: keyHex(key) });
  }
}

/**
 * `psbt` (BIP174 v0 bytes, `inputCount` input maps) with `add`'s records put into those input
 * maps; a record whose key the map already has replaces it. Everything else is copied unchanged.
 */
export function addInputRecords(psbt: Uint8Array, inputCount: number, add: ReadonlyMap<number, readonly PsbtRecord[]>): Uint8Array {
  if (!MAGIC.every((b, i) => psbt[i] === b)) throw invalid('no PSBT magic');
  const r = new ByteReader(psbt);
  const w = new ByteWriter(psbt.length + add.size * 256);
  try {
    r.bytes(MAGIC.length);
    readMap(r);
    w.bytes(psbt.subarray(0, r.offset));
    for (let i = 0; i < inputCount; i++) {
      const mapStart = r.offset;
      const records = readMap(r);
      const end = r.offset - 1; // the map's 0x00 terminator
      const extra = add.get(i);
      if (!extra || extra.length === 0) {
        w.bytes(psbt.subarray(mapStart, r.offset));
        continue;
      }
      const replaced = new Set(extra.map((x) => keyHex(x.key)));
      records.forEach((rec, n) => {
        if (!replaced.has(rec.key)) w.bytes(psbt.subarray(rec.start, records[n + 1]?.start ?? end));
      });
      for (const x of extra) w.varBytes(x.key).varBytes(x.value);
      w.u8(0);
    }
    w.bytes(psbt.subarray(r.offset));
  } catch (e) {
    if (e instanceof CofferError) throw e;
    throw invalid('its maps end early');
  }
  return w.finish();
}
