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
import { uniqueMerchantId } from '../support/env.js';
import {
  envelope,
  groupCaughtUp,
  ingestTestConfig,
  merchantCdc,
  produceJson,
  readTopic,
  testKafka,
  testProducer,
} from '../support/ingest.js';
import { eventually, ledgerOf } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { metricValue } from '../support/metrics.js';
import { startTestWorker } from '../support/temporal.js';

const logs = capturingLogger('info');
installTemporalRuntime(logs.logger);

const config = ingestTestConfig();
const { sale, inventory, merchantCdc: cdcTopic, dlq } = config.kafka.topics;

let prisma: PrismaClient;
let worker: { stop(): Promise<void> };
let ingest: RunningIngest;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
/** Every merchant this file touches, for the replay check at the end. */
const merchants: string[] = [];

const startIngest = () =>
  createIngest({ kafka: config.kafka, temporal: config.temporal, db: dbOf(prisma), logger: logs.logger });

beforeAll(async () => {
  prisma = await testPrisma();
  worker = await startTestWorker({
    ...config.temporal,
    activities: createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger }),
  });
  ingest = await startIngest();
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

async function newMerchant(lsn = 1): Promise<{ merchantId: string; accounts: Record<string, string> }> {
  const merchantId = uniqueMerchantId();
  merchants.push(merchantId);
  await produceJson(producer, cdcTopic, merchantId, merchantCdc(merchantId, lsn));
  const accounts = await eventually(
    async () => {
      const rows = await prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } });
      return rows.length === 11 ? Object.fromEntries(rows.map((r) => [r.code, r.id.toString()])) : undefined;
    },
    20_000,
    `merchant ${merchantId} provisioned from CDC`,
  );
  return { merchantId, accounts };
}

