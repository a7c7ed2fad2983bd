import { Client, Connection } from '@temporalio/client';
import { type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { createIngest, type RunningIngest } from '../../src/ingest/index.js';
import { metrics } from '../../src/lib/metrics.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { envelope, ingestTestConfig, testKafka, testProducer } from '../support/ingest.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import { metricValue } from '../support/metrics.js';
import { startTestWorker } from '../support/temporal.js';

const logs = capturingLogger('warn');
installTemporalRuntime(logs.logger);

const BOUND = 4;
const EVENTS = 48;
const config = ingestTestConfig({ APP_ENV_INGEST_MAX_OPEN_WORKFLOWS: String(BOUND) });
const { inventory } = config.kafka.topics;

let prisma: PrismaClient;
let worker: { stop(): Promise<void> } | undefined;
let ingest: RunningIngest | undefined;
let kafka: Kafka;
let producer: Producer;
let temporal: { client: Client; connection: Connection };

beforeAll(async () => {
  prisma = await testPrisma();
  kafka = testKafka(config.kafka, logs.logger);
  producer = await testProducer(kafka);
  const connection = await Connection.connect({ address: config.temporal.address });
  temporal = { connection, client: new Client({ connection, namespace: config.temporal.namespace }) };
});

afterAll(async () => {
  await ingest?.stop();
  await worker?.stop();
  await producer?.disconnect();
  await temporal?.connection.close();
  await prisma?.$disconnect();
});

/**
 * The most runs holding a slot at one moment, from Temporal's start times and
 * the records' finish times (not from ingest's count): a sweep over the
 * intervals, a close counted before a start at the same instant.
 */
function mostOpenAtOnce(runs: { start: Date; close: Date }[]): number {
  const edges = runs.flatMap((r) => [
    { at: r.start.getTime(), delta: 1 },
    { at: r.close.getTime(), delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (open += e.delta));
  return most;
}

describe('backpressure', () => {
  it(`a backlog of ${EVENTS} events never has more than ${BOUND} workflows open, and each posts once`, async () => {
    const merchant = await createTestMerchant(prisma, logs.logger);
    // The backlog is in Kafka before ingest starts, so ingest could start all of it at once.
    const ids = Array.from({ length: EVENTS }, () => uniqueName('bp'));
    await producer.send({
      topic: inventory,
      messages: ids.map((id, i) => ({
        key: `${merchant.merchantId}-${i % 3}`,
        value: JSON.stringify(
          envelope(
            'inventory.received',
            merchant.merchantId,
            { receiptId: `gr-${id}`, currency: 'USD', total: `${i + 1}.10` },
            id,
          ),
        ),
      })),
    });
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

    let metricPeak = 0;
    const sampler = setInterval(
      () => void metricValue(metrics.ingestOpenWorkflows).then((v) => (metricPeak = Math.max(metricPeak, v))),
      20,
    );
    try {
      await eventually(
        async () => {
          const posted = await prisma.financeVoucher.count({ where: { eventId: { in: ids } } });
          return posted >= EVENTS ? posted : undefined;
        },
        120_000,
        `${EVENTS} vouchers`,
      );
    } finally {
      clearInterval(sampler);
    }

    // A slot is held from the start until the run's event record is final (the run watcher frees it then,
    // a workflow task before Temporal closes the run): Temporal's start time, the record's finished_at.
    const query = `TaskQueue = "${config.temporal.taskQueue}"`;
    const starts = await eventually(
      async () => {
        const found = new Map<string, Date>();
        for await (const w of temporal.client.workflow.list({ query })) found.set(w.workflowId, w.startTime);
        return found.size === EVENTS ? found : undefined;
      },
      30_000,
      `${EVENTS} workflows in Temporal's visibility`,
    );
    const records = await prisma.financeEvent.findMany({
      where: { id: { in: ids } },
      select: { workflowId: true, finishedAt: true },
    });
    const runs = records.map((r) => ({ start: starts.get(r.workflowId!)!, close: r.finishedAt! }));
    expect(runs.every((r) => r.start instanceof Date && r.close instanceof Date)).toBe(true);
    const peak = mostOpenAtOnce(runs);
    console.log(
      `backpressure: bound ${BOUND}, most holding a slot at once ${peak} (Temporal start → record final), ${metricPeak} (metric)`,
    );
    // At the bound, not under it: a backlog this size fills every slot, so a broken bound would show.
    expect(peak).toBe(BOUND);
    expect(metricPeak).toBeLessThanOrEqual(BOUND);

    const perEvent = await prisma.financeVoucher.groupBy({
      by: ['eventId'],
      where: { eventId: { in: ids } },
      _count: true,
    });
    expect(perEvent).toHaveLength(EVENTS);
    expect(perEvent.every((r) => r._count === 1)).toBe(true);
    expect(ingest.stats).toMatchObject({ started: EVENTS, duplicates: 0, retries: 0 });
  });
});
