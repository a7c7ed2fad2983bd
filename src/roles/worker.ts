import { createActivities } from '../activities/index.js';
import { closePrisma, createPrisma } from '../db/client.js';
import { dbOf, ping } from '../db/executor.js';
import { createKafka } from '../ingest/kafka.js';
import { IdGenerator } from '../lib/ids.js';
import { NotReady } from '../lib/readiness.js';
import { createLivePublisher } from '../live/publisher.js';
import { startOutboxRelay } from '../outbox/relay.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { registerLocalWorker } from '../temporal/local-worker.js';
import { createWorker } from '../temporal/worker.js';
import { databaseAnswers, temporalAnswers } from './boot-probes.js';
import { type RoleDefinition } from './types.js';

/**
 * The Temporal worker: runs the posting workflows and their activities.
 * Starting needs Temporal (the worker registers with its namespace); without
 * PostgreSQL it starts and its activities retry until the database answers.
 * Redis only carries live updates, best effort (live/publisher.ts).
 * The worker also runs the outbox relay (outbox/relay.ts): it needs the
 * same database, and Kafka only for itself, so Kafka is not needed to start
 * and is no readiness check — while it is away postings go on, the entries
 * wait and `finance_outbox_oldest_seconds` grows.
 */
export const workerRole: RoleDefinition = {
  name: 'worker',
  bootProbes: (config) => ({
    database: () => databaseAnswers(config.db!.url),
    temporal: () => temporalAnswers(config.temporal!),
  }),
  async start({ config, logger }) {
    const log = logger.child({ role: 'worker' });
    const db = config.db!;
    const temporal = config.temporal!;
    installTemporalRuntime(log);
    const prisma = createPrisma({
      url: db.url,
      poolSize: db.poolSize,
      applicationName: 'seller-finance-worker',
    });
    // Live updates for the API's /ws: published after each commit (config requires Redis for this role).
    const live = await createLivePublisher({ ...config.redis!, logger: log });
    let created;
    try {
      created = await createWorker({
        address: temporal.address,
        tls: temporal.transport.tls,
        ...(temporal.transport.apiKey ? { apiKey: temporal.transport.apiKey } : {}),
        payloadKeys: temporal.payloadKeys,
        namespace: temporal.namespace,
        taskQueue: temporal.taskQueue,
        activities: createActivities({
          db: dbOf(prisma),
          ids: new IdGenerator(db.snowflakeNodeId),
          logger: log,
          listener: live,
          retryWindowMs: temporal.missingAccountRetryHours * 3_600_000,
        }),
        maxConcurrentActivityTaskExecutions: temporal.maxConcurrentActivities,
        maxConcurrentWorkflowTaskExecutions: temporal.maxConcurrentWorkflowTasks,
        maxConcurrentWorkflowTaskPolls: temporal.workflowPollers,
      });
    } catch (err) {
      await closePrisma(prisma);
      await live.close();
      throw err;
    }
    const { worker, connection } = created;
    const withdraw = registerLocalWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      payloadKeys: temporal.payloadKeys,
    });
    const kafka = config.kafka!;
    const relay = startOutboxRelay({
      db: dbOf(prisma),
      kafka: createKafka(kafka, log, '-outbox'),
      topic: kafka.topics.vouchers,
      topicPartitions: kafka.topicPartitions,
      logger: log,
      ...config.outbox!,
    });
    const done = worker.run().finally(async () => {
      withdraw();
      await relay.stop();
      await connection.close();
      await closePrisma(prisma);
      await live.close();
    });
    log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'worker polling');
    return {
      name: 'worker',
      done,
      checks: {
        database: () => ping(dbOf(prisma)),
        temporal: () => connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({})),
        running: async () => {
          if (worker.getState() !== 'RUNNING') throw new NotReady(`worker is ${worker.getState()}`);
        },
      },
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
      },
    };
  },
};
