// Where a pool with an empty address table starts: the network's DNS seeds, asked only for nodes
// with the services we need (seeders answer `x<service bits in hex>.<seed>` with such nodes), A and
// AAAA records; the fixed seeds of the chain parameters when no seed answers. The resolver is
// injectable, so tests make no DNS query.

import dns from 'node:dns/promises';
import type { ChainParams } from '../chain/params.js';
import { NODE_NETWORK, NODE_WITNESS } from './messages.js';

export interface SeedResolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface SeedAddress {
  host: string;
  port: number;
  /** Who told us: `dns:<seed>` or `fixed` (the address table buckets by it). */
  source: string;
}

/** The filter every seeder serves (Bitcoin Core asks for these bits of every seed). */
export const SEED_BASE_SERVICES = NODE_NETWORK | NODE_WITNESS;
/** A seed that has not answered by then is given up on. */
const LOOKUP_TIMEOUT_MS = 10_000;

/** The name that asks `seed` for nodes offering `services`: x49.seed.example for 0x49. */
export function seedName(seed: string, services: bigint): string {
  return `x${services.toString(16)}.${seed}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

async function lookup(resolver: SeedResolver, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([
    withTimeout(resolver.resolve4(name), LOOKUP_TIMEOUT_MS, []),
    withTimeout(resolver.resolve6(name), LOOKUP_TIMEOUT_MS, []),
  ]);
  return [...v4, ...v6];
}

function parseSeed(s: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]]+):(\d{1,5})$/.exec(s);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/**
 * Ask every seed for nodes offering `services` (all of them; a seeder that does not know that
 * filter is asked for x9, NODE_NETWORK | NODE_WITNESS, and the handshake drops the rest), then the
 * fixed seeds when no seed gave an address. In random order.
 */
/** The network's fixed seeds (addresses, no lookup), for when DNS gives nothing or must not be asked. */
export function fixedSeeds(params: ChainParams): SeedAddress[] {
  return params.fixedSeeds.map(parseSeed).filter((a) => a !== undefined).map((a) => ({ ...a, source: 'fixed' }));
}

export async function querySeeds(params: ChainParams, services: bigint, resolver: SeedResolver = dns): Promise<SeedAddress[]> {
  const wanted = services | SEED_BASE_SERVICES;
  const found = await Promise.all(
    params.dnsSeeds.map(async (seed) => {
      let hosts = await lookup(resolver, seedName(seed, wanted));
      if (hosts.length === 0 && wanted !== SEED_BASE_SERVICES) hosts = await lookup(resolver, seedName(seed, SEED_BASE_SERVICES));
      return hosts.map((host) => ({ host, port: params.port, source: `dns:${seed}` }));
    }),
  );
  let out: SeedAddress[] = found.flat();
  if (out.length === 0) out = fixedSeeds(params);
  // Fisher-Yates with crypto randomness: which seed's nodes come first is not for a seed to decide.
  const r = crypto.getRandomValues(new Uint32Array(out.length));
  for (let i = out.length - 1; i > 0; i--) {
    const j = r[i]! % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
