import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { createActivities } from '../src/activities/index.js';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { parseKafkaConfig } from '../src/config/kafka.js';
import { parseTemporalConfig } from '../src/config/temporal.js';
import { listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma } from '../src/db/client.js';
import { type Db, dbOf } from '../src/db/executor.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { vouchersOfEvents } from '../src/db/vouchers.js';
import { applyMigrations } from '../src/db/migrate.js';
import { createIngest } from '../src/ingest/index.js';
import { createKafka } from '../src/ingest/kafka.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { installTemporalRuntime } from '../src/temporal/runtime.js';
import { workflowsPath } from '../src/temporal/worker.js';
import { ensureDatabase } from './ledger.js';
import { fmt, percentile } from './stats.js';

/**
 * The ingest benchmark (Kafka → Temporal → vouchers).
 * 1. Orchestration ceiling: a no-op workflow with one no-op activity,
 *    started as fast as the machine takes them → workflows/s.
 * 2. End to end: events offered to Kafka faster than they can be taken (3× the ceiling), over
 *    many merchants → sustained events/s (fully posted in the window),
 *    produce→commit latency, consumer lag at the end of the window.
 * 3. The same at 80% of that sustained rate → p50/p99 latency (target < 2 s).
 * Everything runs in this process (like RUN_MODE=all) against the local stack.
 * Knobs: BENCH_SECONDS (15), BENCH_MERCHANTS (200), BENCH_STARTS_IN_FLIGHT (8 per partition),
 * BENCH_WORKER_ACTIVITIES (100), BENCH_WORKER_WORKFLOW_TASKS (40), BENCH_PARTITIONS (6),
 * BENCH_CEILING_WORKFLOW (noopWorkflow | noopLocalWorkflow), BENCH_LOCAL_ACTIVITIES (0 | 1),
 * BENCH_DB_NAME (seller_finance_bench; a database of your own when others bench on the same server).
 */
const env = process.env;
const num = (name: string, fallback: number) => Number(env[name] ?? fallback);
const SECONDS = num('BENCH_SECONDS', 15);
const MERCHANTS = num('BENCH_MERCHANTS', 200);
const PARTITIONS = num('BENCH_PARTITIONS', 6);
const STARTS_IN_FLIGHT = num('BENCH_STARTS_IN_FLIGHT', 8);
const WORKER_ACTIVITIES = num('BENCH_WORKER_ACTIVITIES', 100);
const WORKER_WORKFLOW_TASKS = num('BENCH_WORKER_WORKFLOW_TASKS', 40);
/** Events offered per second in the sustained run, as a multiple of the ceiling: more than can be taken. */
const OFFER_FACTOR = num('BENCH_OFFER_FACTOR', 3);
/** Post events through local activities (the lever measured in BENCHMARKS.md). */
const LOCAL_ACTIVITIES = env.BENCH_LOCAL_ACTIVITIES === '1';
/** `noopLocalWorkflow` measures the same ceiling with a local activity. */
const CEILING_WORKFLOW = env.BENCH_CEILING_WORKFLOW ?? 'noopWorkflow';
const TEMPORAL_ADDRESS = env.APP_ENV_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const NAMESPACE = env.APP_ENV_TEMPORAL_NAMESPACE ?? 'default';
const BROKERS = env.APP_ENV_KAFKA_BROKERS ?? '127.0.0.1:9092';
const DB_URL = `${env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432'}/${env.BENCH_DB_NAME ?? 'seller_finance_bench'}`;

