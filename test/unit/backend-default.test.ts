// Which chain source is used when none is chosen (compact filters, but BIP37 on regtest, whose
// bcoin test nodes serve no filters), what a saved setting keeps, and the one-line BIP37 warning.

import { describe, expect, it } from 'vitest';
import { backendName, backendSettingFor, sourceFor } from '../../src/cli/backend.js';
import type { Context } from '../../src/cli/command.js';
import { NETWORKS, type Network } from '../../src/keys/networks.js';
import { BLOOM_WARNING, defaultBackendKind } from '../../src/node/source-factory.js';
import { readBackend } from '../../src/service/backend-setting.js';
import type { WalletService } from '../../src/service/wallet-service.js';
import { nullLogger } from '../../src/service/log.js';

/** A command's context with these flags; what it says on stderr lands in `said`. */
function context(network: Network, options: Record<string, string>): Context & { said: string[] } {
  const said: string[] = [];
  const ctx = {
    datadir: '/nonexistent',
    network,
    options,
    positionals: [],
    env: {},
    io: { isTTY: false, prompt: async () => '', confirm: async () => false, say: (t: string) => void said.push(t) },
    wallet: () => {
      throw new Error('no wallet in this test');
    },
    password: async () => '',
    said,
  };
  return ctx;
}

/** A wallet whose database holds this backend setting (or none). */
const walletWith = (network: Network, saved?: string) => ({ network, meta: (key: string) => (key === 'backend' ? saved : undefined) }) as unknown as WalletService;

describe('the default chain source', () => {
  it('is compact filters on main, test and signet, and BIP37 on regtest', () => {
    expect(Object.fromEntries(NETWORKS.map((n) => [n, defaultBackendKind(n)]))).toEqual({ main: 'filters', test: 'filters', signet: 'filters', regtest: 'spv' });
  });

  it('is what a command without --backend uses', () => {
    for (const n of NETWORKS) expect(backendName(context(n, {}))).toBe(defaultBackendKind(n));
    expect(backendName(context('main', { backend: 'spv' }))).toBe('spv');
    expect(backendName(context('regtest', { backend: 'filters' }))).toBe('filters');
  });

  it("is the app's when the wallet saved none; a saved setting stays as it is", () => {
    expect(readBackend(walletWith('main'))).toEqual({ kind: 'filters', connect: [] });
    expect(readBackend(walletWith('signet'))).toEqual({ kind: 'filters', connect: [] });
    expect(readBackend(walletWith('regtest'))).toEqual({ kind: 'spv', connect: [] });
    expect(readBackend(walletWith('main', JSON.stringify({ kind: 'spv', connect: ['10.0.0.2:8333'] })))).toEqual({ kind: 'spv', connect: ['10.0.0.2:8333'] });
  });

  it('takes --proxy with compact filters, the default, as with BIP37', () => {
    const ctx = context('main', { proxy: 'socks5://127.0.0.1:9050' });
    expect(backendSettingFor({ ...ctx, options: { ...ctx.options, backend: 'filters' } })).toEqual({ kind: 'filters', connect: [], proxy: 'socks5://127.0.0.1:9050' });
    expect(() => sourceFor(ctx, nullLogger)).not.toThrow();
  });
});

describe('the BIP37 warning', () => {
  it('is one line on stderr for --backend spv on main, test and signet, once per command', () => {
    for (const n of ['main', 'test', 'signet'] as const) {
      const ctx = context(n, { backend: 'spv' });
      sourceFor(ctx, nullLogger);
      sourceFor(ctx, nullLogger);
      expect(ctx.said).toEqual([`${BLOOM_WARNING}\n`]);
    }
    const saving = context('main', { backend: 'spv' });
    backendSettingFor(saving);
    expect(saving.said).toEqual(['warning: bloom filters (BIP37) tell every peer which addresses are yours; --backend filters does not\n']);
  });

  it('is not said on regtest, nor for any other source', () => {
    const quiet = [context('regtest', { backend: 'spv' }), context('regtest', {}), context('main', {}), context('main', { backend: 'filters' })];
    for (const ctx of quiet) sourceFor(ctx, nullLogger);
    expect(quiet.flatMap((c) => c.said)).toEqual([]);
  });
});
