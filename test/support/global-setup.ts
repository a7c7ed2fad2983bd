import { randomInt } from 'node:crypto';
import { type TestProject } from 'vitest/node';

/** Once per `npm test`: picks (or reads) the run's seed and hands it to every test file (read it with testSeed(), seed.ts). */
export default function setup(project: TestProject): void {
  const given = process.env.SF_TEST_SEED?.trim();
  const seed = given ? Number(given) : randomInt(2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`SF_TEST_SEED must be a non-negative integer, got "${given}"`);
  project.provide('testSeed', seed);
  console.log(
    `test seed ${seed}${given ? ' (SF_TEST_SEED)' : ''}: SF_TEST_SEED=${seed} replays the randomized tests' choices`,
  );
}
