import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('admin grants: an admin grants and revokes roles on its merchant', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let m: { merchantId: string; accounts: Record<string, string> };
  const admin = user('g-admin');
  const newcomer = user('g-newcomer');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    api = await createTestApi({ logger });
    await api.grant(admin, 'admin', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('grant → access on the next request; grant again is idempotent; revoke → gone on the next request', async () => {
    expect((await api.call(newcomer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode).toBe(404);
    const g = { user: newcomer, role: 'viewer', merchant: m.merchantId };
    const granted = await api.call(admin, 'POST', '/admin/grants', g);
    expect(granted.statusCode).toBe(201);
    expect(json(granted)).toEqual({ ...g, created: true });
    expect((await api.call(newcomer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode).toBe(200);
    const again = await api.call(admin, 'POST', '/admin/grants', g);
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ created: false });
    expect(await prisma.casbinRule.count({ where: { ptype: 'g', v0: newcomer, deletedAt: null } })).toBe(1);

    const listed = json<{ items: { user: string; role: string }[] }>(
      await api.call(admin, 'GET', `/admin/grants?merchant=${m.merchantId}`),
    );
    expect(listed.items.map((i) => `${i.user}/${i.role}`).sort()).toEqual(
      [`${admin}/admin`, `${newcomer}/viewer`].sort(),
    );

    expect((await api.call(admin, 'DELETE', '/admin/grants', g)).statusCode).toBe(204);
    expect((await api.call(newcomer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode).toBe(404);
    expect((await api.call(admin, 'DELETE', '/admin/grants', g)).statusCode).toBe(404);
    // Soft-deleted: the audit trail keeps the revoked rule.
    expect(
      await prisma.casbinRule.count({ where: { ptype: 'g', v0: newcomer, deletedAt: { not: null } } }),
    ).toBe(1);
  });
});
