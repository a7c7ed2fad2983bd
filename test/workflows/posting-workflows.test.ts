import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type MerchantChange, type MerchantRecord, type PostingEvent } from '../../src/domain/events.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { postEventStart, provisionMerchantStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { manualVoucherWorkflow } from '../../src/workflows/index.js';
import { VOUCHER_NUMBER } from '../../src/workflows/search-attributes.js';
import { type PostEventResult } from '../../src/workflows/types.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueMerchantId, uniqueName } from '../support/env.js';
import { ledgerOf } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import {
  localActivityAttempts,
  testWorkflowEnvironment,
  withWorker,
  workflowBundle,
} from '../support/temporal.js';

const logs = capturingLogger('info');
// Before any Temporal connection exists: workflow logs (SKIP voucher, failures) land in `logs`.
installTemporalRuntime(logs.logger);

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let activities: Activities;

beforeAll(async () => {
  [env, prisma] = await Promise.all([testWorkflowEnvironment(), testPrisma(), workflowBundle()]);
  activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
});

afterAll(async () => {
  await env?.teardown();
  await prisma?.$disconnect();
});

function event<T extends PostingEvent['type']>(
  merchantId: string,
  type: T,
  data: Extract<PostingEvent, { type: T }>['data'],
): PostingEvent {
  return {
    id: uniqueName('evt'),
    type,
    merchantId,
    occurredAt: '2026-11-25T10:00:00Z',
    data,
  } as PostingEvent;
}

/** Starts the event's workflow as ingest does. */
function startPosting(taskQueue: string, e: PostingEvent) {
  return startWorkflow(env.client, taskQueue, postEventStart(e, {}));
}

/** Applies a merchant CDC change as ingest does (ID from merchant and position, as for an LSN). */
const provision = async (taskQueue: string, change: MerchantChange) =>
  (
    await startWorkflow(
      env.client,
      taskQueue,
      provisionMerchantStart(change, `finance-event-merchant-${change.merchant.id}-${change.position}`, {}),
    )
  ).result();

const post = (e: PostingEvent): Promise<PostEventResult> =>
  withWorker(env, activities, async (taskQueue) => (await startPosting(taskQueue, e)).result());

const logsOf = (eventId: string) => logs.lines.filter((l) => l.eventId === eventId);

