import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authorizer } from '../../src/auth/authorizer.js';
import { grant } from '../../src/auth/grants.js';
import { policyKeys } from '../../src/auth/roles.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { testPrisma } from '../support/db.js';
import { testEnv, uniqueMerchantId, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';

/**
 * The decision cache is read where it is written: a decision planted under
 * the current policy version is what the authorizer answers (so a warm
 * request never runs Casbin), and a policy change makes it unreachable.
 */
describe('authorization decision cache', () => {
  const logs = capturingLogger('warn');
  const keyPrefix = `${uniqueName('authz')}:`;
  const keys = policyKeys(keyPrefix);
  let prisma: PrismaClient;
  let redis: Redis;
  let authz: Authorizer;

  beforeAll(async () => {
    prisma = await testPrisma(2);
    redis = new Redis(testEnv.redisUrl);
    // A long recheck: the planted decisions below must be read, not re-derived after a PostgreSQL check.
    authz = await Authorizer.create({
      db: dbOf(prisma),
      redis,
      keyPrefix,
      logger: logs.logger,
      policyRecheckMs: 60_000,
    });
  });
  afterAll(async () => {
    await authz?.close();
    redis?.disconnect();
    await prisma?.$disconnect();
  });

  it('answers from the key it stored, under the current version, until the policy changes', async () => {
    const user = uniqueName('viewer');
    const merchant = uniqueMerchantId();
    await grant({ db: dbOf(prisma), redis, keyPrefix }, { user, role: 'viewer', merchant });
    expect(await authz.can(user, merchant, 'account', 'read')).toBe(true);

    const version = (await redis.get(keys.version))!;
    const key = keys.decision(version, `can:${merchant}:account:read:${user}`);
    expect(await redis.get(key)).toBe('1');
    expect(await redis.ttl(key)).toBeGreaterThan(0);

    // Plant the opposite decision: a cache that is really read now answers "no".
    await redis.set(key, '0', 'EX', 60);
    expect(await authz.can(user, merchant, 'account', 'read')).toBe(false);

    // Any policy change bumps the version: the planted decision is never read again.
    await grant(
      { db: dbOf(prisma), redis, keyPrefix },
      { user: uniqueName('other'), role: 'viewer', merchant },
    );
    expect(await authz.can(user, merchant, 'account', 'read')).toBe(true);
  });

  it('caches list scopes the same way', async () => {
    const user = uniqueName('viewer');
    const merchant = uniqueMerchantId();
    await grant({ db: dbOf(prisma), redis, keyPrefix }, { user, role: 'viewer', merchant });
    expect(await authz.scope(user, 'voucher', 'read')).toEqual({ all: false, merchantIds: [merchant] });
    const version = (await redis.get(keys.version))!;
    const key = keys.decision(version, `scope:voucher:read:${user}`);
    expect(JSON.parse((await redis.get(key))!)).toEqual({ all: false, merchantIds: [merchant] });
    await redis.set(key, JSON.stringify({ all: false, merchantIds: [] }), 'EX', 60);
    expect(await authz.scope(user, 'voucher', 'read')).toEqual({ all: false, merchantIds: [] });
  });
});
