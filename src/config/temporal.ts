import { z } from 'zod';
import { type Env, intInRange, parseEnv } from './parse.js';

export type TemporalConfig = ReturnType<typeof parseTemporalConfig>;

export function parseTemporalConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
      APP_ENV_TEMPORAL_NAMESPACE: z.string().default('default'),
      APP_ENV_TEMPORAL_TASK_QUEUE: z.string().default('finance-posting'),
      APP_ENV_TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
      /** How long a posting waits for a missing merchant / control account before failing. */
      APP_ENV_MISSING_ACCOUNT_RETRY_HOURS: z.coerce
        .number()
        .positive()
        .max(24 * 30)
        .default(6),
      APP_ENV_WORKER_MAX_ACTIVITIES: intInRange(1, 1000, 100),
      APP_ENV_WORKER_MAX_WORKFLOW_TASKS: intInRange(1, 1000, 40),
      /** Post ingested events through local activities: ~2x throughput on one dev server (BENCHMARKS.md). */
      APP_ENV_POSTING_LOCAL_ACTIVITIES: z.enum(['true', 'false']).default('false'),
    },
    env,
  );
  return {
    address: parsed.APP_ENV_TEMPORAL_ADDRESS,
    namespace: parsed.APP_ENV_TEMPORAL_NAMESPACE,
    taskQueue: parsed.APP_ENV_TEMPORAL_TASK_QUEUE,
    uiUrl: parsed.APP_ENV_TEMPORAL_UI_URL,
    missingAccountRetryHours: parsed.APP_ENV_MISSING_ACCOUNT_RETRY_HOURS,
    maxConcurrentActivities: parsed.APP_ENV_WORKER_MAX_ACTIVITIES,
    maxConcurrentWorkflowTasks: parsed.APP_ENV_WORKER_MAX_WORKFLOW_TASKS,
    postingLocalActivities: parsed.APP_ENV_POSTING_LOCAL_ACTIVITIES === 'true',
  };
}
