import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { createTestApi, json, startApiTestWorker, user, type TestApi } from './support.js';

type Line = {
  lineNumber: number;
  accountId: string;
  accountCode: string;
  direction: string;
  amount: string;
  balanceAfter: string;
  postingSequence: number;
};
type Voucher = {
  id: string;
  merchantId: string;
  voucherNumber: string;
  type: string;
  status: string;
  reason: string | null;
  sourceType: string;
  sourceId: string;
  reversalOfId: string | null;
  reversedById: string | null;
  createdBy: string;
  lines: Line[];
};
type Page<T> = { items: T[]; nextCursor: string | null };

async function outboxMessages(prisma: PrismaClient, voucherIds: string[]) {
  const rows = await prisma.outboxEntry.findMany({ where: { voucherId: { in: voucherIds.map(BigInt) } } });
  return new Map(rows.map((r) => [r.voucherId.toString(), JSON.parse(r.value) as unknown]));
}

describe('vouchers: manual postings, voids and queries', () => {
  const captured = capturingLogger();
  const { logger } = captured;
  let prisma: PrismaClient;
  let api: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: { merchantId: string; accounts: Record<string, string> };
  const accountant = user('v-accountant');
  const key = () => uniqueName('idem');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, logger);
    worker = await startApiTestWorker(prisma, logger);
    api = await createTestApi({ logger, taskQueue: worker.taskQueue });
    await api.grant(accountant, 'accountant', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const correction = (amount = '40.00') => ({
    merchantId: m.merchantId,
    type: 'ADJUSTMENT',
    reason: 'correction',
    description: 'owner put cash in',
    lines: [
      { accountId: m.accounts.CASH, direction: 'DEBIT', amount, memo: 'till' },
      { accountId: m.accounts.OWNER_EQUITY, direction: 'CREDIT', amount },
    ],
  });

  it('posts a correction as a workflow and answers 201 with the voucher; the same key replays it with 200', async () => {
    const k = key();
    const res = await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': k });
    expect(res.statusCode, res.body).toBe(201);
    const v = json<Voucher>(res);
    expect(v).toMatchObject({
      merchantId: m.merchantId,
      type: 'ADJUSTMENT',
      status: 'POSTED',
      reason: 'correction',
      sourceType: 'manual',
      sourceId: k,
      createdBy: accountant,
    });
    expect(v.voucherNumber).toMatch(/^AD-\d{4}-\d{6}$/);
    expect(v.lines.map((l) => [l.lineNumber, l.accountCode, l.direction, l.amount])).toEqual([
      [1, 'CASH', 'DEBIT', '40.00'],
      [2, 'OWNER_EQUITY', 'CREDIT', '40.00'],
    ]);
    const again = await api.call(accountant, 'POST', '/vouchers', correction(), { 'idempotency-key': k });
    expect(again.statusCode, again.body).toBe(200);
    expect(json<Voucher>(again).id).toBe(v.id);
    // The documented workflow ID ran once.
    const handle = api.app.temporal.client.workflow.getHandle(`finance-manual-${m.merchantId}-${k}`);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(
      await prisma.financeVoucher.count({ where: { merchantId: BigInt(m.merchantId), sourceId: k } }),
    ).toBe(1);
  });

  it('posts TRANSFER and EXPENSE vouchers', async () => {
    const transfer = await api.call(
      accountant,
      'POST',
      '/vouchers',
      {
        merchantId: m.merchantId,
        type: 'TRANSFER',
        lines: [
          { accountId: m.accounts.BANK, direction: 'DEBIT', amount: '5' },
          { accountId: m.accounts.CASH, direction: 'CREDIT', amount: '5' },
        ],
      },
      { 'idempotency-key': key() },
    );
    expect(transfer.statusCode, transfer.body).toBe(201);
    expect(json<Voucher>(transfer).voucherNumber).toMatch(/^TR-/);
    const expense = await api.call(
      accountant,
      'POST',
      '/vouchers',
      {
        merchantId: m.merchantId,
        type: 'EXPENSE',
        lines: [
          { accountId: m.accounts.CASH_OVER_SHORT, direction: 'DEBIT', amount: '1.25' },
          { accountId: m.accounts.CASH, direction: 'CREDIT', amount: '1.25' },
        ],
      },
      { 'idempotency-key': key() },
    );
    expect(expense.statusCode, expense.body).toBe(201);
    expect(json<Voucher>(expense).type).toBe('EXPENSE');
  });

  it('posts a cash count difference against CASH_OVER_SHORT, and nothing when the count agrees', async () => {
    const book = json<{ balance: string }>(
      await api.call(accountant, 'GET', `/accounts/${m.accounts.CASH}`),
    ).balance;
    const counted = (Number(book) - 3).toFixed(2);
    const res = await api.call(
      accountant,
      'POST',
      '/vouchers',
      {
        merchantId: m.merchantId,
        type: 'ADJUSTMENT',
        reason: 'cash_count',
        accountId: m.accounts.CASH,
        countedBalance: counted,
      },
      { 'idempotency-key': key() },
    );
    expect(res.statusCode, res.body).toBe(201);
    const v = json<Voucher>(res);
    expect(v.reason).toBe('cash_count');
    expect(v.lines.map((l) => [l.accountCode, l.direction, l.amount])).toEqual([
      ['CASH_OVER_SHORT', 'DEBIT', '3.00'],
      ['CASH', 'CREDIT', '3.00'],
    ]);
    expect(
      json<{ balance: string }>(await api.call(accountant, 'GET', `/accounts/${m.accounts.CASH}`)).balance,
    ).toBe(counted);
    const same = await api.call(
      accountant,
      'POST',
      '/vouchers',
      {
        merchantId: m.merchantId,
        type: 'ADJUSTMENT',
        reason: 'cash_count',
        accountId: m.accounts.CASH,
        countedBalance: counted,
      },
      { 'idempotency-key': key() },
    );
    expect(same.statusCode).toBe(200);
    expect(json(same)).toMatchObject({ outcome: 'nothing_to_post' });
  });

  it('voids with a REVERSAL (201), and voiding again returns the same reversal (200)', async () => {
    const posted = json<Voucher>(
      await api.call(accountant, 'POST', '/vouchers', correction('12.34'), { 'idempotency-key': key() }),
    );
    const postedAsRead = json<Record<string, unknown>>(
      await api.call(accountant, 'GET', `/vouchers/${posted.id}`),
    );
    const res = await api.call(accountant, 'POST', `/vouchers/${posted.id}/void`, { reason: 'typo' });
    expect(res.statusCode, res.body).toBe(201);
    const reversal = json<Voucher>(res);
    // The outbound stream's messages are the vouchers as this API returned them when each was posted.
    const messages = await outboxMessages(prisma, [posted.id, reversal.id]);
    expect(messages.get(posted.id)).toEqual({ kind: 'voucher.posted', ...postedAsRead });
    const reversalAsRead = json<Record<string, unknown>>(
      await api.call(accountant, 'GET', `/vouchers/${reversal.id}`),
    );
    expect(messages.get(reversal.id)).toEqual({ kind: 'voucher.voided', ...reversalAsRead });
    expect(reversal).toMatchObject({ type: 'REVERSAL', reversalOfId: posted.id, status: 'POSTED' });
    expect(reversal.voucherNumber).toMatch(/^RV-/);
    expect(reversal.lines.map((l) => [l.accountCode, l.direction, l.amount])).toEqual([
      ['CASH', 'CREDIT', '12.34'],
      ['OWNER_EQUITY', 'DEBIT', '12.34'],
    ]);
    const original = json<Voucher>(await api.call(accountant, 'GET', `/vouchers/${posted.id}`));
    expect(original).toMatchObject({ status: 'VOIDED', reversedById: reversal.id });
    const again = await api.call(accountant, 'POST', `/vouchers/${posted.id}/void`, { reason: 'again' });
    expect(again.statusCode, again.body).toBe(200);
    expect(json<Voucher>(again).id).toBe(reversal.id);
  });

  it('lists vouchers with their lines, filtered and paginated newest first', async () => {
    for (const [i, day] of ['2025-01-05', '2025-01-06', '2025-01-07'].entries()) {
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId: m.merchantId,
          voucherType: 'SALE',
          sourceType: 'sale.order',
          sourceId: `order-${i}`,
          postedAt: `${day}T10:00:00Z`,
          description: 'sale',
          createdBy: 'system',
          lines: [
            { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
          ],
        },
      );
    }
    const sales = json<Page<Voucher>>(
      await api.call(accountant, 'GET', `/vouchers?merchantId=${m.merchantId}&type=SALE&limit=2`),
    );
    expect(sales.items.map((v) => v.sourceId)).toEqual(['order-2', 'order-1']);
    expect(sales.items[0]!.lines).toHaveLength(2);
    const rest = json<Page<Voucher>>(
      await api.call(
        accountant,
        'GET',
        `/vouchers?merchantId=${m.merchantId}&type=SALE&limit=2&cursor=${sales.nextCursor}`,
      ),
    );
    expect(rest.items.map((v) => v.sourceId)).toEqual(['order-0']);
    expect(rest.nextCursor).toBeNull();
    const ranged = json<Page<Voucher>>(
      await api.call(
        accountant,
        'GET',
        `/vouchers?type=SALE&from=2025-01-06T00:00:00Z&to=2025-01-07T00:00:00Z`,
      ),
    );
    expect(ranged.items.map((v) => v.sourceId)).toEqual(['order-1']);
    const bySource = json<Page<Voucher>>(
      await api.call(accountant, 'GET', `/vouchers?sourceType=sale.order&sourceId=order-0`),
    );
    expect(bySource.items).toHaveLength(1);
    const voided = json<Page<Voucher>>(await api.call(accountant, 'GET', `/vouchers?status=VOIDED`));
    expect(voided.items.length).toBeGreaterThanOrEqual(1);
    expect(voided.items.every((v) => v.status === 'VOIDED')).toBe(true);
  });

  it("carries the caller's X-Request-Id into the manual and void workflows: memo, input and every activity log line", async () => {
    const posting = uniqueName('req-manual');
    const voiding = uniqueName('req-void');
    const k = key();
    const res = await api.call(accountant, 'POST', '/vouchers', correction('3.21'), {
      'idempotency-key': k,
      'x-request-id': posting,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['x-request-id']).toBe(posting);
    const v = json<Voucher>(res);
    const voided = await api.call(
      accountant,
      'POST',
      `/vouchers/${v.id}/void`,
      { reason: 'typo' },
      { 'x-request-id': voiding },
    );
    expect(voided.statusCode, voided.body).toBe(201);

    const runs = [
      [`finance-manual-${m.merchantId}-${k}`, posting, 'manual.adjustment', 'finance.voucher.posted'],
      [`finance-void-${v.id}`, voiding, 'manual.void', 'finance.voucher.voided'],
    ] as const;
    for (const [workflowId, requestId, eventType, event] of runs) {
      const handle = api.app.temporal.client.workflow.getHandle(workflowId);
      expect((await handle.describe()).memo).toEqual({ eventType, requestId });
      const started = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
      expect(defaultPayloadConverter.fromPayload(started.input!.payloads![0]!)).toMatchObject({ requestId });
      // The worker's lines (activities) and the API's both name the workflow; every one carries the request.
      const lines = captured.lines.filter((l) => l.workflowId === workflowId);
      expect(lines).toContainEqual(
        expect.objectContaining({ event, requestId, voucherNumber: expect.any(String) }),
      );
      expect(lines.map((l) => l.requestId)).toEqual(lines.map(() => requestId));
    }
  });

  it('logs the request id with the posting', () => {
    const posted = captured.lines.filter((l) => l.msg === 'manual voucher posted');
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.every((l) => typeof l.requestId === 'string' && typeof l.workflowId === 'string')).toBe(
      true,
    );
  });
});
