import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The run's seed for randomized tests; per file: fast-check's seed, and no Temporal worker left running.
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites share one PostgreSQL, Kafka and Temporal; each uses its own merchants, topics and task queues.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
