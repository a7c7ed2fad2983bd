import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('vouchers: tenancy and roles', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let mine: { merchantId: string; accounts: Record<string, string> };
  let theirs: { merchantId: string; accounts: Record<string, string> };
  let myVoucher: string;
  let theirVoucher: string;
  const viewer = user('vs-viewer');
  const accountant = user('vs-accountant');

  const sale = async (merchantId: string) =>
    (await postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId,
        voucherType: 'SALE',
        sourceType: 'sale.order',
        sourceId: uniqueName('o'),
        postedAt: new Date().toISOString(),
        description: 'sale',
        createdBy: 'system',
        lines: [
          { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
          { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
        ],
      },
    ))!.voucherId;

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, logger);
    theirs = await createTestMerchant(prisma, logger);
    // No worker: every request here must be refused before a workflow starts.
    api = await createTestApi({ logger, waitMs: 200 });
    await api.grant(viewer, 'viewer', mine.merchantId);
    await api.grant(accountant, 'accountant', mine.merchantId);
    myVoucher = await sale(mine.merchantId);
    theirVoucher = await sale(theirs.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  const body = (merchantId: string, accounts: Record<string, string>) => ({
    merchantId,
    type: 'ADJUSTMENT',
    reason: 'correction',
    lines: [
      { accountId: accounts.CASH, direction: 'DEBIT', amount: '1' },
      { accountId: accounts.OWNER_EQUITY, direction: 'CREDIT', amount: '1' },
    ],
  });

  it("answers 404 for another tenant's voucher and for voiding it", async () => {
    expect((await api.call(accountant, 'GET', `/vouchers/${myVoucher}`)).statusCode).toBe(200);
    const get = await api.call(accountant, 'GET', `/vouchers/${theirVoucher}`);
    expect(get.statusCode).toBe(404);
    expect(json(get).code).toBe('NOT_FOUND');
    const voided = await api.call(accountant, 'POST', `/vouchers/${theirVoucher}/void`, {
      reason: 'not yours',
    });
    expect(voided.statusCode).toBe(404);
    const row = await prisma.financeVoucher.findUnique({ where: { id: BigInt(theirVoucher) } });
    expect(row?.status).toBe('POSTED');
  });

  it("answers 404 for a manual voucher on another tenant's merchant, and lists only own vouchers", async () => {
    const res = await api.call(accountant, 'POST', '/vouchers', body(theirs.merchantId, theirs.accounts), {
      'idempotency-key': uniqueName('k'),
    });
    expect(res.statusCode).toBe(404);
    const list = json<{ items: { merchantId: string }[] }>(
      await api.call(accountant, 'GET', '/vouchers?limit=200'),
    );
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((v) => v.merchantId === mine.merchantId)).toBe(true);
    expect(json(await api.call(accountant, 'GET', `/vouchers?merchantId=${theirs.merchantId}`))).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('a viewer can read but cannot post or void (403)', async () => {
    expect((await api.call(viewer, 'GET', `/vouchers/${myVoucher}`)).statusCode).toBe(200);
    const post = await api.call(viewer, 'POST', '/vouchers', body(mine.merchantId, mine.accounts), {
      'idempotency-key': uniqueName('k'),
    });
    expect(post.statusCode).toBe(403);
    expect(json(post).code).toBe('FORBIDDEN');
    const voided = await api.call(viewer, 'POST', `/vouchers/${myVoucher}/void`, { reason: 'nope' });
    expect(voided.statusCode).toBe(403);
    expect((await prisma.financeVoucher.findUnique({ where: { id: BigInt(myVoucher) } }))?.status).toBe(
      'POSTED',
    );
  });

  it('an accountant cannot manage accounts or integrations', async () => {
    expect(
      (
        await api.call(accountant, 'POST', '/accounts', {
          merchantId: mine.merchantId,
          code: 'ACC',
          name: 'x',
          type: 'ASSET',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await api.call(accountant, 'POST', '/payment-integrations', {
          merchantId: mine.merchantId,
          provider: 'stripe',
          name: 'x',
          credential: 'sk_test_123456789',
        })
      ).statusCode,
    ).toBe(403);
  });
});
