import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One test file more than there are cores: with keys derived at the regtest test cost, most
    // files spend much of their time waiting on nodes, peers and timers (a whole run used about one
    // of two cores with two files at a time).
    maxWorkers: availableParallelism() + 1,
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