const voucherCount = async (merchantId: string, n: number) =>
  eventually(
    async () => {
      const ledger = await ledgerOf(prisma, merchantId);
      return ledger.vouchers.length >= n ? ledger : undefined;
    },
    30_000,
    `${n} vouchers for merchant ${merchantId}`,
  );

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.concurrent('Kafka → Temporal → ledger', () => {
  it('produced events become the right vouchers and balances', async () => {
    const { merchantId, accounts } = await newMerchant();
    await produceJson(
      producer,
      sale,
      merchantId,
      envelope('sale.order.completed', merchantId, {
        orderId: 'o-1',
        orderNumber: 'SO-1',
        currency: 'USD',
        total: '150.00',
        costTotal: '90.00',
      }),
    );
    await produceJson(
      producer,
      sale,
      merchantId,
      envelope('sale.payment.captured', merchantId, {
        paymentId: 'p-1',
        orderId: 'o-1',
        amount: '150.00',
        currency: 'USD',
        method: 'card',
        attempt: { finance: { source: { id: accounts.BANK } } },
      }),
    );
    await produceJson(
      producer,
      inventory,
      merchantId,
      envelope('inventory.received', merchantId, { receiptId: 'gr-1', currency: 'USD', total: '400.00' }),
    );
    const { vouchers, balances } = await voucherCount(merchantId, 4);
    expect(vouchers.map((v) => v.voucherNumber).sort()).toEqual([
      'CG-2026-000001',
      'PU-2026-000001',
      'RC-2026-000001',
      'SL-2026-000001',
    ]);
    expect(balances).toEqual({
      BANK: '150.0000',
      COGS: '90.0000',
      INVENTORY: '310.0000',
      PAYABLE: '400.0000',
      SALES_REVENUE: '150.0000',
    });
  });

  it('the same event produced twice posts once, and the second is logged as a duplicate', async () => {
    const { merchantId } = await newMerchant();
    const event = envelope('inventory.received', merchantId, {
      receiptId: 'gr-dup',
      currency: 'USD',
      total: '7.00',
    });
    await produceJson(producer, inventory, merchantId, event);
    await produceJson(producer, inventory, merchantId, event);
    const workflowId = `finance-event-${event.id}`;
    await eventually(
      async () =>
        logs.lines.some((l) => l.event === 'finance.ingest.duplicate' && l.workflowId === workflowId)
          ? true
          : undefined,
      20_000,
      'the duplicate',
    );
    await voucherCount(merchantId, 1);
    await quiet(1_000);
    expect((await ledgerOf(prisma, merchantId)).vouchers).toHaveLength(1);
    // The metrics the runbook's consumer-lag section reads.
    expect(await metricValue(metrics.workflowStarts, { outcome: 'already_started' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(await metricValue(metrics.workflowStarts, { outcome: 'started' })).toBeGreaterThanOrEqual(1);
    const startTimes = (await metrics.workflowStartDuration.get()).values.find(
      (v) => v.metricName === 'finance_ingest_workflow_start_duration_seconds_count',
    );
    expect(startTimes?.value).toBeGreaterThanOrEqual(2);
  });

  it('a malformed message goes to the DLQ with its bytes, headers and a reason; the next message on its partition posts', async () => {
    const { merchantId } = await newMerchant();
    const bad =
      '{"id": "evt-broken", "type": "sale.order.completed", "merchantId": "1", "data": {"total": 12.5';
    await produceJson(producer, sale, merchantId, bad, { traceparent: '00-abc-def-01' });
    await produceJson(
      producer,
      sale,
      merchantId,
      envelope('sale.order.completed', merchantId, {
        orderId: 'o-after',
        orderNumber: 'SO-9',
        currency: 'USD',
        total: '12.50',
        costTotal: '0',
      }),
    );
    const [letter] = await readTopic(kafka, dlq, 1);
    expect(letter!.value!.toString()).toBe(bad);
    expect(letter!.key!.toString()).toBe(merchantId);
    const header = (name: string) => letter!.headers?.[name]?.toString();
    expect(header('traceparent')).toBe('00-abc-def-01');
    expect(header(DLQ_HEADERS.reason)).toBe('INVALID_JSON');
    expect(header(DLQ_HEADERS.topic)).toBe(sale);
    expect(header(DLQ_HEADERS.partition)).toMatch(/^\d+$/);
    expect(header(DLQ_HEADERS.offset)).toMatch(/^\d+$/);
    const { vouchers } = await voucherCount(merchantId, 1);
    expect(vouchers[0]).toMatchObject({ type: 'SALE', sourceId: 'o-after' });
    expect(await metricValue(metrics.deadLetters, { reason: 'INVALID_JSON' })).toBe(1);
  });

  it('a sale whose merchant CDC arrives 10 s later posts once it arrives', async () => {
    const merchantId = uniqueMerchantId();
    merchants.push(merchantId);
    await produceJson(
      producer,
      sale,
      merchantId,
      envelope('sale.order.completed', merchantId, {
        orderId: 'o-early',
        orderNumber: 'SO-E',
        currency: 'USD',
        total: '33.00',
        costTotal: '0',
      }),
    );
    await quiet(10_000);
    expect((await ledgerOf(prisma, merchantId)).vouchers).toEqual([]);
    expect(
      logs.lines.some(
        (l) => l.event === 'INVENTORY/COGS control account missing' && l.merchantId === merchantId,
      ),
    ).toBe(true);
    await produceJson(producer, cdcTopic, merchantId, merchantCdc(merchantId, 5));
    const { balances } = await voucherCount(merchantId, 1);
    expect(balances).toEqual({ RECEIVABLE: '33.0000', SALES_REVENUE: '33.0000' });
  });
});

describe('replay', () => {
  it('a graceful stop commits what was handed off; a replay from offset 0 posts nothing new', async () => {
    const topics = [sale, inventory, cdcTopic];
    await eventually(
      async () => ((await groupCaughtUp(admin, config.kafka.groupId, topics)) ? true : undefined),
      20_000,
      'ingest to catch up',
    );
    const before = await Promise.all(merchants.map((m) => ledgerOf(prisma, m)));
    await ingest.stop();
    expect(await groupCaughtUp(admin, config.kafka.groupId, topics)).toBe(true);

    for (const topic of topics)
      await admin.resetOffsets({ groupId: config.kafka.groupId, topic, earliest: true });
    ingest = await startIngest();
    await eventually(
      async () => ((await groupCaughtUp(admin, config.kafka.groupId, topics)) ? true : undefined),
      30_000,
      'the replay to finish',
    );

    // 12 messages were produced in this file: 11 workflows (all recognised as duplicates now) and 1 dead letter.
    expect(ingest.stats).toMatchObject({ started: 0, duplicates: 11, deadLettered: 1 });
    await quiet(1_000);
    expect(await Promise.all(merchants.map((m) => ledgerOf(prisma, m)))).toEqual(before);
  });
});
