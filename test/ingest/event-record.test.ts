import { type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { DLQ_HEADERS } from '../../src/ingest/dead-letters.js';
import { createIngest, type RunningIngest } from '../../src/ingest/index.js';
import { metrics } from '../../src/lib/metrics.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { testIds, testPrisma } from '../support/db.js';
import { uniqueMerchantId, uniqueName } from '../support/env.js';
import {
  envelope,
  ingestTestConfig,
  merchantCdc,
  produceJson,
  readWholeTopic,
  testKafka,
  testProducer,
} from '../support/ingest.js';
import { eventually, ledgerOf } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { metricValue } from '../support/metrics.js';
import { startTestWorker } from '../support/temporal.js';

/**
 * The event record through real Kafka, Temporal and PostgreSQL: every event's
 * life is recorded, POSTED commits with the posting, a conflicting duplicate
 * is refused, and a failed event posts once after its cause is fixed.
 */
const logs = capturingLogger('info');
installTemporalRuntime(logs.logger);

const config = ingestTestConfig();
const { sale, merchantCdc: cdcTopic, dlq } = config.kafka.topics;

let prisma: PrismaClient;
let worker: { stop(): Promise<void> };
let ingest: RunningIngest;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  prisma = await testPrisma();
  worker = await startTestWorker({
    ...config.temporal,
    activities: createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger }),
  });
  ingest = await createIngest({
    kafka: config.kafka,
    temporal: config.temporal,
    db: dbOf(prisma),
    logger: logs.logger,
  });
  kafka = testKafka(config.kafka, logs.logger);
  admin = kafka.admin();
  [producer] = await Promise.all([testProducer(kafka), admin.connect()]);
});

afterAll(async () => {
  if (process.env.SF_TEST_LOGS)
    (await import('node:fs')).writeFileSync(process.env.SF_TEST_LOGS, logs.text());
  await ingest?.stop();
  await worker?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
  await prisma?.$disconnect();
});

async function newMerchant(): Promise<{ merchantId: string; accounts: Record<string, string> }> {
  const merchantId = uniqueMerchantId();
  await produceJson(producer, cdcTopic, merchantId, merchantCdc(merchantId, 1));
  const accounts = await eventually(
    async () => {
      const rows = await prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } });
      return rows.length === 11 ? Object.fromEntries(rows.map((r) => [r.code, r.id.toString()])) : undefined;
    },
    30_000,
    `merchant ${merchantId} provisioned from CDC`,
  );
  return { merchantId, accounts };
}

const record = (id: string) => prisma.financeEvent.findUnique({ where: { id } });

const recordIn = (id: string, status: string) =>
  eventually(
    async () => {
      const r = await record(id);
      return r?.status === status ? r : undefined;
    },
    30_000,
    `event ${id} to be ${status}`,
  );

const startsOf = (workflowId: string) =>
  logs.lines.filter((l) => l.event === 'finance.ingest.workflow_started' && l.workflowId === workflowId);

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

const payment = (merchantId: string, accountId: string | null, id?: string) =>
  envelope(
    'sale.payment.captured',
    merchantId,
    {
      paymentId: uniqueName('pay'),
      orderId: 'o-1',
      amount: '25.00',
      currency: 'USD',
      method: 'card',
      ...(accountId ? { attempt: { finance: { source: { id: accountId } } } } : {}),
    },
    id,
  );

