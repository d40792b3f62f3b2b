// The amount a BOLT 11 invoice asks for, read from its human-readable part, so the pay form can
// say what a payment costs before it is sent. Only for display: the core parses and checks the
// whole invoice (signature, network, expiry) and decides what is paid.

const MSAT_PER_BTC = 100_000_000_000n;
/** BOLT 11 multipliers: the amount is in these fractions of a bitcoin. */
const DIVISORS: Record<string, bigint> = { '': 1n, m: 1_000n, u: 1_000_000n, n: 1_000_000_000n, p: 1_000_000_000_000n };

/** What the invoice asks: a fixed amount, any amount, or undefined when it does not look like an invoice. */
export type AskedAmount = { msat: number } | { any: true };

/** The invoice text as the core takes it: trimmed, without a `lightning:` prefix. */
export function invoiceText(text: string): string {
  const t = text.trim();
  return /^lightning:/i.test(t) ? t.slice('lightning:'.length) : t;
}

export function askedAmount(text: string): AskedAmount | undefined {
  const t = invoiceText(text).toLowerCase();
  // Bech32: the data part never contains "1", so the last one ends the human-readable part.
  const sep = t.lastIndexOf('1');
  if (sep < 0) return undefined;
  const m = /^ln(?:bcrt|bc|tbs|tb)(?:([1-9]\d{0,15})([munp]?))?$/.exec(t.slice(0, sep));
  if (!m) return undefined;
  if (m[1] === undefined) return { any: true };
  const scaled = BigInt(m[1]) * MSAT_PER_BTC;
  const divisor = DIVISORS[m[2] ?? '']!;
  // A pico-bitcoin amount that is not a whole millisatoshi is invalid.
  if (scaled % divisor !== 0n) return undefined;
  const msat = scaled / divisor;
  return msat > 0n && msat <= BigInt(Number.MAX_SAFE_INTEGER) ? { msat: Number(msat) } : undefined;
}
