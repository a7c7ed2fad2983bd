import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('accounts: errors', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let m: { merchantId: string; accounts: Record<string, string> };
  const admin = user('ae-admin');

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

  const expectError = async (res: Awaited<ReturnType<TestApi['call']>>, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(json(res)).toMatchObject({
      statusCode: status,
      code,
      message: expect.any(String),
      requestId: expect.any(String),
    });
  };

  it('refuses a code already taken (409) and bad account fields (400)', async () => {
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: m.merchantId,
        code: 'CASH',
        name: 'dup',
        type: 'ASSET',
      }),
      409,
      'ACCOUNT_CODE_TAKEN',
    );
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: m.merchantId,
        code: 'lower',
        name: 'x',
        type: 'ASSET',
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: m.merchantId,
        code: 'OK',
        name: 'x',
        type: 'INCOME',
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: m.merchantId,
        code: 'OK',
        name: '',
        type: 'ASSET',
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: Number(m.merchantId),
        code: 'OK',
        name: 'x',
        type: 'ASSET',
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'POST', '/accounts', {
        merchantId: m.merchantId,
        code: 'OK',
        name: 'x',
        type: 'ASSET',
        isControl: true,
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'PATCH', `/accounts/${m.accounts.BANK}`, {}),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'PATCH', `/accounts/${m.accounts.BANK}`, { code: 'CASH' }),
      409,
      'ACCOUNT_CODE_TAKEN',
    );
  });

  it('refuses to delete an account whose balance is not zero', async () => {
    await postPlan(
      { prisma, ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'ADJUSTMENT',
        sourceType: 'test',
        sourceId: 'fund-bank',
        postedAt: new Date().toISOString(),
        description: 'x',
        createdBy: 'system',
        reason: 'correction',
        lines: [
          { account: { id: m.accounts.BANK! }, direction: 'DEBIT', amount: '5' },
          { account: { id: m.accounts.OWNER_EQUITY! }, direction: 'CREDIT', amount: '5' },
        ],
      },
    );
    await expectError(
      await api.call(admin, 'DELETE', `/accounts/${m.accounts.BANK}`),
      409,
      'ACCOUNT_BALANCE_NOT_ZERO',
    );
    expect((await api.call(admin, 'GET', `/accounts/${m.accounts.BANK}`)).statusCode).toBe(200);
  });

  it('refuses bad ids, cursors, limits and dates', async () => {
    await expectError(await api.call(admin, 'GET', '/accounts/not-an-id'), 400, 'VALIDATION_FAILED');
    await expectError(await api.call(admin, 'GET', '/accounts/9223372036854775808'), 404, 'NOT_FOUND');
    await expectError(await api.call(admin, 'GET', '/accounts?limit=201'), 400, 'VALIDATION_FAILED');
    await expectError(await api.call(admin, 'GET', '/accounts?limit=0'), 400, 'VALIDATION_FAILED');
    await expectError(await api.call(admin, 'GET', '/accounts?cursor=%%%'), 400, 'VALIDATION_FAILED');
    await expectError(
      await api.call(admin, 'GET', '/accounts?cursor=eyJrIjoibGluZXMiLCJzZXEiOiIxIn0'),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(await api.call(admin, 'GET', '/accounts?unknown=1'), 400, 'VALIDATION_FAILED');
    await expectError(
      await api.call(admin, 'GET', `/accounts/${m.accounts.CASH}/balance?at=tomorrow`),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(admin, 'GET', `/accounts/${m.accounts.CASH}/transactions?from=2026-02-30T00:00:00Z`),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(await api.call(admin, 'GET', '/reports/trial-balance'), 400, 'VALIDATION_FAILED');
  });
});
