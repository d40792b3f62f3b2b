// IP addresses in the 16-byte form of P2P messages (IPv4 mapped into IPv6): parsing text into
// it and formatting it as text (RFC 5952 for IPv6).

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

export function formatIp(b: Uint8Array): string {
  if (V4_PREFIX.every((v, i) => b[i] === v)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  // RFC 5952: compress the longest run (the first, on a tie) of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function parseV4(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** IPv4 dotted or IPv6 text (with `::` and an optional dotted tail) to the 16-byte field. */
export function parseIp(host: string): Uint8Array | undefined {
  const v4 = parseV4(host);
  if (v4) return Uint8Array.from([...V4_PREFIX, ...v4]);
  const halves = host.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const words: number[][] = [];
  for (const [side, list] of groups.entries()) {
    const out: number[] = [];
    for (const [i, g] of list.entries()) {
      const dotted = side === groups.length - 1 && i === list.length - 1 ? parseV4(g) : undefined;
      if (dotted) out.push((dotted[0]! << 8) | dotted[1]!, (dotted[2]! << 8) | dotted[3]!);
      else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    words.push(out);
  }
  const left = words[0]!;
  const right = words[1] ?? [];
  // `::` stands for at least one zero group.
  if (halves.length === 2 && left.length + right.length > 7) return undefined;
  const all = halves.length === 2 ? [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right] : left;
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}