describe.concurrent('postEventWorkflow posts each event type as docs/reference/events.md says', () => {
  it('sale.order.completed → SALE (Dr RECEIVABLE / Cr SALES_REVENUE) and COGS (Dr COGS / Cr INVENTORY), VoucherNumber searchable', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const e = event(merchantId, 'sale.order.completed', {
      orderId: 'o-1',
      orderNumber: 'SO-1',
      currency: 'USD',
      total: '125000.50',
      costTotal: '80000',
    });
    const { result, voucherNumber } = await withWorker(env, activities, async (taskQueue) => {
      const handle = await startPosting(taskQueue, e);
      const result = await handle.result();
      return { result, voucherNumber: (await handle.describe()).typedSearchAttributes.get(VOUCHER_NUMBER) };
    });
    expect(result).toMatchObject({ outcome: 'posted' });
    const { vouchers, balances } = await ledgerOf(prisma, merchantId);
    expect(vouchers).toEqual([
      {
        type: 'SALE',
        voucherNumber: 'SL-2026-000001',
        sourceType: 'sale.order',
        sourceId: 'o-1',
        eventId: e.id,
        lines: ['Dr RECEIVABLE 125000.5000', 'Cr SALES_REVENUE 125000.5000'],
      },
      {
        type: 'COGS',
        voucherNumber: 'CG-2026-000001',
        sourceType: 'sale.order.cogs',
        sourceId: 'o-1',
        eventId: e.id,
        lines: ['Dr COGS 80000.0000', 'Cr INVENTORY 80000.0000'],
      },
    ]);
    expect(balances).toEqual({
      RECEIVABLE: '125000.5000',
      SALES_REVENUE: '125000.5000',
      COGS: '80000.0000',
      INVENTORY: '-80000.0000',
    });
    expect(voucherNumber).toBe('SL-2026-000001');
  });

  it('a sale without cost posts no COGS voucher', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    await post(
      event(merchantId, 'sale.order.completed', {
        orderId: 'o-2',
        orderNumber: 'SO-2',
        currency: 'USD',
        total: '10',
        costTotal: '0',
      }),
    );
    expect((await ledgerOf(prisma, merchantId)).vouchers.map((v) => v.type)).toEqual(['SALE']);
  });

  it('payment, refund, receipt of goods and both kinds of stock adjustment', async () => {
    const { merchantId, accounts } = await createTestMerchant(prisma, logs.logger);
    const bank = accounts.BANK!;
    const events = [
      event(merchantId, 'sale.payment.captured', {
        paymentId: 'p-1',
        orderId: 'o-1',
        amount: '100.25',
        currency: 'USD',
        method: 'card',
        financeSourceId: bank,
      }),
      event(merchantId, 'sale.payment.refunded', {
        refundId: 'r-1',
        paymentId: 'p-1',
        orderId: 'o-1',
        amount: '20',
        currency: 'USD',
        financeSourceId: bank,
      }),
      event(merchantId, 'inventory.received', { receiptId: 'gr-1', currency: 'USD', total: '500' }),
      event(merchantId, 'inventory.adjusted', {
        adjustmentId: 'adj-1',
        currency: 'USD',
        valueDelta: '-12.5',
        reason: 'shrinkage',
      }),
      event(merchantId, 'inventory.adjusted', {
        adjustmentId: 'adj-2',
        currency: 'USD',
        valueDelta: '2.5',
        reason: 'found',
      }),
    ];
    await withWorker(env, activities, async (taskQueue) => {
      for (const e of events)
        expect(await (await startPosting(taskQueue, e)).result()).toMatchObject({ outcome: 'posted' });
    });
    const { vouchers, balances } = await ledgerOf(prisma, merchantId);
    expect(vouchers.map((v) => [v.type, v.voucherNumber, v.sourceType, v.sourceId, ...v.lines])).toEqual([
      ['RECEIPT', 'RC-2026-000001', 'sale.payment', 'p-1', 'Dr BANK 100.2500', 'Cr RECEIVABLE 100.2500'],
      ['REFUND', 'RF-2026-000001', 'sale.refund', 'r-1', 'Dr SALES_RETURNS 20.0000', 'Cr BANK 20.0000'],
      [
        'PURCHASE',
        'PU-2026-000001',
        'inventory.receipt',
        'gr-1',
        'Dr INVENTORY 500.0000',
        'Cr PAYABLE 500.0000',
      ],
      [
        'INVENTORY_ADJUSTMENT',
        'IA-2026-000001',
        'inventory.adjustment',
        'adj-1',
        'Dr INVENTORY_ADJUSTMENT 12.5000',
        'Cr INVENTORY 12.5000',
      ],
      [
        'INVENTORY_ADJUSTMENT',
        'IA-2026-000002',
        'inventory.adjustment',
        'adj-2',
        'Dr INVENTORY 2.5000',
        'Cr INVENTORY_ADJUSTMENT 2.5000',
      ],
    ]);
    expect(balances).toEqual({
      BANK: '80.2500',
      RECEIVABLE: '-100.2500',
      SALES_RETURNS: '20.0000',
      INVENTORY: '490.0000',
      PAYABLE: '500.0000',
      INVENTORY_ADJUSTMENT: '10.0000',
    });
  });

  it('a payment without attempt.finance.source.id completes as skipped, logs SKIP voucher, posts nothing', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const e = event(merchantId, 'sale.payment.captured', {
      paymentId: 'p-9',
      orderId: 'o-9',
      amount: '5',
      currency: 'USD',
      method: 'cash',
      financeSourceId: null,
    });
    expect(await post(e)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('attempt.finance.source.id'),
    });
    expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
    const skipLog = logsOf(e.id).find((l) => String(l.msg).includes('SKIP voucher'));
    expect(skipLog).toMatchObject({
      level: 'info',
      event: 'SKIP voucher',
      merchantId,
      'finance.source.id': '(missing)',
    });
  });
});

