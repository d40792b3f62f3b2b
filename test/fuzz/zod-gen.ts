// Values for a zod schema, read from the schema itself: valid ones (each leaf drawn from candidates
// the leaf accepts), near-valid ones (one leaf or key broken), so every method of the contract is
// fuzzed as it is written today and as it will be written tomorrow.

import { EDGE_NUMBERS, junkString, junkValue, type Rng } from './fuzz-kit.js';

type Def = { type: string; [k: string]: unknown };
type Schema = { _zod: { def: Def }; safeParse(v: unknown): { success: boolean } };

const defOf = (s: unknown): Def => (s as Schema)._zod.def;
const checksOf = (s: unknown): Record<string, unknown>[] =>
  ((defOf(s)['checks'] as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []).map((c) => c._zod.def);

export interface Hints {
  /** Candidate values for a field of this name (a wallet's own addresses for `address`, ...). */
  forKey(key: string): readonly unknown[] | undefined;
  /** Strings worth trying anywhere (txids, outpoints, host:port, URLs of the fixture). */
  strings: readonly string[];
  /** Fields whose hints change between draws (the current password, values learned from replies). */
  changing?: ReadonlySet<string>;
}

function stringBounds(s: unknown): { min: number; max: number } {
  let min = 0;
  let max = 5000;
  for (const c of checksOf(s)) {
    if (c['check'] === 'min_length') min = c['minimum'] as number;
    if (c['check'] === 'max_length') max = c['maximum'] as number;
    if (c['check'] === 'length_equals') min = max = c['length'] as number;
  }
  return { min, max };
}

function numberBounds(s: unknown): { lo: number; hi: number; int: boolean } {
  let lo = -1e9;
  let hi = 1e9;
  let int = false;
  for (const c of checksOf(s)) {
    if (c['check'] === 'greater_than') lo = (c['value'] as number) + (c['inclusive'] ? 0 : 1e-6);
    if (c['check'] === 'less_than') hi = (c['value'] as number) - (c['inclusive'] ? 0 : 1e-6);
    if (c['check'] === 'number_format') int = true;
  }
  return { lo, hi, int };
}

const repeated = new Map<string, string>();
/** `c` repeated n times, built once (candidate strings reach 10 MiB). */
function rep(c: string, n: number): string {
  const k = `${c}:${n}`;
  let v = repeated.get(k);
  if (v === undefined) repeated.set(k, (v = c.repeat(n)));
  return v;
}

function stringCandidates(s: unknown, key: string, hints: Hints): unknown[] {
  const { min, max } = stringBounds(s);
  const lengths = [min, Math.max(min, 1), max, max + 1, Math.max(0, min - 1)].filter((n) => n <= 11_000_000);
  const out: unknown[] = [...(hints.forKey(key) ?? []), ...hints.strings];
  for (const n of lengths) for (const c of ['a', 'é']) out.push(rep(c, n));
  return out;
}

function numberCandidates(s: unknown, key: string, hints: Hints): unknown[] {
  const { lo, hi, int } = numberBounds(s);
  const mid = (Math.max(lo, -1e15) + Math.min(hi, 1e15)) / 2;
  return [...(hints.forKey(key) ?? []), lo, hi, lo - 1, hi + 1, Math.ceil(lo), Math.floor(hi), int ? Math.round(mid) : mid, Math.round(mid) + 0.5, ...EDGE_NUMBERS];
}

/**
 * A leaf's candidates split into those it accepts and those it refuses, worked out once per
 * (hints, leaf, field name); each draw adds a fresh random one, and the hints of a changing field.
 */
const sorted = new WeakMap<Hints, WeakMap<object, Map<string, { ok: unknown[]; bad: unknown[] }>>>();
function candidates(schema: unknown, key: string, rng: Rng, hints: Hints): { ok: unknown[]; bad: unknown[] } {
  let bySchema = sorted.get(hints);
  if (!bySchema) sorted.set(hints, (bySchema = new WeakMap()));
  let byKey = bySchema.get(schema as object);
  if (!byKey) bySchema.set(schema as object, (byKey = new Map()));
  const changing = hints.changing?.has(key) === true;
  const accepts = (v: unknown) => (schema as Schema).safeParse(v).success;
  let c = byKey.get(key);
  if (!c) {
    const hinted = hints.forKey(key) ?? [];
    const all = defOf(schema).type === 'string' ? stringCandidates(schema, key, hints) : numberCandidates(schema, key, hints);
    const fixed = changing ? all.filter((v) => !hinted.includes(v)) : all;
    c = { ok: fixed.filter(accepts), bad: fixed.filter((v) => !accepts(v)) };
    byKey.set(key, c);
  }
  const fresh = [defOf(schema).type === 'string' ? junkString(rng, { nul: true }) : rng.pick(EDGE_NUMBERS), ...(changing ? (hints.forKey(key) ?? []) : [])];
  const ok = [...c.ok];
  const bad = [...c.bad];
  for (const v of fresh) (accepts(v) ? ok : bad).push(v);
  return { ok, bad };
}

/** A value the schema accepts, when the candidates hold one (almost always). */
export function validValue(schema: unknown, rng: Rng, hints: Hints, key = ''): unknown {
  const d = defOf(schema);
  switch (d.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(d['shape'] as Record<string, unknown>)) {
        const t = defOf(v).type;
        if ((t === 'optional' || t === 'default') && rng.chance(0.45)) continue;
        out[k] = validValue(v, rng, hints, k);
      }
      return out;
    }
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
      return validValue(d['innerType'], rng, hints, key);
    case 'pipe':
      return validValue(d['in'], rng, hints, key);
    case 'union':
      return validValue(rng.pick(d['options'] as unknown[]), rng, hints, key);
    case 'literal':
      return rng.pick(d['values'] as unknown[]);
    case 'enum':
      return rng.pick(Object.values(d['entries'] as Record<string, unknown>));
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      const { min, max } = stringBounds(schema);
      const n = rng.chance(0.1) ? Math.min(max, 1000) : min + rng.int(Math.min(max - min, 3) + 1);
      return Array.from({ length: n }, () => validValue(d['element'], rng, hints, key));
    }
    case 'string':
    case 'number': {
      const { ok, bad } = candidates(schema, key, rng, hints);
      // Hinted values first: they reach the handlers' own checks.
      const hinted = (hints.forKey(key) ?? []).filter((v) => ok.includes(v));
      if (hinted.length > 0 && rng.chance(0.6)) return rng.pick(hinted);
      return ok.length > 0 ? rng.pick(ok) : rng.pick(bad);
    }
    default:
      return junkValue(rng);
  }
}

