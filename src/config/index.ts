import { z } from 'zod';
import { parseDbConfig } from './db.js';
import { parseHttpConfig } from './http.js';
import { parseKafkaConfig } from './kafka.js';
import { parseOutboxConfig } from './outbox.js';
import { ConfigError, type Env, intInRange, parseEnv } from './parse.js';
import { parseRedisConfig } from './redis.js';
import { parseTemporalConfig } from './temporal.js';

export { ConfigError } from './parse.js';
export type { DbConfig } from './db.js';
export type { HttpConfig } from './http.js';
export type { KafkaConfig } from './kafka.js';
export type { RedisConfig } from './redis.js';
export type { TemporalConfig } from './temporal.js';

export const RUN_MODES = ['api', 'worker', 'ingest', 'all', 'migrate'] as const;
export type RunMode = (typeof RUN_MODES)[number];
export type Role = 'api' | 'worker' | 'ingest';

export function rolesOf(mode: RunMode): Role[] {
  if (mode === 'all') return ['api', 'worker', 'ingest'];
  if (mode === 'migrate') return [];
  return [mode];
}

/**
 * The typed configuration of a process, parsed once at boot. Only the
 * subsystems its roles need are parsed, so a worker does not demand JWKS
 * settings, but a role that needs Kafka fails at once without brokers.
 * All problems of all needed subsystems are reported together.
 */
export function loadConfig(env: Env = process.env, runModeOverride?: string) {
  const base = parseEnv(
    {
      RUN_MODE: z.enum(RUN_MODES).default('all'),
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      // Every role listens here: the api serves its routes, worker and ingest their
      // health, readiness and /metrics (one port per container, deploy/README.md).
      PORT: intInRange(0, 65535, 3000),
      APP_ENV_HTTP_HOST: z.string().default('0.0.0.0'),
    },
    runModeOverride ? { ...env, RUN_MODE: runModeOverride } : env,
  );
  const roles = rolesOf(base.RUN_MODE);
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
      return undefined;
    }
  };
  const needs = (...r: Role[]) => roles.some((role) => r.includes(role));
  const config = {
    runMode: base.RUN_MODE,
    roles,
    nodeEnv: base.NODE_ENV,
    logLevel: base.LOG_LEVEL,
    listen: { host: base.APP_ENV_HTTP_HOST, port: base.PORT },
    db: attempt(() => parseDbConfig(env)),
    // The worker publishes the outbox to Kafka (its relay); ingest consumes from it.
    kafka: needs('ingest', 'worker') ? attempt(() => parseKafkaConfig(env)) : undefined,
    outbox: needs('worker') ? attempt(() => parseOutboxConfig(env)) : undefined,
    temporal: needs('api', 'worker', 'ingest') ? attempt(() => parseTemporalConfig(env)) : undefined,
    redis: needs('api', 'worker') ? attempt(() => parseRedisConfig(env)) : undefined,
    http: needs('api') ? attempt(() => parseHttpConfig(env)) : undefined,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export type AppConfig = ReturnType<typeof loadConfig>;
