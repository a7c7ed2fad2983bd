import fc from 'fast-check';
import { afterAll, beforeEach } from 'vitest';
import { testSeed } from './seed.js';
import { stopLeftoverWorkers } from './worker-registry.js';

/**
 * Runs before every test file (vitest `setupFiles`).
 *
 * Randomized tests replay from the run's seed: fast-check takes it as its
 * global seed, and every failure names it.
 */
const seed = testSeed();
fc.configureGlobal({ seed });
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.error(`replay this run's random choices with SF_TEST_SEED=${seed}`);
  });
});

/** Every Temporal Worker a test starts is shut down by that test; a leftover fails the file. */
afterAll(async () => {
  const leftovers = await stopLeftoverWorkers();
  if (leftovers.length > 0)
    throw new Error(
      `Temporal worker(s) still running after this file's own hooks, on task queue(s) ${leftovers.join(', ')}: stop every worker a test starts (afterAll or finally)`,
    );
});
