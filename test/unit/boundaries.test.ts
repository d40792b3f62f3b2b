// STYLE habit 1, enforced: the folder says where code may run. Reads every import in the repo.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|cts|mts|js|mjs|cjs)$/.test(e.name) && !e.parentPath.includes('node_modules') && !e.parentPath.includes(`${path.sep}dist`))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

export function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: Import[] = [];
  const re = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4];
    if (spec) out.push({ file, spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

function resolved(i: Import): string {
  return i.spec.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(i.file), i.spec)) : i.spec;
}

const PURE = ['src/api', 'src/keys', 'src/chain', 'src/wallet', 'src/vaults', 'src/net'];
const IO_FOLDERS = ['src/db', 'src/p2p', 'src/node', 'src/service', 'src/cli', 'src/channels', 'src/shell'];
const NODE_IO = /^(node:)?(fs|net|tls|http|https|dgram|dns|child_process|worker_threads|cluster|os|readline|fs\/promises)$/;
const UI_OR_SHELL = /^(electron|react|react-dom)(\/|$)/;
/** Core modules the page runs too (the amount rules): pure, and importing only each other. */
const SHARED_WITH_RENDERER = ['src/api/amount', 'src/api/errors'];
const shared = (i: Import) => SHARED_WITH_RENDERER.includes(resolved(i).replace(/\.(js|ts)$/, ''));

describe('where code may run', () => {
  const core = sourceFiles('src').flatMap(importsOf);
  // renderer/src is what runs in the page; renderer/vite.config.ts is build tooling run by Node.
  const renderer = sourceFiles('renderer/src').flatMap(importsOf);
  const main = sourceFiles('main').flatMap(importsOf);

  it('finds the code it polices', () => {
    expect(core.length).toBeGreaterThan(50);
    expect(importsOf('src/cli/main.ts').some((i) => i.spec === 'node:util')).toBe(true);
    expect(renderer.some((i) => i.spec === 'react')).toBe(true);
    expect(main.some((i) => i.spec === 'electron')).toBe(true);
  });

  it('src/ never imports electron, react or the renderer', () => {
    const bad = core.filter((i) => UI_OR_SHELL.test(i.spec) || resolved(i).startsWith('renderer') || resolved(i).startsWith('main'));
    expect(bad).toEqual([]);
  });

  it('pure modules do no IO: no node IO modules, no database, no IO folders', () => {
    const bad = core.filter(
      (i) =>
        PURE.some((p) => i.file.startsWith(p)) &&
        !i.typeOnly &&
        (NODE_IO.test(i.spec) || i.spec === 'better-sqlite3' || IO_FOLDERS.some((f) => resolved(i).startsWith(f))),
    );
    expect(bad).toEqual([]);
  });

  it('renderer/ imports no Node, no database, and from src/ only types from src/api and the shared amount rules', () => {
    const bad = renderer.filter(
      (i) =>
        i.spec.startsWith('node:') || NODE_IO.test(i.spec) || i.spec === 'better-sqlite3' || i.spec === 'electron' ||
        (resolved(i).startsWith('src') && !(i.typeOnly && resolved(i).startsWith('src/api')) && !shared(i)),
    );
    expect(bad).toEqual([]);
    expect(renderer.some((i) => !i.typeOnly && resolved(i) === 'src/api/amount.js')).toBe(true);
  });

  it('what the page shares with the core imports nothing but itself', () => {
    const bad = SHARED_WITH_RENDERER.flatMap((m) => importsOf(`${m}.ts`)).filter((i) => !i.typeOnly && !shared(i));
    expect(bad).toEqual([]);
  });

  it('channels/ imports nothing from service/: the service hands the node a ChannelHost (channels/host.ts)', () => {
    const channels = core.filter((i) => i.file.startsWith(path.join('src', 'channels')));
    expect(channels.length).toBeGreaterThan(10);
    expect(channels.filter((i) => resolved(i).startsWith(path.join('src', 'service')))).toEqual([]);
  });

  it('channels/ runs no SQL of its own: its queries live in db/channel-store.ts', () => {
    const files = sourceFiles('src/channels');
    expect(files.length).toBeGreaterThan(5);
    const sql = files.filter((f) => /\.(prepare|pragma)\(|\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(sql).toEqual([]);
  });

  it('main/ stays thin: from the core it may use only src/api', () => {
    const bad = main.filter((i) => resolved(i).startsWith('src') && !resolved(i).startsWith('src/api'));
    expect(bad).toEqual([]);
  });

  it('keys and signatures stay on @noble and @scure: bcoin (with its elliptic 6.4.1) only runs the embedded node', () => {
    // Every package src/ uses, by what it may be used for. bcoin's crypto (bcrypto, elliptic,
    // secp256k1) is never imported; bcoin itself only by the embedded node, which is given no key.
    const allowed = (i: Import) =>
      i.spec.startsWith('.') ||
      i.spec.startsWith('node:') ||
      /^@(noble|scure)\//.test(i.spec) ||
      ['zod', 'ws', 'better-sqlite3'].includes(i.spec) ||
      (i.spec === 'lightningdevkit' && (i.file.startsWith(path.join('src', 'channels')) || i.file === path.join('src', 'cli', 'lightning-commands.ts'))) ||
      (i.spec === 'bcoin' && i.file === path.join('src', 'node', 'embedded-node.ts'));
    expect(core.filter((i) => !allowed(i))).toEqual([]);
    expect(core.some((i) => i.spec === 'bcoin')).toBe(true);
  });

  it('only main/preload.cts touches contextBridge', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('renderer'), ...sourceFiles('main')];
    const users = files.filter((f) => fs.readFileSync(path.join(ROOT, f), 'utf8').includes('contextBridge'));
    expect(users.filter((f) => f !== path.join('main', 'preload.cts'))).toEqual([]);
  });
});
