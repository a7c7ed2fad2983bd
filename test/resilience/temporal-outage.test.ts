import { type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createIngest, type RunningIngest } from '../../src/ingest/index.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { groupCaughtUp, ingestTestConfig, testKafka, testProducer } from '../support/ingest.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { privateTemporal } from '../support/private-temporal.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';
import { buildEventStream } from './event-stream.js';

/**
 * Stop the Temporal server for 30 s during ingestion; nothing is
 * lost, nothing is doubled, the consumer catches up. The test runs its own
 * dev server (persisted to a file) so stopping it disturbs no other suite.
 * Slow (about 1.5 minutes): runs when SF_RESILIENCE_TESTS=1.
 */
const EVENTS = 300;
const OUTAGE_MS = 30_000;

const logs = capturingLogger('info');
// The workers' native polling retries during the outage belong in this test's log, not on the console.
installTemporalRuntime(logs.logger, { forwardCoreLogs: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!process.env.SF_RESILIENCE_TESTS)('Temporal unavailable for 30 s during ingestion', () => {
  let server: Awaited<ReturnType<typeof privateTemporal>>;
  let prisma: PrismaClient;
  let ingest: RunningIngest;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  let stopWorkers = false;
  let worker: TestWorker | undefined;
  let workerLoop: Promise<void>;
  let config: ReturnType<typeof ingestTestConfig>;

  beforeAll(async () => {
    server = await privateTemporal();
    await server.start();
    config = ingestTestConfig({ APP_ENV_TEMPORAL_ADDRESS: server.address });
    prisma = await testPrisma();
    const activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
    // The worker may give up while its server is gone; like a supervisor, start it again.
    workerLoop = (async () => {
      while (!stopWorkers) {
        try {
          worker = await startTestWorker({ ...config.temporal, activities });
          if (stopWorkers) await worker.stop();
          await worker.done.catch((err: unknown) =>
            logs.logger.warn({ err }, 'test worker ended; restarting'),
          );
        } catch {
          await sleep(1_000);
        }
      }
    })();
    ingest = await createIngest({
      kafka: config.kafka,
      temporal: config.temporal,
      db: dbOf(prisma),
      logger: logs.logger,
      startTimeoutMs: 3_000,
    });
    kafka = testKafka(config.kafka, logs.logger);
    admin = kafka.admin();
    [producer] = await Promise.all([testProducer(kafka), admin.connect()]);
  });

  afterAll(async () => {
    await ingest?.stop();
    stopWorkers = true;
    await worker?.stop().catch(() => undefined);
    await workerLoop;
    await producer?.disconnect();
    await admin?.disconnect();
    await prisma?.$disconnect();
    await server?.stop();
  });

  it('nothing is lost, nothing is doubled, the consumer catches up', { timeout: 300_000 }, async () => {
    const merchants = await Promise.all(
      Array.from({ length: 5 }, () => createTestMerchant(prisma, logs.logger)),
    );
    const events = buildEventStream(merchants, EVENTS);
    const { sale, inventory } = config.kafka.topics;

    const outage = (async () => {
      await sleep(5_000);
      await server.stop();
      logs.logger.warn('test: Temporal stopped');
      await sleep(OUTAGE_MS);
      await server.start();
      logs.logger.warn('test: Temporal started again');
    })();
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      await producer.send({
        topic: sale,
        messages: batch.filter((e) => e.topic === 'sale').map((e) => ({ key: e.merchantId, value: e.value })),
      });
      await producer.send({
        topic: inventory,
        messages: batch
          .filter((e) => e.topic === 'inventory')
          .map((e) => ({ key: e.merchantId, value: e.value })),
      });
      await sleep(400);
    }
    await outage;

    const topics = [sale, inventory];
    await eventually(
      async () => ((await groupCaughtUp(admin, config.kafka.groupId, topics)) ? true : undefined),
      120_000,
      'ingest to catch up',
    );
    const merchantIds = merchants.map((m) => BigInt(m.merchantId));
    const expected = new Map(
      events.flatMap((e) => (e.outcome.kind === 'posted' ? [[e.id, e.outcome.vouchers] as const] : [])),
    );
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await eventually(
      async () =>
        (await prisma.financeVoucher.count({ where: { merchantId: { in: merchantIds } } })) >= total
          ? true
          : undefined,
      120_000,
      `${total} vouchers`,
    );
    await sleep(2_000);
    const rows = await prisma.financeVoucher.groupBy({
      by: ['eventId'],
      where: { merchantId: { in: merchantIds } },
      _count: true,
    });
    const posted = new Map(rows.map((r) => [r.eventId!, r._count]));
    expect(posted).toEqual(expected);
    // The outage really was felt: starts failed and partitions were paused, not skipped.
    expect(ingest.stats.retries).toBeGreaterThan(0);
    expect(logs.lines.some((l) => l.event === 'finance.ingest.partition_paused')).toBe(true);
    expect(ingest.stats.deadLettered).toBe(events.filter((e) => e.outcome.kind === 'dlq').length);
  });
});
