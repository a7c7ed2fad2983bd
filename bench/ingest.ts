import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { type Admin, Partitioners, type Producer } from 'kafkajs';
import { createActivities } from '../src/activities/index.js';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { parseKafkaConfig } from '../src/config/kafka.js';
import { parseOutboxConfig } from '../src/config/outbox.js';
import { parseTemporalConfig } from '../src/config/temporal.js';
import { listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma } from '../src/db/client.js';
import { type Db, dbOf } from '../src/db/executor.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { vouchersOfEvents } from '../src/db/vouchers.js';
import { applyMigrations } from '../src/db/migrate.js';
import { createIngest } from '../src/ingest/index.js';
import { createKafka } from '../src/ingest/kafka.js';
import { ensureTopics } from '../src/ingest/topics.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { startOutboxRelay } from '../src/outbox/relay.js';
import { installTemporalRuntime } from '../src/temporal/runtime.js';
import { registerLocalWorker } from '../src/temporal/local-worker.js';
import { workflowsPath } from '../src/temporal/worker.js';
import { ensureDatabase } from './ledger.js';
import { fmt, percentile } from './stats.js';

/**
 * The ingest benchmark (Kafka → Temporal → vouchers).
 * 1. Orchestration ceiling: a no-op workflow with one no-op activity,
 *    started as fast as the machine takes them → workflows/s.
 * 2. End to end: events offered to Kafka at 1.5× and 3× the ceiling, over
 *    many merchants → sustained events/s (fully posted in the window),
 *    produce→commit latency, consumer lag at the end of the window.
 * 3. The same at 80% of the best sustained rate → p50/p99 latency (target < 2 s).
 * 4. With BENCH_BACKLOG=N: N events produced while the service is stopped, then
 *    the service started → drain events/s, in this process (like RUN_MODE=all)
 *    and as two processes (RUN_MODE=ingest + RUN_MODE=worker, `src/main.ts`).
 * Steps 1–3 run in this process (like RUN_MODE=all) against the local stack.
 * Knobs: BENCH_SECONDS (15), BENCH_MERCHANTS (200), BENCH_STARTS_IN_FLIGHT (8 per partition),
 * BENCH_WORKER_ACTIVITIES (100), BENCH_WORKER_WORKFLOW_TASKS (100), BENCH_PARTITIONS (6),
 * BENCH_WORKER_WORKFLOW_POLLS, BENCH_WORKER_CACHED_WORKFLOWS (the SDK's defaults: 10 pollers, a cache sized
 * from the heap), the service's worker and the ceiling's alike (the pollers also the worker process's),
 * BENCH_STEADY (1 | 0: skip steps 2 and 3),
 * BENCH_CEILING_WORKFLOW (noopWorkflow | noopLocalWorkflow),
 * BENCH_OFFER_FACTORS (1.5,3), BENCH_MAX_OPEN_WORKFLOWS (the service's default),
 * BENCH_BACKLOG (0: no drain), BENCH_BACKLOG_MODES (all,separate),
 * BENCH_OUTBOX_RELAY (1 | 0: run the worker's outbox relay beside it, as RUN_MODE=all does),
 * BENCH_DB_NAME (seller_finance_bench).
 */
const env = process.env;
const num = (name: string, fallback: number) => Number(env[name] ?? fallback);
const SECONDS = num('BENCH_SECONDS', 15);
const MERCHANTS = num('BENCH_MERCHANTS', 200);
const PARTITIONS = num('BENCH_PARTITIONS', 6);
const STARTS_IN_FLIGHT = num('BENCH_STARTS_IN_FLIGHT', 8);
const WORKER_ACTIVITIES = num('BENCH_WORKER_ACTIVITIES', 100);
const WORKER_WORKFLOW_TASKS = num('BENCH_WORKER_WORKFLOW_TASKS', 100);
const optionalNum = (name: string) => (env[name] ? Number(env[name]) : undefined);
/** Worker options beyond the service's configuration, varied only to measure them. */
const WORKER_TUNING = {
  ...(optionalNum('BENCH_WORKER_WORKFLOW_POLLS') !== undefined && {
    maxConcurrentWorkflowTaskPolls: optionalNum('BENCH_WORKER_WORKFLOW_POLLS'),
  }),
  ...(optionalNum('BENCH_WORKER_CACHED_WORKFLOWS') !== undefined && {
    maxCachedWorkflows: optionalNum('BENCH_WORKER_CACHED_WORKFLOWS'),
  }),
};
/** Events offered per second in the sustained runs, as multiples of the ceiling. */
const OFFER_FACTORS = (env.BENCH_OFFER_FACTORS ?? '1.5,3').split(',').map(Number);
const STEADY = env.BENCH_STEADY !== '0';
/** Ingest's bound on open workflows (APP_ENV_INGEST_MAX_OPEN_WORKFLOWS); unset: the service's default. */
const MAX_OPEN_WORKFLOWS = env.BENCH_MAX_OPEN_WORKFLOWS;
const BACKLOG = num('BENCH_BACKLOG', 0);
const BACKLOG_MODES = (env.BENCH_BACKLOG_MODES ?? 'all,separate').split(',') as DrainMode[];
/** `noopLocalWorkflow` measures the same ceiling with a local activity. */
const CEILING_WORKFLOW = env.BENCH_CEILING_WORKFLOW ?? 'noopWorkflow';
const TEMPORAL_ADDRESS = env.APP_ENV_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const NAMESPACE = env.APP_ENV_TEMPORAL_NAMESPACE ?? 'default';
const BROKERS = env.APP_ENV_KAFKA_BROKERS ?? '127.0.0.1:9092';
const OUTBOX_RELAY = env.BENCH_OUTBOX_RELAY !== '0';
const DB_URL = `${env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432'}/${env.BENCH_DB_NAME ?? 'seller_finance_bench'}`;

