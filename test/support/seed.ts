import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's seed for randomized tests (test/support/global-setup.ts). */
    testSeed: number;
  }
}

/**
 * The seed of this test run: SF_TEST_SEED when given, else one chosen at
 * random when the run starts. It is printed then and with every failure, so
 * `SF_TEST_SEED=<seed> npm test -- <file>` replays a failure's random choices.
 */
export const testSeed = (): number => inject('testSeed');

/**
 * Deterministic numbers in [0, 1) for one purpose (`label`) of one test: the
 * same seed and label give the same stream, different labels independent ones.
 */
export function seededRandom(label: string, seed = testSeed()): () => number {
  // FNV-1a over the label, mixed into the seed, then mulberry32.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i += 1) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  let state = (seed ^ h) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
