import { type Redis } from 'ioredis';
import { policyKeys } from './roles.js';

/**
 * The authorization policy's version. PostgreSQL holds it (db/policies.ts),
 * bumped in the very transaction that changes a rule, so a committed grant
 * or revoke always has a newer version than the policies loaded before it.
 * Redis holds a cached copy (the key decisions are cached under) and carries
 * the change notification; if Redis loses either, each API replica still
 * re-reads the version from PostgreSQL when its knowledge of it gets older
 * than its recheck interval.
 */

/** Sets the cached copy unless Redis already holds a newer one (concurrent changes), then notifies. */
const ANNOUNCE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1`;

/** Replaces the cached copy only if it is still what the replica saw (never overwrites a newer notification). */
const REPAIR = `
if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0`;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/**
 * Tells every replica about a committed change. Best effort: the change is
 * already in PostgreSQL, so a Redis fault here delays it by at most the
 * replicas' recheck interval instead of failing (or losing) it. Returns
 * whether Redis took it.
 */
export async function announcePolicyVersion(
  redis: Redis,
  keyPrefix: string,
  version: string,
  reason: string,
  timeoutMs = 2_000,
): Promise<boolean> {
  const keys = policyKeys(keyPrefix);
  try {
    await withTimeout(
      redis.eval(ANNOUNCE, 2, keys.version, keys.channel, version, JSON.stringify({ version, reason })),
      timeoutMs,
    );
    return true;
  } catch {
    return false;
  }
}

/** After a replica re-read PostgreSQL: puts the true version back in Redis if Redis still has the stale one it saw. */
export async function repairCachedVersion(
  redis: Redis,
  keyPrefix: string,
  seen: string,
  version: string,
): Promise<void> {
  await redis.eval(REPAIR, 1, policyKeys(keyPrefix).version, seen, version);
}