describe.concurrent('postEventWorkflow failures', () => {
  it('an account of another merchant fails the workflow at once (no retry), as a missing one, posting nothing', async () => {
    const [{ merchantId }, other] = await Promise.all([
      createTestMerchant(prisma, logs.logger),
      createTestMerchant(prisma, logs.logger),
    ]);
    const foreign = other.accounts.CASH!;
    const e = event(merchantId, 'sale.payment.captured', {
      paymentId: 'p-x',
      orderId: 'o-x',
      amount: '5',
      currency: 'USD',
      method: 'card',
      financeSourceId: foreign,
    });
    const { failure, attempts, waits } = await withWorker(env, activities, async (taskQueue) => {
      const handle = await startPosting(taskQueue, e);
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      const events = (await handle.fetchHistory()).events ?? [];
      // The posting's attempts (a local activity's marker records its last), not the final record step.
      const attempts = localActivityAttempts(events, 'postEventVouchers');
      const waits = events.filter(
        (ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name === 'postEventVouchers',
      );
      return { failure, attempts, waits: waits.length };
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'ACCOUNT_NOT_FOUND', nonRetryable: true });
    expect(cause!.message).toBe(
      `posting RECEIPT for sale.payment.captured ${e.id} failed (ACCOUNT_NOT_FOUND): finance account ${foreign} does not exist for merchant ${merchantId}. Nothing was posted.`,
    );
    expect(attempts).toEqual([1]);
    expect(waits).toBe(0);
    expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
    expect(logsOf(e.id).find((l) => l.event === 'finance.posting.failed')).toMatchObject({
      level: 'error',
      code: 'ACCOUNT_NOT_FOUND',
    });
  });

  it('a currency other than the merchant’s fails without posting', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger, { currency: 'EUR' });
    const e = event(merchantId, 'inventory.received', { receiptId: 'gr-x', currency: 'USD', total: '1' });
    await expect(post(e)).rejects.toMatchObject({ cause: { type: 'CURRENCY_MISMATCH' } });
    expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
  });
});