describe.concurrent('the event record', () => {
  it('a sale is recorded, started and POSTED with both vouchers, carrying its request id', async () => {
    const { merchantId } = await newMerchant();
    const e = envelope('sale.order.completed', merchantId, {
      orderId: uniqueName('o'),
      orderNumber: 'SO-1',
      currency: 'USD',
      total: '150.00',
      costTotal: '90.00',
    });
    await produceJson(producer, sale, merchantId, e, { 'x-request-id': 'req-event-record-1' });
    const r = await recordIn(e.id, 'POSTED');
    expect(r).toMatchObject({
      merchantId: BigInt(merchantId),
      type: 'sale.order.completed',
      topic: sale,
      workflowId: `finance-event-${e.id}`,
      requestId: 'req-event-record-1',
      failureCode: null,
    });
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.runId).toBeTruthy();
    expect(r.finishedAt).not.toBeNull();
    // POSTED exactly when the event's vouchers exist: both of them.
    const vouchers = await prisma.financeVoucher.findMany({ where: { eventId: e.id } });
    expect(vouchers.map((v) => v.type).sort()).toEqual(['COGS', 'SALE']);
    // The request id follows the work into the activity's log lines.
    const posted = logs.lines.filter(
      (l) => l.event === 'finance.voucher.posted' && l.merchantId === merchantId,
    );
    expect(posted).toHaveLength(2);
    expect(posted.every((l) => l.requestId === 'req-event-record-1')).toBe(true);
  });

  it('a payment without a finance account is SKIPPED, and the event id is its correlation id', async () => {
    const { merchantId } = await newMerchant();
    const e = payment(merchantId, null);
    await produceJson(producer, sale, merchantId, e);
    const r = await recordIn(e.id, 'SKIPPED');
    expect(r.requestId).toBe(e.id);
    expect(r.failureMessage).toMatch(/finance/);
    expect(await prisma.financeVoucher.count({ where: { eventId: e.id } })).toBe(0);
  });

  it('the same id with another payload is dead-lettered as CONFLICTING_DUPLICATE; the first one stands', async () => {
    const { merchantId, accounts } = await newMerchant();
    const first = payment(merchantId, accounts.BANK!);
    await produceJson(producer, sale, merchantId, first);
    const stored = await recordIn(first.id, 'POSTED');
    const conflicts = await metricValue(metrics.eventConflicts);
    const second = { ...first, data: { ...first.data, amount: '999.00' } };
    await produceJson(producer, sale, merchantId, second);

    const letter = await eventually(
      async () =>
        (await readWholeTopic(kafka, admin, dlq)).find((l) => l.value?.toString().includes(first.id)),
      30_000,
      'the conflicting duplicate in the DLQ',
    );
    expect(letter.headers?.[DLQ_HEADERS.reason]?.toString()).toBe('CONFLICTING_DUPLICATE');
    expect(JSON.parse(letter.value!.toString())).toEqual(second);
    const warn = await eventually(
      async () => logs.lines.find((l) => l.event === 'finance.event.conflict' && l.eventId === first.id),
      20_000,
      'the conflict warning',
    );
    expect(warn).toMatchObject({ level: 'warn', storedFingerprint: stored.fingerprint });
    expect(warn.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(warn.fingerprint).not.toBe(stored.fingerprint);
    expect(await metricValue(metrics.eventConflicts)).toBe(conflicts + 1);
    expect(await record(first.id)).toMatchObject({ status: 'POSTED', fingerprint: stored.fingerprint });
    expect(startsOf(`finance-event-${first.id}`)).toHaveLength(1);
    const { balances } = await ledgerOf(prisma, merchantId);
    expect(balances.BANK).toBe('25.0000');
  });

  it('a failed event posts exactly once after the fix, when redelivered twice at once', async () => {
    const { merchantId, accounts } = await newMerchant();
    await prisma.financeAccount.update({
      where: { id: BigInt(accounts.BANK!) },
      data: { status: 'ARCHIVED' },
    });
    const e = payment(merchantId, accounts.BANK!);
    const workflowId = `finance-event-${e.id}`;
    await produceJson(producer, sale, merchantId, e);
    const failed = await recordIn(e.id, 'FAILED');
    expect(failed.failureCode).toBe('ACCOUNT_INACTIVE');
    expect(failed.failureMessage).toMatch(/archived/);

    // The fix, then the same message twice at once.
    await prisma.financeAccount.update({ where: { id: BigInt(accounts.BANK!) }, data: { status: 'ACTIVE' } });
    await Promise.all([
      produceJson(producer, sale, merchantId, e),
      produceJson(producer, sale, merchantId, e),
    ]);
    const posted = await recordIn(e.id, 'POSTED');
    expect(posted.runId).not.toBe(failed.runId);
    expect(posted.failureCode).toBeNull();
    await quiet(2_000);
    expect(startsOf(workflowId)).toHaveLength(2); // the failed run and one re-run
    expect(await prisma.financeVoucher.count({ where: { eventId: e.id } })).toBe(1);
    expect((await ledgerOf(prisma, merchantId)).balances.BANK).toBe('25.0000');

    // Completed now: a further redelivery is a duplicate, nothing runs again.
    await produceJson(producer, sale, merchantId, e);
    await eventually(
      async () =>
        logs.lines.filter((l) => l.event === 'finance.ingest.duplicate' && l.workflowId === workflowId)
          .length >= 2
          ? true
          : undefined,
      20_000,
      'the redeliveries to be recognised as duplicates',
    );
    expect(startsOf(workflowId)).toHaveLength(2);
    expect(await record(e.id)).toMatchObject({ status: 'POSTED', runId: posted.runId });
  });

  it('a dead-lettered event with a readable id is DEAD_LETTERED; its fixed version posts', async () => {
    const { merchantId, accounts } = await newMerchant();
    const good = payment(merchantId, accounts.BANK!);
    const bad = { ...good, data: { ...good.data, amount: 25 } };
    await produceJson(producer, sale, merchantId, bad);
    const dead = await recordIn(good.id, 'DEAD_LETTERED');
    expect(dead.failureCode).toBe('AMOUNT_NOT_A_DECIMAL_STRING');
    expect(dead.workflowId).toBeNull();
    await produceJson(producer, sale, merchantId, good);
    const posted = await recordIn(good.id, 'POSTED');
    expect(posted.fingerprint).not.toBe(dead.fingerprint);
    expect(await prisma.financeVoucher.count({ where: { eventId: good.id } })).toBe(1);
  });

  it('a merchant CDC record has a record too, keyed like its workflow', async () => {
    const { merchantId } = await newMerchant();
    // Applied: POSTED without vouchers (a merchant change posts none).
    const r = await recordIn(`merchant-${merchantId}-1`, 'POSTED');
    expect(r).toMatchObject({
      type: 'merchant.created',
      workflowId: `finance-event-merchant-${merchantId}-1`,
    });
    // The same change redelivered is the same record; an older position is SKIPPED.
    await produceJson(producer, cdcTopic, merchantId, merchantCdc(merchantId, 1));
    await produceJson(producer, cdcTopic, merchantId, merchantCdc(merchantId, 0, { op: 'u' }));
    const stale = await recordIn(`merchant-${merchantId}-0`, 'SKIPPED');
    expect(stale.type).toBe('merchant.updated');
    expect(await prisma.financeEvent.count({ where: { merchantId: BigInt(merchantId) } })).toBe(2);
  });
});
