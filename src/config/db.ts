import { z } from 'zod';
import { type Env, intInRange, parseEnv } from './parse.js';

export type DbConfig = ReturnType<typeof parseDbConfig>;

export function parseDbConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_DB_URL: z
        .string({ message: 'is required: a postgresql:// URL' })
        .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
      APP_ENV_DB_POOL_SIZE: intInRange(1, 200, 20),
      APP_ENV_SNOWFLAKE_NODE_ID: intInRange(0, 1023, 4),
    },
    env,
  );
  return {
    url: parsed.APP_ENV_DB_URL,
    poolSize: parsed.APP_ENV_DB_POOL_SIZE,
    snowflakeNodeId: parsed.APP_ENV_SNOWFLAKE_NODE_ID,
  };
}
