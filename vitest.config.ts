import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Per file: no Temporal worker left running.
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites share one PostgreSQL, Kafka and Temporal; each uses its own merchants, topics and task queues.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
