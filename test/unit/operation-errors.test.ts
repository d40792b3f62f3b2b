// Each contract method's declared error codes (src/api/operation-errors.ts) against the code: the
// table names only real codes, and every code a static sweep finds reachable from a method's
// handler is declared for it.
//
// The sweep parses src/ (vite's parser, syntax only, no types) and starts at each handler: the
// function under the method's name in a handler map of src/service/. It collects the code of every
// `new CofferError('code', ...)` (both codes of a `cond ? 'a' : 'b'`), and of every `super('code')`
// in a subclass of CofferError, and follows calls of plain names (`plan(...)`, `new RpcError(...)`)
// to their functions and classes, through imports, transitively. It does not follow method calls
// (`wallet.unlock(...)`): without types the callee is unknown, and following every method of that
// name makes every method reach every code. So the test proves declared ⊇ reachable-by-function-
// calls; codes only reached through methods are declared by hand, and the fuzz suite's core API
// cases check every code a call really answered with (test/fuzz/core-fuzz.ts).

import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'vite';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, type Method } from '../../src/api/contract.js';
import { ERROR_CODES } from '../../src/api/errors.js';
import { errorsOf, EVERY_CALL, METHOD_ERRORS } from '../../src/api/operation-errors.js';

interface Node {
  type: string;
  [key: string]: unknown;
}
interface Fn {
  file: string;
  node: Node;
}
interface Module {
  program: Node;
  fns: Map<string, Fn>;
  imports: Map<string, { file: string; name: string }>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
const n = (v: unknown): Node => v as Node;

/** Every child node, in any field. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === 'type') continue;
    if (Array.isArray(v)) out.push(...v.filter(isNode));
    else if (isNode(v)) out.push(v);
  }
  return out;
}

function loadModules(): Map<string, Module> {
  const files = (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join('src', f));
  const mods = new Map<string, Module>();
  for (const file of files) {
    const r = parseSync(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), { lang: 'ts' });
    if (r.errors.length > 0) throw new Error(`${file}: ${r.errors[0]!.message}`);
    mods.set(file, { program: r.program as unknown as Node, fns: new Map(), imports: new Map() });
  }
  for (const [file, m] of mods) {
    for (const top of m.program['body'] as Node[]) {
      let st = top;
      if (top.type === 'ImportDeclaration') {
        const spec = String(n(top['source'])['value']);
        const target = spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts') : '';
        if (!mods.has(target)) continue;
        for (const s of top['specifiers'] as Node[]) {
          if (s.type !== 'ImportSpecifier') continue;
          const imported = n(s['imported']);
          m.imports.set(String(n(s['local'])['name']), { file: target, name: String(imported['name'] ?? imported['value']) });
        }
        continue;
      }
      if (top.type === 'ExportNamedDeclaration' && isNode(top['declaration'])) st = top['declaration'];
      const id = isNode(st['id']) ? String(st['id']['name']) : undefined;
      if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && id) m.fns.set(id, { file, node: st });
      if (st.type === 'VariableDeclaration') {
        for (const d of st['declarations'] as Node[]) {
          if (n(d['id']).type === 'Identifier' && isNode(d['init'])) m.fns.set(String(n(d['id'])['name']), { file, node: d['init'] });
        }
      }
    }
  }
  return mods;
}

function sweep() {
  const mods = loadModules();
  const lookup = (file: string, name: string, hops = 0): Fn | undefined => {
    const m = mods.get(file)!;
    const imp = m.imports.get(name);
    return m.fns.get(name) ?? (imp && hops < 8 ? lookup(imp.file, imp.name, hops + 1) : undefined);
  };
  const memo = new Map<Node, Set<string>>();
  const onStack = new Set<Node>();
  const codesOf = (fn: Fn): Set<string> => {
    const known = memo.get(fn.node);
    if (known) return known;
    if (onStack.has(fn.node)) return new Set();
    onStack.add(fn.node);
    const out = new Set<string>();
    const cofferClass = fn.node.type === 'ClassDeclaration' && n(fn.node['superClass'] ?? { type: '' })['name'] === 'CofferError';
    const visit = (node: Node): void => {
      if (node.type === 'NewExpression' || node.type === 'CallExpression') {
        const callee = n(node['callee']);
        if ((node.type === 'NewExpression' && callee['name'] === 'CofferError') || (cofferClass && callee.type === 'Super')) {
          const a = (node['arguments'] as Node[])[0];
          const literals = a?.type === 'ConditionalExpression' ? [n(a['consequent']), n(a['alternate'])] : a ? [a] : [];
          for (const l of literals) out.add(l.type === 'Literal' ? String(l['value']) : `<not a literal> in ${fn.file}`);
        } else if (callee.type === 'Identifier') {
          const target = lookup(fn.file, String(callee['name']));
          if (target) for (const c of codesOf(target)) out.add(c);
        }
      }
      children(node).forEach(visit);
    };
    visit(fn.node.type === 'ClassDeclaration' ? n(fn.node['body']) : fn.node);
    onStack.delete(fn.node);
    memo.set(fn.node, out);
    return out;
  };
  // The handlers: a property named by a method in an object of src/service/.
  const handlers = new Map<Method, Fn[]>();
  const methods = new Set<string>(METHOD_NAMES);
  for (const [file, m] of mods) {
    if (!file.startsWith(`src${path.sep}service${path.sep}`)) continue;
    const visit = (node: Node): void => {
      const key = isNode(node['key']) ? node['key'] : undefined;
      if (node.type === 'Property' && key?.type === 'Literal' && methods.has(String(key['value'])) && isNode(node['value'])) {
        const list = handlers.get(String(key['value']) as Method) ?? [];
        list.push({ file, node: node['value'] });
        handlers.set(String(key['value']) as Method, list);
      }
      children(node).forEach(visit);
    };
    visit(m.program);
  }
  return { handlers, reachable: (method: Method) => new Set((handlers.get(method) ?? []).flatMap((h) => [...codesOf(h)])) };
}

describe('errors per operation', () => {
  const codes = new Set<string>(ERROR_CODES);

  it('every method has an entry, and every code in the table is a real one', () => {
    expect(Object.keys(METHOD_ERRORS).sort()).toEqual([...METHOD_NAMES].sort());
    for (const method of METHOD_NAMES) {
      for (const code of errorsOf(method)) expect(codes.has(code), `${method}: ${code}`).toBe(true);
    }
    expect(EVERY_CALL).toContain('usage');
  });

  const { handlers, reachable } = sweep();

  it('the sweep finds one handler per method and follows calls across files', () => {
    for (const method of METHOD_NAMES) expect(handlers.get(method)?.length, method).toBe(1);
    // send.preview reaches these only through functions of other files (spend-flows, spend-service,
    // coin selection, policy): proof that the sweep follows calls and imports.
    const preview = reachable('send.preview');
    for (const code of ['insufficient-funds', 'fee-too-low', 'amount-below-dust', 'transaction-too-large']) expect(preview.has(code), code).toBe(true);
    // A throw in the handler's own body counts too.
    expect(reachable('app.open').has('no-wallet')).toBe(true);
  });

  it('every code reachable from a handler is declared for its method', () => {
    const undeclared: string[] = [];
    for (const method of METHOD_NAMES) {
      const declared = new Set<string>(errorsOf(method));
      for (const code of reachable(method)) if (!declared.has(code)) undeclared.push(`${method}: ${code}`);
    }
    expect(undeclared).toEqual([]);
  });
});
