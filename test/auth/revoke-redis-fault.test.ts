import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../../src/auth/grants.js';
import { readPolicyVersion } from '../../src/db/policies.js';
import { policyKeys } from '../../src/auth/roles.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createTestApi, user, type TestApi } from '../api/support.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { privateRedis } from '../support/private-redis.js';

const RECHECK_MS = 2_000;

/**
 * A revoke survives a Redis fault: Redis goes away after the rule was
 * written and before the change could be announced, then comes back with
 * everything it held — the old policy version and the cached "allowed"
 * decision. The API replica still drops the access within its recheck
 * interval, because PostgreSQL, not Redis, owns the policy version.
 */
describe('a revoke whose Redis notification is lost', () => {
  const logs = capturingLogger('info');
  const keyPrefix = `${uniqueName('sfrf')}:`;
  const keys = policyKeys(keyPrefix);
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let prisma: PrismaClient;
  let api: TestApi;
  let merchant: { merchantId: string; accounts: Record<string, string> };
  const reader = user('rf-reader');

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    prisma = await testPrisma(2);
    merchant = await createTestMerchant(prisma, logs.logger);
    api = await createTestApi({
      logger: logs.logger,
      keyPrefix,
      overrides: { redis: { url: redis.url, keyPrefix }, authz: { policyRecheckMs: RECHECK_MS } },
    });
    await api.grant(reader, 'viewer', merchant.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await redis?.dispose();
    await prisma?.$disconnect();
  });

  const read = () => api.call(reader, 'GET', `/accounts/${merchant.accounts.CASH}`);

  it('loses access within the recheck interval once Redis is back with the stale version', async () => {
    expect((await read()).statusCode).toBe(200);
    const before = (await api.app.redis.get(keys.version))!;
    // The read route decides with the caller's merchant scope, cached under the version.
    const allowedKey = keys.decision(before, `scope:account:read:${reader}`);
    const allowed = JSON.stringify({ all: false, merchantIds: [merchant.merchantId] });
    expect(await api.app.redis.get(allowedKey)).toBe(allowed);

    await redis.stop();
    const result = await revoke(
      { db: dbOf(prisma), redis: api.app.redis, keyPrefix },
      { user: reader, role: 'viewer', merchant: merchant.merchantId },
    );
    // Written in PostgreSQL with its new version, in one transaction; the announcement was lost.
    // (Other suites share the database and may bump the version further meanwhile: never below ours.)
    expect(result).toMatchObject({ revoked: true, announced: false });
    expect(BigInt(await readPolicyVersion(dbOf(prisma)))).toBeGreaterThanOrEqual(BigInt(result.version!));

    await redis.start();
    await api.app.redis.ping();
    const backAt = Date.now();
    // Redis came back with what it held: the old version and the cached "allowed" decision,
    // which is what a replica trusting Redis alone would go on answering.
    expect(await api.app.redis.get(keys.version)).toBe(before);
    expect(await api.app.redis.get(allowedKey)).toBe(allowed);

    let status = (await read()).statusCode;
    while (status === 200 && Date.now() - backAt < RECHECK_MS + 5_000) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await read()).statusCode;
    }
    const lostAfterMs = Date.now() - backAt;
    console.log(`revoked access refused ${lostAfterMs} ms after Redis came back (recheck ${RECHECK_MS} ms)`);
    expect(status).toBe(404);
    // The bound is the recheck interval plus a request's own time (generous: the suite runs on a loaded machine);
    // a replica trusting Redis alone would answer 200 for the cached decision's whole TTL (300 s).
    expect(lostAfterMs).toBeLessThanOrEqual(RECHECK_MS + 2_000);
    // And it stays refused; Redis's copy of the version was repaired from PostgreSQL.
    for (let i = 0; i < 5; i += 1) expect((await read()).statusCode).toBe(404);
    expect(BigInt((await api.app.redis.get(keys.version))!)).toBeGreaterThanOrEqual(BigInt(result.version!));
  });
});