/** A value the schema almost accepts: one leaf replaced by a rejected candidate, a key added or removed. */
export function nearValue(schema: unknown, rng: Rng, hints: Hints, key = ''): unknown {
  const d = defOf(schema);
  switch (d.type) {
    case 'object': {
      const shape = d['shape'] as Record<string, unknown>;
      const out = validValue(schema, rng, hints, key) as Record<string, unknown>;
      const keys = Object.keys(shape);
      const r = rng.int(10);
      if (r === 0 || keys.length === 0) {
        Object.defineProperty(out, rng.pick(['__proto__', 'constructor', 'extra', 'toString', '']), { value: junkValue(rng), enumerable: true, configurable: true, writable: true });
      } else if (r === 1) {
        delete out[rng.pick(keys)];
      } else {
        const k = rng.pick(keys);
        out[k] = nearValue(shape[k], rng, hints, k);
      }
      return out;
    }
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
      return nearValue(d['innerType'], rng, hints, key);
    case 'pipe':
      return nearValue(d['in'], rng, hints, key);
    case 'union':
      return nearValue(rng.pick(d['options'] as unknown[]), rng, hints, key);
    case 'array': {
      if (rng.chance(0.3)) {
        const { max } = stringBounds(schema);
        return Array.from({ length: Math.min(max + 1, 2000) }, () => validValue(d['element'], rng, hints, key));
      }
      const arr = validValue(schema, rng, hints, key) as unknown[];
      if (arr.length === 0 || rng.chance(0.2)) return [];
      arr[rng.int(arr.length)] = nearValue(d['element'], rng, hints, key);
      return arr;
    }
    case 'string':
    case 'number': {
      const { bad } = candidates(schema, key, rng, hints);
      return bad.length > 0 && rng.chance(0.85) ? rng.pick(bad) : junkValue(rng);
    }
    default:
      return junkValue(rng);
  }
}
