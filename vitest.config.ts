import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two test files more than there are cores: most files spend much of their time waiting on
    // nodes, peers, servers and timers (three at a time used about 150% of two cores).
    maxWorkers: availableParallelism() + 2,
    // Regtest wallets made by the tests (their coins are worthless) derive their keystore key at
    // scrypt N = 2^12 instead of 2^18: the same code, 64 times less work; the full cost, and that
    // no other network accepts a cheaper one, is tested in keystore and wallet-service tests.
    env: { COFFER_REGTEST_KDF_LOGN: '12' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    sequence: { sequencer: LongestFirst },
    reporters: ['default'],
  },
});
