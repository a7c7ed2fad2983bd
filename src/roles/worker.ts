import { createActivities } from '../activities/index.js';
import { closePrisma, createPrisma } from '../db/client.js';
import { IdGenerator } from '../lib/ids.js';
import { createLivePublisher } from '../live/publisher.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { createWorker } from '../temporal/worker.js';
import { type RoleContext, type RunningRole } from './types.js';

/** The Temporal worker: runs the posting workflows and their activities. */
export async function startWorker({ config, logger }: RoleContext): Promise<RunningRole> {
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
  const activities = createActivities({
    prisma,
    ids: new IdGenerator(db.snowflakeNodeId),
    logger: log,
    listener: live,
  });
  const { worker, connection } = await createWorker({
    address: temporal.address,
    tls: temporal.transport.tls,
    ...(temporal.transport.apiKey ? { apiKey: temporal.transport.apiKey } : {}),
    payloadKeys: temporal.payloadKeys,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    activities,
    maxConcurrentActivityTaskExecutions: temporal.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: temporal.maxConcurrentWorkflowTasks,
  });
  const done = worker.run().finally(async () => {
    await connection.close();
    await closePrisma(prisma);
    await live.close();
  });
  log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'worker polling');
  return {
    name: 'worker',
    done,
    checks: {
      database: () => prisma.$queryRaw`SELECT 1`,
      temporal: async () => {
        if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
      },
    },
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
