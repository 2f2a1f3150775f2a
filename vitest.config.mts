import { defineConfig } from 'vitest/config';

// Temporal's native core and workflow bundler need process isolation (forks) and generous timeouts.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/cloud/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/activities/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        // Headless Chromium against the embedded stack (its own dev server, with the Web UI); skipped, saying
        // why, where no Chromium is installed (test/browser/chromium.ts).
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
