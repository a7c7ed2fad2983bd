import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('accounts: tenancy and roles', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let replica: TestApi;
  let mine: { merchantId: string; accounts: Record<string, string> };
  let theirs: { merchantId: string; accounts: Record<string, string> };
  const viewer = user('sec-viewer');
  const admin = user('sec-admin');
  const nobody = user('sec-nobody');

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, logger);
    theirs = await createTestMerchant(prisma, logger);
    api = await createTestApi({ logger });
    // A second API replica sharing Redis (same key prefix) and the identity provider.
    replica = await createTestApi({ logger, identity: api.identity, keyPrefix: api.keyPrefix });
    await api.grant(viewer, 'viewer', mine.merchantId);
    await api.grant(admin, 'admin', mine.merchantId);
  });

  afterAll(async () => {
    await replica?.close();
    await api?.close();
    await prisma?.$disconnect();
  });

  it("answers 404, exactly as for a missing account, for another tenant's account, ledger and balance", async () => {
    const missing = await api.call(viewer, 'GET', '/accounts/999999999999999999');
    expect(missing.statusCode).toBe(404);
    for (const path of ['', '/transactions', '/balance']) {
      const res = await api.call(viewer, 'GET', `/accounts/${theirs.accounts.CASH}${path}`);
      expect(res.statusCode).toBe(404);
      const { requestId: _a, ...body } = json(res);
      const { requestId: _b, ...missingBody } = json(missing);
      expect(body).toEqual(missingBody);
    }
    expect(
      (await api.call(viewer, 'GET', `/reports/trial-balance?merchantId=${theirs.merchantId}`)).statusCode,
    ).toBe(404);
    expect(
      (await api.call(admin, 'PATCH', `/accounts/${theirs.accounts.CASH}`, { name: 'mine now' })).statusCode,
    ).toBe(404);
    expect((await api.call(admin, 'DELETE', `/accounts/${theirs.accounts.BANK}`)).statusCode).toBe(404);
    expect(
      (
        await api.call(admin, 'POST', '/accounts', {
          merchantId: theirs.merchantId,
          code: 'X1',
          name: 'x',
          type: 'ASSET',
        })
      ).statusCode,
    ).toBe(404);
  });

  it('filters lists and counts to granted merchants, and shows nothing without a grant', async () => {
    const list = json<{ items: { merchantId: string }[] }>(
      await api.call(viewer, 'GET', '/accounts?limit=200'),
    );
    expect(list.items.every((a) => a.merchantId === mine.merchantId)).toBe(true);
    expect(json(await api.call(nobody, 'GET', '/accounts'))).toEqual({ items: [], nextCursor: null });
    expect(json(await api.call(nobody, 'GET', '/accounts/count'))).toEqual({ count: 0 });
    expect((await api.call(nobody, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(404);
  });

  it('lets a viewer read but not manage accounts (403 within its own merchant)', async () => {
    expect(
      (
        await api.call(viewer, 'POST', '/accounts', {
          merchantId: mine.merchantId,
          code: 'VIEWER_MADE',
          name: 'x',
          type: 'ASSET',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (await api.call(viewer, 'PATCH', `/accounts/${mine.accounts.CASH}`, { name: 'renamed' })).statusCode,
    ).toBe(403);
    expect((await api.call(viewer, 'DELETE', `/accounts/${mine.accounts.BANK}`)).statusCode).toBe(403);
  });

  it('protects control accounts', async () => {
    const recode = await api.call(admin, 'PATCH', `/accounts/${mine.accounts.RECEIVABLE}`, { code: 'AR' });
    expect(recode.statusCode).toBe(409);
    expect(json(recode).code).toBe('CONTROL_ACCOUNT_PROTECTED');
    const del = await api.call(admin, 'DELETE', `/accounts/${mine.accounts.INVENTORY}`);
    expect(json(del).code).toBe('CONTROL_ACCOUNT_PROTECTED');
  });

  it('a revoked grant stops access on the next request, on every replica, even with a warm cache', async () => {
    const reader = user('sec-revoked');
    await api.grant(reader, 'viewer', mine.merchantId);
    for (const node of [api, replica]) {
      expect((await node.call(reader, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(200);
      expect((await node.call(reader, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(200);
      expect(json<{ count: number }>(await node.call(reader, 'GET', '/accounts/count')).count).toBe(11);
    }
    await api.revoke(reader, 'viewer', mine.merchantId);
    expect((await replica.call(reader, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(404);
    expect((await api.call(reader, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(404);
    expect(json<{ count: number }>(await replica.call(reader, 'GET', '/accounts/count')).count).toBe(0);
  });

  it('a * grant sees every merchant', async () => {
    const auditor = user('sec-auditor');
    await api.grant(auditor, 'viewer', '*');
    expect((await api.call(auditor, 'GET', `/accounts/${theirs.accounts.CASH}`)).statusCode).toBe(200);
    expect((await api.call(auditor, 'GET', `/accounts/${mine.accounts.CASH}`)).statusCode).toBe(200);
    expect(
      (
        await api.call(auditor, 'POST', '/accounts', {
          merchantId: theirs.merchantId,
          code: 'AUD',
          name: 'x',
          type: 'ASSET',
        })
      ).statusCode,
    ).toBe(403);
    await api.revoke(auditor, 'viewer', '*');
  });
});
