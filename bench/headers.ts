// Header validation throughput (vs. bare double-SHA256), and a loaded 1,000,000-header chain's
// start-up time and resident memory (measured in a fresh child process).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { genesisStart, HeaderChain } from '../src/chain/header-chain.js';
import { chainParams } from '../src/chain/params.js';
import { sha256dHeaders } from '../src/chain/sha256d.js';
import { HeaderStore } from '../src/db/header-store.js';
import { time, type Figure } from './measure.js';

const BATCH = 2000;

/** Mine `count` regtest headers on genesis (about two hashes each under regtest's target). */
export function regtestHeaders(count: number): Uint8Array {
  const p = chainParams('regtest');
  const raw = new Uint8Array(count * 80);
  const hash = new Uint8Array(32);
  sha256dHeaders(p.genesis, 0, 1, hash, 0);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < count; i++) {
    const o = i * 80;
    view.setInt32(o, 0x20000000, true);
    raw.set(hash, o + 4);
    view.setUint32(o + 36, i, true);
    view.setUint32(o + 68, 1_500_000_000 + i * 60, true);
    view.setUint32(o + 72, 0x207fffff, true);
    for (let nonce = 0; ; nonce++) {
      view.setUint32(o + 76, nonce, true);
      sha256dHeaders(raw, o, 1, hash, 0);
      if (hash[31]! < 0x80) break;
    }
  }
  return raw;
}

function validate(network: 'regtest' | 'main', raw: Uint8Array, fromGenesisIncluded: boolean): number {
  const chain = new HeaderChain(chainParams(network), genesisStart());
  const first = fromGenesisIncluded ? 1 : 0;
  const n = raw.length / 80;
  const now = 2_000_000_000;
  for (let i = first; i < n; i += BATCH) chain.add(raw.subarray(i * 80, Math.min(n, i + BATCH) * 80), now);
  return chain.height;
}

function bareHash(raw: Uint8Array): void {
  const n = raw.length / 80;
  const out = new Uint8Array(BATCH * 32);
  for (let i = 0; i < n; i += BATCH) sha256dHeaders(raw, i * 80, Math.min(BATCH, n - i), out, 0);
}

export function benchHeaders(mainnetFile: string): Figure[] {
  const figures: Figure[] = [];
  const mainnet = new Uint8Array(fs.readFileSync(mainnetFile));
  const reps = 100;
  for (let r = 0; r < 10; r++) validate('main', mainnet, true); // warm up
  const mvs: number[] = [];
  const mbs: number[] = [];
  for (let k = 0; k < 3; k++) {
    mvs.push(time(() => { for (let r = 0; r < reps; r++) validate('main', mainnet, true); }).ms);
    mbs.push(time(() => { for (let r = 0; r < reps; r++) bareHash(mainnet.subarray(80)); }).ms);
  }
  const mv = { ms: Math.min(...mvs) };
  const mb = { ms: Math.min(...mbs) };
  const count = (mainnet.length / 80 - 1) * reps;
  figures.push({ name: `validate real mainnet headers 1..10236 (x${reps})`, value: count / (mv.ms / 1000), unit: 'headers/s' });
  figures.push({ name: 'bare double-SHA256 of the same bytes', value: count / (mb.ms / 1000), unit: 'headers/s' });
  figures.push({ name: 'validation cost / bare hashing (mainnet)', value: mv.ms / mb.ms, unit: 'x' });
  figures.push({ name: 'projected full mainnet chain (970,000 headers)', value: (970_000 / count) * (mv.ms / 1000), unit: 's' });


  const gen = time(() => regtestHeaders(1_000_000));
  const raw = gen.result;
  figures.push({ name: 'generate 1,000,000 regtest headers (mining)', value: gen.ms / 1000, unit: 's' });

  validate('regtest', raw.subarray(0, 100_000 * 80), false); // warm up
  // Best of three, alternating, so a busy neighbour on a shared machine does not decide the ratio.
  const vs: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < 3; r++) {
    vs.push(time(() => validate('regtest', raw, false)).ms);
    bs.push(time(() => bareHash(raw)).ms);
  }
  const v = { ms: Math.min(...vs) };
  const b = { ms: Math.min(...bs) };
  figures.push({ name: 'validate 1,000,000 regtest headers', value: 1e6 / (v.ms / 1000), unit: 'headers/s', note: `${(v.ms / 1000).toFixed(2)} s` });
  figures.push({ name: 'bare double-SHA256 of the same bytes', value: 1e6 / (b.ms / 1000), unit: 'headers/s' });
  figures.push({ name: 'validation cost / bare hashing (regtest)', value: v.ms / b.ms, unit: 'x' });

  // A stored 1,000,000-header chain, loaded by a fresh process.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-headers-'));
  try {
    const store = HeaderStore.open(dir, chainParams('regtest'), genesisStart());
    const n = raw.length / 80;
    for (let i = 0; i < n; i += 50_000) {
      const r = store.chain.add(raw.subarray(i * 80, Math.min(n, i + 50_000) * 80), 2_000_000_000);
      if (r.change) store.apply(r.change);
    }
    store.close();
    const out = execFileSync(process.execPath, [path.join(import.meta.dirname, 'load-chain.js'), dir], { encoding: 'utf8' });
    const m = JSON.parse(out) as { readyMs: number; rssMiB: number; height: number };
    figures.push({ name: `start-up to a loaded chain of ${m.height.toLocaleString('en')} headers`, value: m.readyMs, unit: 'ms', note: 'from process start' });
    figures.push({ name: 'resident memory with that chain loaded', value: m.rssMiB, unit: 'MiB' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
