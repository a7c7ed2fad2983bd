import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('admin grants: only admins, only on their merchants', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let mine: { merchantId: string };
  let theirs: { merchantId: string };
  const admin = user('gs-admin');
  const accountant = user('gs-accountant');

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, logger);
    theirs = await createTestMerchant(prisma, logger);
    api = await createTestApi({ logger });
    await api.grant(admin, 'admin', mine.merchantId);
    await api.grant(accountant, 'accountant', mine.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('a non-admin cannot grant (403 on its merchant, 404 elsewhere), nor escalate itself', async () => {
    const self = { user: accountant, role: 'admin', merchant: mine.merchantId };
    const res = await api.call(accountant, 'POST', '/admin/grants', self);
    expect(res.statusCode).toBe(403);
    expect((await api.call(accountant, 'GET', `/admin/grants?merchant=${mine.merchantId}`)).statusCode).toBe(
      403,
    );
    expect(
      (
        await api.call(accountant, 'DELETE', '/admin/grants', {
          user: admin,
          role: 'admin',
          merchant: mine.merchantId,
        })
      ).statusCode,
    ).toBe(403);
    expect(
      await prisma.casbinRule.count({
        where: { ptype: 'g', v0: accountant, v1: 'role:admin', deletedAt: null },
      }),
    ).toBe(0);
  });

  it('an admin of one merchant cannot grant on another merchant, nor on *', async () => {
    expect(
      (
        await api.call(admin, 'POST', '/admin/grants', {
          user: admin,
          role: 'admin',
          merchant: theirs.merchantId,
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await api.call(admin, 'POST', '/admin/grants', { user: admin, role: 'admin', merchant: '*' }))
        .statusCode,
    ).toBe(404);
    expect((await api.call(admin, 'GET', `/admin/grants?merchant=${theirs.merchantId}`)).statusCode).toBe(
      404,
    );
  });

  it('validates grants', async () => {
    for (const bad of [
      { user: 'x', role: 'owner', merchant: mine.merchantId },
      { user: 'has space', role: 'viewer', merchant: mine.merchantId },
      { user: 'a,b', role: 'viewer', merchant: mine.merchantId },
      { user: 'x', role: 'viewer', merchant: 'all' },
      { user: 'x', role: 'viewer' },
      { user: 'x', role: 'viewer', merchant: mine.merchantId, extra: 1 },
    ]) {
      const res = await api.call(admin, 'POST', '/admin/grants', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
    }
  });
});
