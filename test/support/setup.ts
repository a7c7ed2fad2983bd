import { afterAll } from 'vitest';
import { stopLeftoverWorkers } from './worker-registry.js';

/** Runs before every test file (vitest `setupFiles`). */

/** Every Temporal Worker a test starts is shut down by that test; a leftover fails the file. */
afterAll(async () => {
  const leftovers = await stopLeftoverWorkers();
  if (leftovers.length > 0)
    throw new Error(
      `Temporal worker(s) still running after this file's own hooks, on task queue(s) ${leftovers.join(', ')}: stop every worker a test starts (afterAll or finally)`,
    );
});
