// BIP380 descriptor checksum: an 8-character BCH code over the descriptor's characters.

const INPUT_CHARSET =
  '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) {
      if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i] ?? 0n;
    }
  }
  return chk;
}

/** Symbols for the checksum, or undefined when a character is outside the descriptor charset. */
function expand(s: string): number[] | undefined {
  const symbols: number[] = [];
  const groups: number[] = [];
  for (const c of s) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) return undefined;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push((groups[0] ?? 0) * 9 + (groups[1] ?? 0) * 3 + (groups[2] ?? 0));
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0] ?? 0);
  else if (groups.length === 2) symbols.push((groups[0] ?? 0) * 3 + (groups[1] ?? 0));
  return symbols;
}

/** The checksum of a descriptor body (without '#'), or undefined for characters outside the charset. */
export function descriptorChecksum(body: string): string | undefined {
  const symbols = expand(body);
  if (!symbols) return undefined;
  const c = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

export type ChecksumResult =
  | { ok: true; body: string; hadChecksum: boolean }
  | { ok: false; reason: string };

/** Split `body#checksum` and verify the checksum when one is present. */
export function checkDescriptorChecksum(text: string): ChecksumResult {
  const hash = text.indexOf('#');
  const body = hash < 0 ? text : text.slice(0, hash);
  if (expand(body) === undefined) return { ok: false, reason: 'invalid character' };
  if (hash < 0) return { ok: true, body, hadChecksum: false };
  const given = text.slice(hash + 1);
  if (given.length !== 8) return { ok: false, reason: `checksum must be 8 characters, got ${given.length}` };
  if (given !== descriptorChecksum(body)) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, body, hadChecksum: true };
}
