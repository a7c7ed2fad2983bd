import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('`RUN_MODE=ingest npm start` with an empty APP_ENV_KAFKA_BROKERS exits non-zero naming the variable', async () => {
    const err = (await run('npm', ['start', '--silent'], {
      env: { ...process.env, RUN_MODE: 'ingest', NODE_ENV: 'production', APP_ENV_KAFKA_BROKERS: '' },
      timeout: 60_000,
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).not.toBe(0);
    expect(err.stderr).toContain('APP_ENV_KAFKA_BROKERS');
    expect(err.stderr).toContain('is required');
  });

  it('reports every bad variable of the roles that need it, and only those', () => {
    const env = {
      APP_ENV_DB_URL: 'mysql://x',
      APP_ENV_KAFKA_BROKERS: 'no-port',
      APP_ENV_REDIS_URL: 'redis://r:6379',
    };
    const problems = (() => {
      try {
        loadConfig({ ...env, RUN_MODE: 'all' });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    })();
    expect(problems.join('\n')).toMatch(/APP_ENV_DB_URL: must be a postgresql:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/APP_ENV_KAFKA_BROKERS: each broker must be host:port/);
    expect(problems.join('\n')).toMatch(/APP_ENV_JWKS_URL/);
    // A worker needs Kafka (its outbox relay publishes the voucher stream), not the JWKS.
    const worker = loadConfig({
      APP_ENV_DB_URL: 'postgresql://h/db',
      APP_ENV_REDIS_URL: 'redis://r',
      APP_ENV_KAFKA_BROKERS: 'k:9092',
      RUN_MODE: 'worker',
    });
    expect(worker.http).toBeUndefined();
    expect(worker.kafka?.topics.vouchers).toBe('finance.vouchers');
    expect(worker.outbox).toEqual({ pollMs: 200, retentionMs: 72 * 3_600_000 });
    expect(worker.temporal?.taskQueue).toBe('finance-posting');
    expect(worker.db?.snowflakeNodeId).toBe(4);
  });

  it('a worker needs Redis (live updates) and Kafka (the voucher stream) and says so by name', () => {
    let problems: string[] = [];
    try {
      loadConfig({ APP_ENV_DB_URL: 'postgresql://h/db', RUN_MODE: 'worker' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.sort()).toEqual([
      'APP_ENV_KAFKA_BROKERS: is required: a comma-separated list of host:port Kafka brokers (it is empty or unset)',
      'APP_ENV_REDIS_URL: is required: a redis:// URL (authorization cache, live updates) (it is empty or unset)',
    ]);
  });

  it('applies the documented defaults', () => {
    const c = loadConfig({
      APP_ENV_DB_URL: 'postgresql://h/db',
      APP_ENV_KAFKA_BROKERS: 'a:9092, b:9093',
      RUN_MODE: 'ingest',
    });
    expect(c.kafka).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      groupId: 'SVC-00040-FINANCE_CONSUMER_GROUP',
      topics: {
        sale: 'sale.events',
        inventory: 'inventory.events',
        merchantCdc: 'commerce.public.Merchant',
        dlq: 'finance.dlq',
      },
      topicPartitions: 6,
    });
  });

  it('bounds the worker: workflow task slots and their pollers', () => {
    const worker = (vars: Record<string, string>) => {
      try {
        return loadConfig({
          APP_ENV_DB_URL: 'postgresql://h/db',
          APP_ENV_REDIS_URL: 'redis://r',
          APP_ENV_KAFKA_BROKERS: 'k:9092',
          RUN_MODE: 'worker',
          ...vars,
        }).temporal;
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(worker({})).toMatchObject({ maxConcurrentWorkflowTasks: 100, workflowPollers: 10 });
    expect(worker({ APP_ENV_WORKER_MAX_WORKFLOW_TASKS: '6' })).toMatchObject({ workflowPollers: 6 });
    expect(worker({ APP_ENV_WORKER_WORKFLOW_POLLERS: '50' })).toMatchObject({ workflowPollers: 50 });
    expect(
      worker({ APP_ENV_WORKER_MAX_WORKFLOW_TASKS: '20', APP_ENV_WORKER_WORKFLOW_POLLERS: '30' }),
    ).toEqual([
      'APP_ENV_WORKER_WORKFLOW_POLLERS: 30 is more than APP_ENV_WORKER_MAX_WORKFLOW_TASKS (20); each poll holds a workflow task slot',
    ]);
    // The SDK refuses one slot while it caches workflows, and one poller: a clear error at boot instead.
    expect(String(worker({ APP_ENV_WORKER_MAX_WORKFLOW_TASKS: '1' }))).toMatch(
      /^APP_ENV_WORKER_MAX_WORKFLOW_TASKS: /,
    );
    expect(String(worker({ APP_ENV_WORKER_WORKFLOW_POLLERS: '1' }))).toMatch(
      /^APP_ENV_WORKER_WORKFLOW_POLLERS: /,
    );
  });
});