const logger = createLogger({ level: env.BENCH_LOG_LEVEL ?? 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = `bench-${Date.now().toString(36)}`;

export interface IngestBenchResult {
  ceilingPerSecond: number;
  sustainedPerSecond: number;
  ratio: number;
  lagAtEnd: number;
  paced: { ratePerSecond: number; p50: number; p99: number };
}

export async function runIngestBench(): Promise<IngestBenchResult> {
  console.log(
    `\ningest: ${SECONDS} s per measurement, ${MERCHANTS} merchants, ${PARTITIONS} partitions, ` +
      `${STARTS_IN_FLIGHT} starts in flight per partition, ${LOCAL_ACTIVITIES ? 'local' : 'normal'} posting activities`,
  );
  installTemporalRuntime(logger);
  await ensureDatabase(DB_URL);
  await applyMigrations({ databaseUrl: DB_URL });
  const ceilingPerSecond = await measureCeiling();
  console.log(
    `  orchestration ceiling (no-op workflow + 1 no-op activity): ${fmt(ceilingPerSecond, 1)} workflows/s`,
  );

  const prisma = createPrisma({ url: DB_URL, poolSize: 30, applicationName: 'bench-ingest' });
  const rig = await startRig(dbOf(prisma));
  try {
    const offered = ceilingPerSecond * OFFER_FACTOR;
    const flood = await offer(rig, offered, SECONDS);
    const sustainedPerSecond = flood.postedInWindow / SECONDS;
    console.log(
      `  end to end, offered ${fmt(offered)} events/s: sustained ${fmt(sustainedPerSecond, 1)} events/s ` +
        `(${fmt(flood.vouchersInWindow / SECONDS, 1)} vouchers/s), lag at end ${flood.lagAtEnd} messages`,
    );
    const ratio = sustainedPerSecond / ceilingPerSecond;
    console.log(`  ratio end-to-end / ceiling: ${fmt(ratio, 2)} (target ≥ 0.8)`);
    const rate = Math.max(1, sustainedPerSecond * 0.8);
    const paced = await offer(rig, rate, SECONDS);
    const sorted = [...paced.latenciesMs].sort((a, b) => a - b);
    const result = { ratePerSecond: rate, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    console.log(
      `  at 80% (${fmt(rate, 1)} events/s): produce→commit p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms (target p99 < 2000 ms)`,
    );
    return { ceilingPerSecond, sustainedPerSecond, ratio, lagAtEnd: flood.lagAtEnd, paced: result };
  } finally {
    await rig.stop();
    await closePrisma(prisma);
  }
}

/** Starts no-op workflows from 64 concurrent callers for SECONDS, then waits for all to complete. */
export async function measureCeiling(): Promise<number> {
  const taskQueue = `${run}-ceiling`;
  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./noop-workflows.ts', import.meta.url)),
    logger: quietLogger,
  });
  let completed = 0;
  let lastCompletion = 0;
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: { code },
    activities: {
      async noop() {
        completed += 1;
        lastCompletion = performance.now();
      },
    },
    maxConcurrentActivityTaskExecutions: WORKER_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: WORKER_WORKFLOW_TASKS,
  });
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: NAMESPACE });
  const running = worker.run();
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 64 }, async (_, caller) => {
      for (let i = 0; performance.now() < deadline; i += 1) {
        await client.workflow.start(CEILING_WORKFLOW, {
          taskQueue,
          workflowId: `${taskQueue}-${caller}-${i}`,
        });
        started += 1;
      }
    }),
  );
  while (completed < started && performance.now() < deadline + 120_000) await sleep(50);
  worker.shutdown();
  await running;
  await connection.close();
  await nativeConnection.close();
  // The activity is the workflow's last step: its completion time bounds the workflow's within a task round trip.
  return completed / ((lastCompletion - t0) / 1000);
}

interface Rig {
  kafka: Kafka;
  producer: Producer;
  admin: Admin;
  topics: { sale: string; inventory: string };
  groupId: string;
  merchants: { merchantId: string; bank: string }[];
  db: Db;
  stop(): Promise<void>;
}

