import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/ingest/kafka.js';
import { startLagMonitor } from '../../src/ingest/lag.js';
import { ensureTopics } from '../../src/ingest/topics.js';
import { registry } from '../../src/lib/metrics.js';
import { API, createTestApi, type TestApi } from '../api/support.js';
import { testEnv, uniqueName } from '../support/env.js';
import { ingestTestConfig } from '../support/ingest.js';
import { capturingLogger } from '../support/logs.js';
import { spawnRole, type RoleProcess } from '../support/processes.js';

/**
 * Metrics: the api counts requests by route template on `/metrics`;
 * worker and ingest containers answer the same health and readiness paths
 * as the api plus `/metrics` on PORT; consumer lag is read from the broker.
 */

const logs = capturingLogger('warn');

describe('api metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ logger: logs.logger });
  });
  afterAll(async () => api?.close());

  it('counts requests by route template and status, never by raw path', async () => {
    const who = uniqueName('metrics-user');
    expect((await api.call(null, 'GET', `${API}/accounts/123456789`)).statusCode).toBe(401);
    expect((await api.call(who, 'GET', `${API}/accounts/987654321`)).statusCode).toBe(404);
    expect((await api.call(null, 'GET', `${API}/healthz`)).statusCode).toBe(200);

    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain(
      `finance_http_requests_total{method="GET",route="${API}/accounts/:id",status_code="401"} 1`,
    );
    expect(text).toContain(
      `finance_http_requests_total{method="GET",route="${API}/accounts/:id",status_code="404"} 1`,
    );
    expect(text).toMatch(
      new RegExp(`finance_http_request_duration_seconds_count\\{method="GET",route="${API}/healthz"\\} 1`),
    );
    expect(text).not.toContain('123456789');
    expect(text).toContain('finance_process_resident_memory_bytes');
  });
});

describe('consumer lag', () => {
  it('is the log end minus the committed offset, per partition, read from the broker', async () => {
    const topic = uniqueName('lag');
    const kafka = createKafka(ingestTestConfig().kafka, logs.logger, '-test');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const groupId = uniqueName('lag-group');
    try {
      await ensureTopics(admin, [topic], 2, logs.logger);
      await producer.send({
        topic,
        messages: [0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: `m${i}` })),
      });
      const monitor = await startLagMonitor({ kafka, groupId, topics: [topic], logger: logs.logger });
      try {
        expect((await monitor.measure()).map((p) => [p.partition, p.lag])).toEqual([
          [0, 3n],
          [1, 2n],
        ]);
        // The group commits offset 2 on partition 0: one message left there.
        await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
        expect((await monitor.measure()).map((p) => [p.partition, p.lag])).toEqual([
          [0, 1n],
          [1, 2n],
        ]);
        const text = await registry.getSingleMetricAsString('finance_ingest_consumer_lag');
        expect(text).toContain(`finance_ingest_consumer_lag{topic="${topic}",partition="0"} 1`);
        expect(text).toContain(`finance_ingest_consumer_lag{topic="${topic}",partition="1"} 2`);
      } finally {
        await monitor.stop();
      }
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe.concurrent('worker and ingest containers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-ops-'));
  const roles: RoleProcess[] = [];
  afterAll(async () => {
    for (const r of roles) r.kill('SIGTERM');
    await Promise.all(roles.map((r) => r.exited));
  });

  /** Starts the role as `npm start` would and returns its ops server's URL (PORT=0: a free port). */
  async function start(role: 'worker' | 'ingest', env: Record<string, string>) {
    const logFile = join(dir, `${role}.log`);
    const proc = spawnRole(role, env, logFile);
    roles.push(proc);
    expect(await proc.ready).toBe(true);
    // The log file is appended through a stream: give it a moment to land.
    let line: string | undefined;
    for (let i = 0; i < 50 && !line; i += 1) {
      line = readFileSync(logFile, 'utf8')
        .split('\n')
        .find((l) => l.includes('health, readiness and metrics listening'));
      if (!line) await new Promise((r) => setTimeout(r, 100));
    }
    expect(line, `no ops server line in ${logFile}`).toBeDefined();
    return { proc, url: (JSON.parse(line!) as { url: string }).url };
  }

  it.each([
    ['worker', ['worker.database', 'worker.running', 'worker.temporal'], 'finance_vouchers_posted_total'],
    [
      'ingest',
      ['ingest.database', 'ingest.kafka', 'ingest.running', 'ingest.temporal'],
      'finance_ingest_consumer_lag',
    ],
  ] as const)(
    '%s: healthz, readyz naming its dependencies, /metrics, and a clean SIGTERM',
    { timeout: 90_000 },
    async (role, checks, metric) => {
      const run = uniqueName('ops');
      const { proc, url } = await start(role, {
        APP_ENV_DB_URL: testEnv.dbUrl,
        APP_ENV_REDIS_URL: testEnv.redisUrl,
        APP_ENV_TEMPORAL_ADDRESS: testEnv.temporalAddress,
        APP_ENV_TEMPORAL_TASK_QUEUE: `ops-${run}`,
        APP_ENV_KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
        APP_ENV_KAFKA_GROUP_ID: `group-${run}`,
        APP_ENV_KAFKA_TOPIC_SALE: `${run}.sale.events`,
        APP_ENV_KAFKA_TOPIC_INVENTORY: `${run}.inventory.events`,
        APP_ENV_KAFKA_TOPIC_MERCHANT_CDC: `${run}.commerce.public.Merchant`,
        APP_ENV_KAFKA_TOPIC_DLQ: `${run}.finance.dlq`,
        APP_ENV_KAFKA_TOPIC_PARTITIONS: '2',
        LOG_LEVEL: 'info',
      });

      expect(await (await fetch(`${url}${API}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}${API}/readyz`);
      const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      expect(ready.status, JSON.stringify(body)).toBe(200);
      expect(body.status).toBe('ready');
      expect(Object.keys(body.checks).sort()).toEqual([...checks]);
      expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);

      const scrape = await (await fetch(`${url}/metrics`)).text();
      expect(scrape).toContain(`# TYPE ${metric}`);
      expect(scrape).toContain('finance_process_cpu_seconds_total');
      if (role === 'ingest') {
        expect(scrape).toContain(`finance_ingest_consumer_lag{topic="${run}.sale.events",partition="1"} 0`);
      }
      // Not the api: no business routes on this port.
      expect((await fetch(`${url}${API}/accounts`)).status).toBe(404);

      proc.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    },
  );
});