describe.concurrent('events that arrive before their merchant', () => {
  it('a sale for an unknown merchant waits past the quick retries, then posts once the merchant CDC is applied ~9 s later', async () => {
    const merchantId = uniqueMerchantId();
    const e = event(merchantId, 'sale.order.completed', {
      orderId: 'o-late',
      orderNumber: 'SO-late',
      currency: 'USD',
      total: '42',
      costTotal: '0',
    });
    const result = await withWorker(env, activities, async (taskQueue) => {
      const handle = await startPosting(taskQueue, e);
      // The local activity's quick retries take ~7 s (1 + 2 + 4); after them the event waits as a normal activity.
      await new Promise((r) => setTimeout(r, 9_000));
      expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      expect(pending.map((a) => a.activityType?.name)).toEqual(['postEventVouchers']);
      await provision(taskQueue, {
        op: 'c',
        position: '100',
        merchant: { id: merchantId, name: 'Late', currency: 'USD', status: 'ACTIVE' },
      });
      return handle.result();
    });
    expect(result).toMatchObject({
      outcome: 'posted',
      vouchers: [{ voucherNumber: 'SL-2026-000001', replayed: false }],
    });
    expect((await ledgerOf(prisma, merchantId)).balances).toEqual({
      RECEIVABLE: '42.0000',
      SALES_REVENUE: '42.0000',
    });
    expect(
      logs.lines.some(
        (l) => l.event === 'INVENTORY/COGS control account missing' && l.merchantId === merchantId,
      ),
    ).toBe(true);
  });

  it("gives up after the worker's retry window with a message naming the missing merchant", async () => {
    const merchantId = uniqueMerchantId();
    const e = event(merchantId, 'inventory.received', { receiptId: 'gr-never', currency: 'USD', total: '1' });
    const impatient = createActivities({
      db: dbOf(prisma),
      ids: testIds,
      logger: logs.logger,
      retryWindowMs: 3_000,
    });
    const started = Date.now();
    const failure = await withWorker(env, impatient, async (taskQueue) =>
      (await startPosting(taskQueue, e)).result().then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'MERCHANT_NOT_FOUND',
      nonRetryable: true,
    });
    expect((failure as WorkflowFailedError).cause!.message).toContain(
      `merchant ${merchantId} does not exist yet`,
    );
    expect((failure as WorkflowFailedError).cause!.message).toContain('gave up after retrying for');
    // Quick retries (~7 s), then the first attempt of the wait is past the 3 s window: it fails for good.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe.concurrent('provisionMerchantWorkflow applies merchant CDC', () => {
  it('create → default accounts; update; stale record ignored; key-only delete → INACTIVE, ledger kept', async () => {
    const merchantId = uniqueMerchantId();
    const merchant: MerchantRecord = { id: merchantId, name: 'Acme', currency: 'USD', status: 'ACTIVE' };
    const apply = (taskQueue: string, op: 'c' | 'u' | 'd', position: string, m = merchant) =>
      provision(taskQueue, { op, position, merchant: m });
    const results = await withWorker(env, activities, async (taskQueue) => [
      await apply(taskQueue, 'c', '10'),
      await apply(taskQueue, 'u', '20', { ...merchant, name: 'Acme Ltd' }),
      await apply(taskQueue, 'u', '15', { ...merchant, name: 'Stale name' }),
      await apply(taskQueue, 'd', '30', { id: merchantId, name: '', currency: '', status: 'INACTIVE' }),
    ]);
    expect(results.map((r) => [r.applied, r.status])).toEqual([
      [true, 'ACTIVE'],
      [true, 'ACTIVE'],
      [false, 'ACTIVE'],
      [true, 'INACTIVE'],
    ]);
    expect(results[0]!.accountsCreated).toHaveLength(11);
    const row = await prisma.merchant.findUniqueOrThrow({
      where: { id: BigInt(merchantId) },
      include: { accounts: true },
    });
    expect([row.name, row.currency, row.status, row.cdcLsn]).toEqual(['Acme Ltd', 'USD', 'INACTIVE', 30n]);
    expect(row.accounts).toHaveLength(11);
  });

  it('a delete for a merchant never seen creates nothing', async () => {
    const merchantId = uniqueMerchantId();
    const result = await withWorker(env, activities, (taskQueue) =>
      provision(taskQueue, {
        op: 'd',
        position: '1',
        merchant: { id: merchantId, name: '', currency: '', status: 'INACTIVE' },
      }),
    );
    expect(result).toMatchObject({ applied: false });
    expect(await prisma.merchant.findUnique({ where: { id: BigInt(merchantId) } })).toBeNull();
  });
});

describe('manualVoucherWorkflow', () => {
  it('a plan that cannot be made fails the workflow once, not a workflow task retried forever', async () => {
    const { merchantId, accounts } = await createTestMerchant(prisma, logs.logger);
    const failure = await withWorker(env, activities, (taskQueue) =>
      env.client.workflow
        .execute(manualVoucherWorkflow, {
          taskQueue,
          workflowId: `finance-manual-${merchantId}-${uniqueName('key')}`,
          workflowTaskTimeout: '5 seconds',
          args: [
            {
              // An ADJUSTMENT with explicit lines needs reason "correction": the API refuses it,
              // but a workflow started by hand must fail readably too.
              request: {
                kind: 'lines',
                type: 'ADJUSTMENT',
                lines: [
                  { accountId: accounts.CASH!, direction: 'DEBIT', amount: '1.00' },
                  { accountId: accounts.BANK!, direction: 'CREDIT', amount: '1.00' },
                ],
              },
              context: {
                merchantId,
                idempotencyKey: 'k',
                createdBy: 'u',
                postedAt: new Date().toISOString(),
              },
            },
          ],
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: 'VALIDATION_FAILED',
      nonRetryable: true,
    });
    expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
  });
});