/** Worker + ingest on fresh topics, group and task queue, and MERCHANTS provisioned merchants. */
async function startRig(db: Db): Promise<Rig> {
  const kafkaConfig = parseKafkaConfig({
    APP_ENV_KAFKA_BROKERS: BROKERS,
    APP_ENV_KAFKA_GROUP_ID: `${run}-group`,
    APP_ENV_KAFKA_TOPIC_SALE: `${run}.sale.events`,
    APP_ENV_KAFKA_TOPIC_INVENTORY: `${run}.inventory.events`,
    APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: `${run}.commerce.public.Merchant`,
    APP_ENV_KAFKA_TOPIC_DLQ: `${run}.finance.dlq`,
    APP_ENV_KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
  });
  const temporal = parseTemporalConfig({
    APP_ENV_TEMPORAL_ADDRESS: TEMPORAL_ADDRESS,
    APP_ENV_TEMPORAL_NAMESPACE: NAMESPACE,
    APP_ENV_TEMPORAL_TASK_QUEUE: `${run}-posting`,
  });
  const ids = new IdGenerator(11);
  const base = Number(String(Date.now()).slice(-9)) * 1000;
  const merchants: Rig['merchants'] = [];
  for (let i = 0; i < MERCHANTS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, MERCHANTS - i) }, async (_, j) => {
        const merchantId = String(base + i + j + 1);
        await applyMerchantChange(
          { db, ids, logger },
          {
            op: 'c',
            position: '1',
            merchant: { id: merchantId, name: `Bench ${merchantId}`, currency: 'USD', status: 'ACTIVE' },
          },
        );
        const [bank] = await listAccounts(db, EVERY_MERCHANT, { merchantId, code: 'BANK' }, null, 1);
        return { merchantId, bank: bank!.id };
      }),
    );
    merchants.push(...batch);
  }

  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue: temporal.taskQueue,
    workflowsPath: workflowsPath(),
    activities: createActivities({ db, ids, logger }),
    maxConcurrentActivityTaskExecutions: WORKER_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: WORKER_WORKFLOW_TASKS,
  });
  const running = worker.run();
  const ingest = await createIngest({
    kafka: kafkaConfig,
    temporal,
    db,
    logger,
    startsInFlightPerPartition: STARTS_IN_FLIGHT,
    localActivities: LOCAL_ACTIVITIES,
  });
  const kafka = createKafka(kafkaConfig, logger, '-bench');
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const rig: Rig = {
    kafka,
    producer,
    admin,
    topics: { sale: kafkaConfig.topics.sale, inventory: kafkaConfig.topics.inventory },
    groupId: kafkaConfig.groupId,
    merchants,
    db,
    async stop() {
      await ingest.stop();
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
  // Warm up: the group has joined and the worker has its caches once one event has posted.
  await offer(rig, 5, 1);
  return rig;
}

interface Offered {
  postedInWindow: number;
  vouchersInWindow: number;
  lagAtEnd: number;
  latenciesMs: number[];
}

/**
 * Produces events at `rate` for `seconds` (open loop, batches every 50 ms),
 * then waits until every one is posted. Throughput counts events whose last
 * voucher committed inside the window; latency is produce → last voucher.
 */
async function offer(rig: Rig, rate: number, seconds: number): Promise<Offered> {
  const producedAt = new Map<string, number>();
  const t0 = Date.now();
  const windowEnd = t0 + seconds * 1000;
  let n = 0;
  while (Date.now() < windowEnd) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate) - n;
    if (due > 0) {
      const events = Array.from({ length: due }, () => benchEvent(rig, n++));
      const now = Date.now();
      for (const e of events) producedAt.set(e.id, now);
      await rig.producer.sendBatch({
        topicMessages: (['sale', 'inventory'] as const).map((t) => ({
          topic: rig.topics[t],
          messages: events.filter((e) => e.topic === t).map((e) => ({ key: e.merchantId, value: e.value })),
        })),
      });
    }
    await sleep(50);
  }
  const lagAtEnd = await consumerLag(rig);
  const ids = [...producedAt.keys()];
  const expectedVouchers = ids.length + Math.ceil(ids.length / 3);
  const deadline = Date.now() + 300_000;
  let rows: Awaited<ReturnType<typeof vouchersOfEvents>> = [];
  for (;;) {
    rows = await vouchersOfEvents(rig.db, ids);
    const posted = rows.reduce((s, r) => s + r.vouchers, 0);
    if (posted >= expectedVouchers || Date.now() > deadline) break;
    await sleep(500);
  }
  const inWindow = rows.filter((r) => r.lastCreatedAt.getTime() <= windowEnd);
  return {
    postedInWindow: inWindow.length,
    vouchersInWindow: inWindow.reduce((s, r) => s + r.vouchers, 0),
    lagAtEnd,
    latenciesMs: rows.map((r) => r.lastCreatedAt.getTime() - producedAt.get(r.eventId)!),
  };
}

/** A third each: sales with cost (SALE + COGS), payments into BANK, goods received. */
function benchEvent(rig: Rig, i: number) {
  const { merchantId, bank } = rig.merchants[i % rig.merchants.length]!;
  const id = `${run}-${Date.now().toString(36)}-${i}`;
  const amount = `${(i % 500) + 1}.25`;
  const kind = i % 3;
  const [type, topic, data] =
    kind === 0
      ? ([
          'sale.order.completed',
          'sale',
          { orderId: `o-${id}`, orderNumber: `SO-${i}`, currency: 'USD', total: amount, costTotal: '1.00' },
        ] as const)
      : kind === 1
        ? ([
            'sale.payment.captured',
            'sale',
            {
              paymentId: `p-${id}`,
              orderId: `o-${i}`,
              amount,
              currency: 'USD',
              method: 'card',
              attempt: { finance: { source: { id: bank } } },
            },
          ] as const)
        : ([
            'inventory.received',
            'inventory',
            { receiptId: `gr-${id}`, currency: 'USD', total: amount },
          ] as const);
  return {
    id,
    merchantId,
    topic,
    value: JSON.stringify({ id, type, merchantId, occurredAt: new Date().toISOString(), data }),
  };
}

async function consumerLag(rig: Rig): Promise<number> {
  let lag = 0n;
  for (const topic of Object.values(rig.topics)) {
    const [ends, [committed]] = await Promise.all([
      rig.admin.fetchTopicOffsets(topic),
      rig.admin.fetchOffsets({ groupId: rig.groupId, topics: [topic] }),
    ]);
    for (const end of ends) {
      const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      lag += BigInt(end.high) - (offset === '-1' ? BigInt(end.low) : BigInt(offset));
    }
  }
  return Number(lag);
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
