import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { createTestApi, json, startApiTestWorker, user, type TestApi } from './support.js';

describe('vouchers: errors', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let slow: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: { merchantId: string; accounts: Record<string, string> };
  let other: { merchantId: string; accounts: Record<string, string> };
  const accountant = user('ve-accountant');
  const key = () => uniqueName('k');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    other = await createTestMerchant(prisma, logger);
    worker = await startApiTestWorker(prisma, logger);
    api = await createTestApi({ logger, taskQueue: worker.taskQueue });
    // Same Redis namespace and identity, but a task queue nobody polls: every write stays pending.
    slow = await createTestApi({ logger, identity: api.identity, keyPrefix: api.keyPrefix, waitMs: 300 });
    await api.grant(accountant, 'accountant', m.merchantId);
  });

  afterAll(async () => {
    await slow?.close();
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const lines = (a: string, b: string, amountA: unknown = '10.00', amountB: unknown = '10.00') => [
    { accountId: a, direction: 'DEBIT', amount: amountA },
    { accountId: b, direction: 'CREDIT', amount: amountB },
  ];
  const correction = (extra: Record<string, unknown> = {}) => ({
    merchantId: m.merchantId,
    type: 'ADJUSTMENT',
    reason: 'correction',
    lines: lines(m.accounts.CASH!, m.accounts.OWNER_EQUITY!),
    ...extra,
  });
  const expectError = async (res: Awaited<ReturnType<TestApi['call']>>, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    const body = json(res);
    expect(body).toMatchObject({ statusCode: status, code, requestId: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/SELECT|INSERT|prisma|at .*\.ts:\d+/i);
  };

  it('requires an Idempotency-Key', async () => {
    await expectError(
      await api.call(accountant, 'POST', '/vouchers', correction()),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': 'has space' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('answers 409 when a key is reused with a different body', async () => {
    const k = key();
    expect(
      (await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': k })).statusCode,
    ).toBe(201);
    const res = await api.call(accountant, 'POST', '/vouchers', correction({ description: 'changed' }), {
      'idempotency-key': k,
    });
    await expectError(res, 409, 'IDEMPOTENCY_KEY_REUSED');
  });

  /** One refused request per row: what is wrong, the request (built once the merchants exist), the answer. */
  type Refusal<T> = [what: string, request: () => T, status: number, code: string];
  const amounts = (a: unknown, b: unknown) =>
    correction({ lines: lines(m.accounts.CASH!, m.accounts.OWNER_EQUITY!, a, b) });

  it.each<Refusal<Record<string, unknown>>>([
    ['unbalanced lines', () => amounts('10.00', '9.99'), 422, 'UNBALANCED_VOUCHER'],
    ['amounts as JSON numbers', () => amounts(10.5, 10.5), 400, 'VALIDATION_FAILED'],
    ['zero amounts', () => amounts('0', '0'), 400, 'VALIDATION_FAILED'],
    ['amounts with five fraction digits', () => amounts('1.23456', '1.23456'), 400, 'VALIDATION_FAILED'],
    ['an ADJUSTMENT without a reason', () => correction({ reason: undefined }), 400, 'VALIDATION_FAILED'],
    [
      'a reason on a TRANSFER',
      () => ({
        merchantId: m.merchantId,
        type: 'TRANSFER',
        reason: 'correction',
        lines: lines(m.accounts.CASH!, m.accounts.BANK!),
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a cash count without countedBalance',
      () => ({
        merchantId: m.merchantId,
        type: 'ADJUSTMENT',
        reason: 'cash_count',
        accountId: m.accounts.CASH,
      }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an EXPENSE without lines',
      () => ({ merchantId: m.merchantId, type: 'EXPENSE' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown field', () => correction({ extra: 'field' }), 400, 'VALIDATION_FAILED'],
    ['a type no person may post', () => ({ ...correction(), type: 'SALE' }), 400, 'VALIDATION_FAILED'],
  ])('POST /vouchers refuses %s before any workflow', async (_case, body, status, code) => {
    await expectError(
      await api.call(accountant, 'POST', '/vouchers', body(), { 'idempotency-key': key() }),
      status,
      code,
    );
  });

  it("reports the ledger's refusal of an account of another merchant (422) from the workflow, as not found", async () => {
    const res = await api.call(
      accountant,
      'POST',
      '/vouchers',
      correction({ lines: lines(m.accounts.CASH!, other.accounts.OWNER_EQUITY!) }),
      { 'idempotency-key': key() },
    );
    await expectError(res, 422, 'ACCOUNT_NOT_FOUND');
    await expectError(
      await api.call(
        accountant,
        'POST',
        '/vouchers',
        correction({ lines: lines(m.accounts.CASH!, '999999999999999999') }),
        { 'idempotency-key': key() },
      ),
      422,
      'ACCOUNT_NOT_FOUND',
    );
  });

  it('answers 404 for a merchant that does not exist', async () => {
    const ghost = user('ve-ghost-admin');
    await api.grant(ghost, 'accountant', '*');
    await expectError(
      await api.call(ghost, 'POST', '/vouchers', correction({ merchantId: '999999999999999998' }), {
        'idempotency-key': key(),
      }),
      404,
      'NOT_FOUND',
    );
    await api.revoke(ghost, 'accountant', '*');
  });

  it('refuses to void COGS and INVENTORY_ADJUSTMENT vouchers (409 VOUCHER_NOT_VOIDABLE) and reversals', async () => {
    const cogs = await postPlan(
      { db: dbOf(prisma), ids: testIds, logger },
      {
        merchantId: m.merchantId,
        voucherType: 'COGS',
        sourceType: 'sale.order.cogs',
        sourceId: uniqueName('o'),
        postedAt: new Date().toISOString(),
        description: 'cogs',
        createdBy: 'system',
        lines: [
          { account: { code: 'COGS' }, direction: 'DEBIT', amount: '4' },
          { account: { code: 'INVENTORY' }, direction: 'CREDIT', amount: '4' },
        ],
      },
    );
    await expectError(
      await api.call(accountant, 'POST', `/vouchers/${cogs!.voucherId}/void`, { reason: 'x' }),
      409,
      'VOUCHER_NOT_VOIDABLE',
    );
    const posted = json<{ id: string }>(
      await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': key() }),
    );
    const reversal = json<{ id: string }>(
      await api.call(accountant, 'POST', `/vouchers/${posted.id}/void`, { reason: 'x' }),
    );
    await expectError(
      await api.call(accountant, 'POST', `/vouchers/${reversal.id}/void`, { reason: 'x' }),
      409,
      'VOUCHER_NOT_VOIDABLE',
    );
    await expectError(
      await api.call(accountant, 'POST', `/vouchers/${posted.id}/void`, {}),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('answers 202 with where to look when the workflow does not finish in time, and the same key later returns the voucher', async () => {
    const k = key();
    const res = await slow.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': k });
    expect(res.statusCode).toBe(202);
    const body = json<{ status: string; workflowId: string; temporalUrl: string }>(res);
    expect(body.status).toBe('PENDING');
    expect(body.workflowId).toBe(`finance-manual-${m.merchantId}-${k}`);
    expect(body.temporalUrl).toContain(encodeURIComponent(body.workflowId));
    // The pending workflow sits on a queue nobody polls; terminate it so nothing is left running.
    await slow.app.temporal.client.workflow.getHandle(body.workflowId).terminate('test cleanup');
    // A terminated run may be retried: the ID policy allows a new run after a failure.
    const retried = await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': k });
    expect(retried.statusCode).toBe(200);
  });

  it.each<Refusal<string>>([
    ['an unknown voucher', () => '/vouchers/999999999999999999', 404, 'NOT_FOUND'],
    [
      'an id beyond int64 (404, like any missing one)',
      () => '/vouchers/9999999999999999999',
      404,
      'NOT_FOUND',
    ],
    ['an id that is not a number', () => '/vouchers/abc', 400, 'VALIDATION_FAILED'],
    ['a forged cursor', () => '/vouchers?cursor=bm90LWEtY3Vyc29y', 400, 'VALIDATION_FAILED'],
    ['a date that is no date', () => '/vouchers?from=yesterday', 400, 'VALIDATION_FAILED'],
  ])('GET refuses %s', async (_case, url, status, code) => {
    await expectError(await api.call(accountant, 'GET', url()), status, code);
  });
});
