import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { API_PREFIX } from '../../src/api/paths.js';
import { parseKafkaConfig } from '../../src/config/kafka.js';
import { createKafka } from '../../src/ingest/kafka.js';
import { createLogger } from '../../src/lib/logger.js';
import { testEnv, uniqueName } from './env.js';

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Everything any RUN_MODE reads, pointed at the test stack, with topics, a
 * consumer group and a task queue of its own: a process started with it
 * never takes messages or workflow tasks from another suite.
 */
export function roleEnvironment(run = uniqueName('role')): Record<string, string> {
  return {
    APP_ENV_DB_URL: testEnv.dbUrl,
    APP_ENV_REDIS_URL: testEnv.redisUrl,
    APP_ENV_REDIS_KEY_PREFIX: process.env.APP_ENV_REDIS_KEY_PREFIX ?? 'sf-test:',
    APP_ENV_KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    APP_ENV_KAFKA_CLIENT_ID: `test-${run}`,
    APP_ENV_KAFKA_GROUP_ID: `group-${run}`,
    APP_ENV_KAFKA_TOPIC_SALE: `${run}.sale.events`,
    APP_ENV_KAFKA_TOPIC_INVENTORY: `${run}.inventory.events`,
    APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: `${run}.commerce.public.Merchant`,
    APP_ENV_KAFKA_TOPIC_DLQ: `${run}.finance.dlq`,
    APP_ENV_KAFKA_TOPIC_PARTITIONS: '1',
    APP_ENV_TEMPORAL_ADDRESS: testEnv.temporalAddress,
    APP_ENV_TEMPORAL_NAMESPACE: testEnv.temporalNamespace,
    APP_ENV_TEMPORAL_TASK_QUEUE: `finance-posting-${run}`,
    // Fetched on the first token only; no request here carries one.
    APP_ENV_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    APP_ENV_JWT_ISSUER: 'https://identity.test/',
    APP_ENV_JWT_AUDIENCE: 'seller-finance',
    APP_ENV_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    APP_ENV_HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

/** Deletes the topics a role created from `roleEnvironment`. */
export async function deleteRoleTopics(env: Record<string, string>): Promise<void> {
  const config = parseKafkaConfig(env);
  const admin = createKafka(config, createLogger({ level: 'silent' }), '-cleanup').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: Object.values(config.topics) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean; error?: string }> };
}

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number | undefined;
  readonly exited: Promise<number | null>;
  /** stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** GET /readyz once; undefined while nothing listens. */
  readiness(): Promise<Readiness | undefined>;
  /** Polls /readyz until `accept` holds; fails with the process output if it exits or time runs out. */
  waitForReadiness(accept: (r: Readiness) => boolean, timeoutMs: number, what?: string): Promise<Readiness>;
  /** SIGTERM (by default), then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a service process listening on `port` (its env says PORT) and watches it. */
export function startService(options: {
  command: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  port: number;
}): ServiceProcess {
  const [bin, ...args] = options.command;
  const child: ChildProcess = spawn(bin!, args, {
    cwd: options.cwd,
    env: { ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const url = `http://127.0.0.1:${options.port}`;

  const readiness = async (): Promise<Readiness | undefined> => {
    try {
      const res = await fetch(`${url}${API_PREFIX}/readyz`, { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: (await res.json()) as Readiness['body'] };
    } catch {
      return undefined;
    }
  };

  return {
    url,
    pid: child.pid,
    exited,
    output: () => out,
    readiness,
    async waitForReadiness(accept, timeoutMs, what = 'ready') {
      const deadline = Date.now() + timeoutMs;
      let last: Readiness | undefined;
      while (Date.now() < deadline) {
        if (exitCode !== undefined)
          throw new Error(`exited (${exitCode}) before ${what}; its output:\n${out.slice(-8_000)}`);
        last = await readiness();
        if (last && accept(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `not ${what} within ${timeoutMs} ms; last /readyz: ${JSON.stringify(last)}; output:\n${out.slice(-8_000)}`,
      );
    },
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}
