import { z } from 'zod';
import { type Env, parseEnv } from './parse.js';

export type RedisConfig = ReturnType<typeof parseRedisConfig>;

export function parseRedisConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_REDIS_URL: z
        .string({ message: 'is required: a redis:// URL (authorization cache, live updates)' })
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
      APP_ENV_REDIS_KEY_PREFIX: z.string().default('sf:'),
    },
    env,
  );
  return { url: parsed.APP_ENV_REDIS_URL, keyPrefix: parsed.APP_ENV_REDIS_KEY_PREFIX };
}
