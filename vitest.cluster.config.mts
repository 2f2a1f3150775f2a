import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the tests of test/cluster against a real cluster (scripts/cluster.ts) that the global
// setup brings up — building the Temporal server on a fresh machine takes minutes — and tears down. One file at
// a time: the tests kill and restart the cluster's processes.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
