import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
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

  /** One refused request per row: what is wrong, the request (built once the merchant exists), the answer. */
  type Refusal<T> = [what: string, request: () => T, status: number, code: string];

  const newAccount = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    merchantId: m.merchantId,
    code: 'OK',
    name: 'x',
    type: 'ASSET',
    ...extra,
  });

  it.each<Refusal<Record<string, unknown>>>([
    ['a code already taken', () => newAccount({ code: 'CASH' }), 409, 'ACCOUNT_CODE_TAKEN'],
    ['a lower-case code', () => newAccount({ code: 'lower' }), 400, 'VALIDATION_FAILED'],
    ['an unknown type', () => newAccount({ type: 'INCOME' }), 400, 'VALIDATION_FAILED'],
    ['an empty name', () => newAccount({ name: '' }), 400, 'VALIDATION_FAILED'],
    [
      'a merchant id as a JSON number',
      () => newAccount({ merchantId: Number(m.merchantId) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'isControl (only the system makes control accounts)',
      () => newAccount({ isControl: true }),
      400,
      'VALIDATION_FAILED',
    ],
  ])('POST /accounts refuses %s', async (_case, body, status, code) => {
    await expectError(await api.call(admin, 'POST', '/accounts', body()), status, code);
  });

  it.each<Refusal<Record<string, unknown>>>([
    ['an empty patch', () => ({}), 400, 'VALIDATION_FAILED'],
    ['a code already taken', () => ({ code: 'CASH' }), 409, 'ACCOUNT_CODE_TAKEN'],
  ])('PATCH /accounts/:id refuses %s', async (_case, patch, status, code) => {
    await expectError(await api.call(admin, 'PATCH', `/accounts/${m.accounts.BANK}`, patch()), status, code);
  });

  it('refuses to delete an account whose balance is not zero', async () => {
    await postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
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

  it.each<Refusal<string>>([
    ['an id that is not a number', () => '/accounts/not-an-id', 400, 'VALIDATION_FAILED'],
    [
      'an id beyond int64 (404, like any missing one)',
      () => '/accounts/9223372036854775808',
      404,
      'NOT_FOUND',
    ],
    ['a limit over 200', () => '/accounts?limit=201', 400, 'VALIDATION_FAILED'],
    ['a limit of 0', () => '/accounts?limit=0', 400, 'VALIDATION_FAILED'],
    ['a cursor that is not base64url', () => '/accounts?cursor=%%%', 400, 'VALIDATION_FAILED'],
    [
      "another list's cursor",
      () => '/accounts?cursor=eyJrIjoibGluZXMiLCJzZXEiOiIxIn0',
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown query parameter', () => '/accounts?unknown=1', 400, 'VALIDATION_FAILED'],
    [
      'a balance date that is no date',
      () => `/accounts/${m.accounts.CASH}/balance?at=tomorrow`,
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a ledger date that does not exist',
      () => `/accounts/${m.accounts.CASH}/transactions?from=2026-02-30T00:00:00Z`,
      400,
      'VALIDATION_FAILED',
    ],
    ['a trial balance without merchantId', () => '/reports/trial-balance', 400, 'VALIDATION_FAILED'],
  ])('GET refuses %s', async (_case, url, status, code) => {
    await expectError(await api.call(admin, 'GET', url()), status, code);
  });
});
