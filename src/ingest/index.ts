import { Partitioners } from 'kafkajs';
import { type KafkaConfig, type TemporalConfig } from '../config/index.js';
import { type Db, ping } from '../db/executor.js';
import { type Logger } from '../lib/logger.js';
import { NotReady } from '../lib/readiness.js';
import { createTemporalClient } from '../temporal/client.js';
import { localWorkerClient } from '../temporal/local-worker.js';
import { createIngestConsumer, type IngestStats } from './consumer.js';
import { type TopicRole } from './decode.js';
import { consumerGroupTimeouts, createKafka } from './kafka.js';
import { type LagMonitor, startLagMonitor } from './lag.js';
import { ensureTopics } from './topics.js';
import { createRunWatcher } from './run-watcher.js';
import { createWorkflowStarter } from './workflow-starter.js';

/**
 * How long an open workflow counts against the bound. A posting finishes in
 * well under a second; one still open after a minute waits (for a missing
 * account, on a retry timer) and costs Temporal nothing while it waits.
 */
const OPEN_WORKFLOW_LEASE_MS = 60_000;
/** How often the open runs' event records are read (one query for all): the slack in freeing a slot. */
const RUN_POLL_MS = 50;

export interface IngestOptions {
  kafka: KafkaConfig;
  temporal: TemporalConfig;
  /** Where the event records are written (db/events.ts); the caller owns its pool. */
  db: Db;
  logger: Logger;
  /** Workflow starts in flight per partition (default 8). */
  startsInFlightPerPartition?: number;
  /** Bound on one workflow start, client retries included (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningIngest {
  readonly stats: IngestStats;
  readonly done: Promise<void>;
  /** Consumer lag per partition (also exported as finance_ingest_consumer_lag). */
  readonly lag: LagMonitor;
  /** Readiness: Kafka (the group's offsets can be read), Temporal (the frontend answers), the consumer runs. */
  readonly checks: Record<string, () => Promise<unknown>>;
  /** Stop consuming, finish in-flight starts, commit, disconnect from Kafka and Temporal. */
  stop(): Promise<void>;
}

/**
 * Boots ingest: topics (created when missing), the Temporal client (lazy:
 * while Temporal is away, starts fail and partitions pause, as in any
 * outage), the DLQ producer, then the consumer. Each client is closed again
 * if a later step fails, so a failed boot leaves nothing running.
 */
export async function createIngest(options: IngestOptions): Promise<RunningIngest> {
  const { kafka: config, temporal, logger } = options;
  const kafka = createKafka(config, logger);
  const { sale, inventory, merchantCdc, dlq } = config.topics;

  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [sale, inventory, merchantCdc, dlq], config.topicPartitions, logger);
  } finally {
    await admin.disconnect();
  }

  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of cleanups.reverse())
      await close().catch((err: unknown) => logger.warn({ err }, 'ingest: closing a client failed'));
  };
  try {
    const { client, connection } = await createTemporalClient({
      transport: temporal.transport,
      namespace: temporal.namespace,
      payloadKeys: temporal.payloadKeys,
    });
    cleanups.push(() => connection.close());
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const topicRoles = new Map<string, TopicRole>([
      [sale, 'events'],
      [inventory, 'events'],
      [merchantCdc, 'merchantCdc'],
    ]);
    const consumer = createIngestConsumer({
      kafka,
      groupId: config.groupId,
      decode: {
        topicRoles,
        maxMessageBytes: config.maxMessageBytes,
      },
      dlqTopic: dlq,
      producer,
      db: options.db,
      startWorkflow: createWorkflowStarter({
        client,
        localWorkerClient: () => localWorkerClient(temporal.namespace, temporal.taskQueue),
        taskQueue: temporal.taskQueue,
        startTimeoutMs: options.startTimeoutMs ?? 10_000,
      }),
      logger,
      partitionsConsumedConcurrently: config.topicPartitions,
      openWorkflows: {
        limit: config.maxOpenWorkflows,
        whenDone: createRunWatcher(options.db, { leaseMs: OPEN_WORKFLOW_LEASE_MS, pollMs: RUN_POLL_MS }),
      },
      group: consumerGroupTimeouts(config.sessionTimeoutMs),
      ...(options.startsInFlightPerPartition
        ? { startsInFlightPerPartition: options.startsInFlightPerPartition }
        : {}),
    });
    cleanups.push(() => consumer.stop());
    await consumer.start();
    let consumerEnded = false;
    void consumer.done.then(
      () => (consumerEnded = true),
      () => (consumerEnded = true),
    );
    const lag = await startLagMonitor({
      kafka,
      groupId: config.groupId,
      topics: [...topicRoles.keys()],
      logger,
    });
    cleanups.push(() => lag.stop());

    let stopping: Promise<void> | undefined;
    return {
      stats: consumer.stats,
      done: consumer.done,
      lag,
      checks: {
        kafka: () => lag.measure(),
        database: () => ping(options.db),
        temporal: () => connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({})),
        running: async () => {
          if (consumerEnded) throw new NotReady('the Kafka consumer stopped');
        },
      },
      stop: () => (stopping ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