const logger = createLogger({ level: env.BENCH_LOG_LEVEL ?? 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = `bench-${Date.now().toString(36)}`;

type DrainMode = 'all' | 'separate';

export async function runIngestBench(): Promise<void> {
  console.log(
    `\ningest: ${SECONDS} s per measurement, ${MERCHANTS} merchants, ${PARTITIONS} partitions, ` +
      `${STARTS_IN_FLIGHT} starts in flight per partition, ${WORKER_WORKFLOW_TASKS} workflow task slots, ` +
      `worker tuning ${JSON.stringify(WORKER_TUNING)}, ` +
      `at most ${MAX_OPEN_WORKFLOWS ?? 'the default'} open workflows per ingest, outbox relay ${OUTBOX_RELAY ? 'on' : 'off'}`,
  );
  installTemporalRuntime(logger);
  await ensureDatabase(DB_URL);
  await applyMigrations({ databaseUrl: DB_URL });
  const ceilingPerSecond = await measureCeiling();
  console.log(
    `  orchestration ceiling (no-op workflow + 1 no-op activity): ${fmt(ceilingPerSecond, 1)} workflows/s`,
  );

  const prisma = createPrisma({ url: DB_URL, poolSize: 30, applicationName: 'bench-ingest' });
  const db = dbOf(prisma);
  const merchants = await provisionMerchants(db);
  if (STEADY) {
    const rig = await startRig(db, merchants);
    try {
      await steadyRuns(rig, ceilingPerSecond);
    } finally {
      await rig.stop();
    }
  }
  try {
    for (const mode of BACKLOG > 0 ? BACKLOG_MODES : []) {
      // A drain lasts minutes: its ceiling is measured again just before it, under the same conditions.
      const ceilingNow = await measureCeiling();
      const drained = await drainBacklog(db, merchants, mode);
      console.log(
        `  backlog of ${BACKLOG} events, ${mode === 'all' ? 'worker + ingest in one process' : 'ingest and worker as two processes'}: ` +
          `first voucher after ${fmt(drained.firstSeconds, 1)} s, drained at ${fmt(drained.perSecond, 1)} events/s ` +
          `(ratio to the ceiling measured just before it, ${fmt(ceilingNow, 1)} workflows/s: ${fmt(drained.perSecond / ceilingNow, 2)}; ` +
          `to the first: ${fmt(drained.perSecond / ceilingPerSecond, 2)}), all posted after ${fmt(drained.totalSeconds, 1)} s`,
      );
      for (const line of drained.byMinute) console.log(`    ${line}`);
    }
  } finally {
    await closePrisma(prisma);
  }
}

/** Steps 2 and 3: offered load at multiples of the ceiling, then 80 % of the best sustained rate. */
async function steadyRuns(rig: Rig, ceilingPerSecond: number): Promise<void> {
  let best = 0;
  for (const factor of OFFER_FACTORS) {
    const offered = ceilingPerSecond * factor;
    const flood = await offer(rig, offered, SECONDS);
    const sustainedPerSecond = flood.postedInWindow / SECONDS;
    best = Math.max(best, sustainedPerSecond);
    console.log(
      `  end to end, offered ${fmt(offered)} events/s (${factor}× the ceiling): sustained ${fmt(sustainedPerSecond, 1)} events/s ` +
        `(${fmt(flood.vouchersInWindow / SECONDS, 1)} vouchers/s), ratio to the ceiling ${fmt(sustainedPerSecond / ceilingPerSecond, 2)} ` +
        `(target ≥ 0.8), lag at end ${flood.lagAtEnd} messages`,
    );
  }
  const rate = Math.max(1, best * 0.8);
  const paced = await offer(rig, rate, SECONDS);
  const sorted = [...paced.latenciesMs].sort((a, b) => a - b);
  console.log(
    `  at 80% (${fmt(rate, 1)} events/s): produce→commit p50 ${fmt(percentile(sorted, 50))} ms, ` +
      `p99 ${fmt(percentile(sorted, 99))} ms (target p99 < 2000 ms)`,
  );
}

let ceilingRuns = 0;

/** Starts no-op workflows from 64 concurrent callers for SECONDS, then waits for all to complete. */
export async function measureCeiling(): Promise<number> {
  ceilingRuns += 1;
  const taskQueue = `${run}-ceiling-${ceilingRuns}`;
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
    ...WORKER_TUNING,
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
        await client.workflow
          .start(CEILING_WORKFLOW, { taskQueue, workflowId: `${taskQueue}-${caller}-${i}` })
          .catch((err: unknown) => {
            // The client retried a start the server had already taken: one workflow, started.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
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

type Merchants = { merchantId: string; bank: string }[];

interface Rig {
  producer: Producer;
  admin: Admin;
  topics: { sale: string; inventory: string };
  groupId: string;
  merchants: Merchants;
  db: Db;
  stop(): Promise<void>;
}

/** The service's environment for one measurement: its own topics, group and task queue. */
function serviceEnv(name: string): Record<string, string> {
  return {
    APP_ENV_KAFKA_BROKERS: BROKERS,
    APP_ENV_KAFKA_GROUP_ID: `${name}-group`,
    APP_ENV_KAFKA_TOPIC_SALE: `${name}.sale.events`,
    APP_ENV_KAFKA_TOPIC_INVENTORY: `${name}.inventory.events`,
    APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: `${name}.commerce.public.Merchant`,
    APP_ENV_KAFKA_TOPIC_DLQ: `${name}.finance.dlq`,
    APP_ENV_KAFKA_TOPIC_VOUCHERS: `${name}.finance.vouchers`,
    APP_ENV_KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
    ...(MAX_OPEN_WORKFLOWS ? { APP_ENV_INGEST_MAX_OPEN_WORKFLOWS: MAX_OPEN_WORKFLOWS } : {}),
    APP_ENV_TEMPORAL_ADDRESS: TEMPORAL_ADDRESS,
    APP_ENV_TEMPORAL_NAMESPACE: NAMESPACE,
    APP_ENV_TEMPORAL_TASK_QUEUE: `${name}-posting`,
    APP_ENV_WORKER_MAX_ACTIVITIES: String(WORKER_ACTIVITIES),
    APP_ENV_WORKER_MAX_WORKFLOW_TASKS: String(WORKER_WORKFLOW_TASKS),
    ...(WORKER_TUNING.maxConcurrentWorkflowTaskPolls !== undefined && {
      APP_ENV_WORKER_WORKFLOW_POLLERS: String(WORKER_TUNING.maxConcurrentWorkflowTaskPolls),
    }),
  };
}

async function provisionMerchants(db: Db): Promise<Merchants> {
  const ids = new IdGenerator(11);
  const base = Number(String(Date.now()).slice(-9)) * 1000;
  const merchants: Merchants = [];
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
  return merchants;
}

/** Worker + ingest in this process, as RUN_MODE=all runs them. */
async function startInProcess(db: Db, env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const kafkaConfig = parseKafkaConfig(env);
  const temporal = parseTemporalConfig(env);
  const ids = new IdGenerator(11);
  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue: temporal.taskQueue,
    workflowsPath: workflowsPath(),
    activities: createActivities({ db, ids, logger }),
    maxConcurrentActivityTaskExecutions: WORKER_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: WORKER_WORKFLOW_TASKS,
    ...WORKER_TUNING,
  });
  const running = worker.run();
  // As the worker role does in RUN_MODE=all: ingest's starts on this connection are eager.
  const withdraw = registerLocalWorker({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue: temporal.taskQueue,
    payloadKeys: [],
  });
  const ingest = await createIngest({
    kafka: kafkaConfig,
    temporal,
    db,
    logger,
    startsInFlightPerPartition: STARTS_IN_FLIGHT,
  });
  const relay = OUTBOX_RELAY
    ? startOutboxRelay({
        db,
        kafka: createKafka(kafkaConfig, logger, '-bench-relay'),
        topic: kafkaConfig.topics.vouchers,
        topicPartitions: PARTITIONS,
        logger,
        ...parseOutboxConfig({}),
      })
    : null;
  return {
    async stop() {
      await ingest.stop();
      await relay?.stop();
      withdraw();
      worker.shutdown();
      await running;
      await nativeConnection.close();
    },
  };
}

/** RUN_MODE=ingest and RUN_MODE=worker as two processes of the real entry point, as deployed. */
async function startProcesses(env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const children = (['worker', 'ingest'] as const).map((role): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        RUN_MODE: role,
        NODE_ENV: 'production',
        PORT: '0',
        LOG_LEVEL: 'warn',
        APP_ENV_DB_URL: DB_URL,
        APP_ENV_REDIS_URL:
          env.APP_ENV_REDIS_URL ?? process.env.APP_ENV_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return child;
  });
  return {
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** Worker + ingest on fresh topics, group and task queue. */
async function startRig(db: Db, merchants: Merchants): Promise<Rig> {
  const env = serviceEnv(run);
  const service = await startInProcess(db, env);
  const kafkaConfig = parseKafkaConfig(env);
  const kafka = createKafka(kafkaConfig, logger, '-bench');
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const rig: Rig = {
    producer,
    admin,
    topics: { sale: kafkaConfig.topics.sale, inventory: kafkaConfig.topics.inventory },
    groupId: kafkaConfig.groupId,
    merchants,
    db,
    async stop() {
      await service.stop();
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
      const events = Array.from({ length: due }, () => benchEvent(rig.merchants, n++));
      const now = Date.now();
      for (const e of events) producedAt.set(e.id, now);
      await produce(rig.producer, rig.topics, events);
    }
    await sleep(50);
  }
  const lagAtEnd = await consumerLag(rig);
  const ids = [...producedAt.keys()];
  const expectedVouchers = vouchersFor(ids.length);
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

type BenchEvent = ReturnType<typeof benchEvent>;

async function produce(
  producer: Producer,
  topics: { sale: string; inventory: string },
  events: BenchEvent[],
): Promise<void> {
  await producer.sendBatch({
    topicMessages: (['sale', 'inventory'] as const).map((t) => ({
      topic: topics[t],
      messages: events.filter((e) => e.topic === t).map((e) => ({ key: e.merchantId, value: e.value })),
    })),
  });
}

/** Vouchers an event list posts: one per event, and a COGS voucher for each sale (every third). */
const vouchersFor = (count: number) => count + Math.ceil(count / 3);

/**
 * BACKLOG events produced to fresh topics while nothing consumes them, then
 * the service started. The drain rate runs from the first voucher to the last
 * (the boot and the group join are reported apart, as the first voucher's time).
 */
async function drainBacklog(
  db: Db,
  merchants: Merchants,
  mode: DrainMode,
): Promise<{ firstSeconds: number; totalSeconds: number; perSecond: number; byMinute: string[] }> {
  const env = serviceEnv(`${run}-drain-${mode}`);
  const kafkaConfig = parseKafkaConfig(env);
  const { sale, inventory, merchantCdc, dlq } = kafkaConfig.topics;
  const kafka = createKafka(kafkaConfig, logger, '-bench-drain');
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    await ensureTopics(admin, [sale, inventory, merchantCdc, dlq], PARTITIONS, logger);
    const events = Array.from({ length: BACKLOG }, (_, i) => benchEvent(merchants, i));
    for (let i = 0; i < events.length; i += 500)
      await produce(producer, { sale, inventory }, events.slice(i, i + 500));
    const ids = events.map((e) => e.id);
    const t0 = Date.now();
    const service = mode === 'all' ? await startInProcess(db, env) : await startProcesses(env);
    try {
      const deadline = t0 + 1_800_000;
      for (;;) {
        const rows = await vouchersOfEvents(db, ids);
        const posted = rows.reduce((s, r) => s + r.vouchers, 0);
        if (posted >= vouchersFor(ids.length) || Date.now() > deadline) {
          const times = rows.map((r) => r.lastCreatedAt.getTime());
          const first = Math.min(...times);
          const last = Math.max(...times);
          return {
            firstSeconds: (first - t0) / 1000,
            totalSeconds: (last - t0) / 1000,
            perSecond: rows.length / ((last - first) / 1000),
            byMinute: drainByMinute(times, first),
          };
        }
        await sleep(2_000);
      }
    } finally {
      await service.stop();
    }
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

/** Events fully posted in each minute from the first voucher (the last one partial): shows whether a drain slows as it goes. */
function drainByMinute(times: number[], first: number): string[] {
  const counts: number[] = [];
  for (const t of times) {
    const minute = Math.floor((t - first) / 60_000);
    counts[minute] = (counts[minute] ?? 0) + 1;
  }
  const lastSeconds = (Math.max(...times) - first) / 1000 - (counts.length - 1) * 60;
  return Array.from(counts, (count = 0, minute) => {
    const seconds = minute === counts.length - 1 ? Math.max(lastSeconds, 1) : 60;
    return `minute ${minute + 1}${seconds < 60 ? ` (${fmt(seconds, 0)} s)` : ''}: ${fmt(count / seconds, 1)} events/s`;
  });
}

/** A third each: sales with cost (SALE + COGS), payments into BANK, goods received. */
function benchEvent(merchants: Merchants, i: number) {
  const { merchantId, bank } = merchants[i % merchants.length]!;
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
