import { fileURLToPath } from 'node:url';
import { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../src/config/kafka.js';
import { type PrismaClient } from '../../src/db/client.js';
import { createKafka } from '../../src/ingest/kafka.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { eventually } from '../support/ledger-view.js';
import { capturingLogger } from '../support/logs.js';
import {
  deleteRoleTopics,
  freePort,
  type Readiness,
  roleEnvironment,
  type ServiceProcess,
  startService,
} from '../support/roles.js';
import { type TcpGate, tcpGate } from '../support/tcp-gate.js';

/**
 * A role whose dependencies do not answer at boot stays up, answers
 * `/readyz` 503 naming them, retries, and starts working once they answer.
 * PostgreSQL, Kafka and Temporal are "down" without touching the shared
 * services: each process is pointed at a port of this test's own where
 * nothing listens (test/support/tcp-gate.ts), which is later opened as a
 * relay to the real service. The old code exited within ~14 s of such a boot.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Longer than the old give-up time, so "stays alive" means something. */
const DOWN_FOR_MS = 16_000;
const logs = capturingLogger('warn');

/**
 * Which checks each mode reports, and which of them must fail while the three
 * are down; `api.load` (load shedding) exists once the api runs.
 */
const MODES = {
  api: { failing: ['api.database', 'api.temporal', 'api.running'], passing: ['api.redis'] },
  worker: { failing: ['worker.database', 'worker.temporal', 'worker.running'], passing: [] },
  ingest: { failing: ['ingest.database', 'ingest.kafka', 'ingest.temporal', 'ingest.running'], passing: [] },
  all: {
    failing: [
      'api.database',
      'api.temporal',
      'api.running',
      'worker.database',
      'worker.temporal',
      'worker.running',
      'ingest.database',
      'ingest.kafka',
      'ingest.temporal',
      'ingest.running',
    ],
    passing: ['api.redis'],
  },
} as const;
type Mode = keyof typeof MODES;

describe('PostgreSQL, Kafka and Temporal down when the roles boot', () => {
  const env = roleEnvironment(uniqueName('downboot'));
  const gates: Record<'database' | 'kafka' | 'temporal', TcpGate> = {} as never;
  const services = new Map<Mode, ServiceProcess>();
  let prisma: PrismaClient;
  let producer: Producer;

  beforeAll(async () => {
    const db = new URL(testEnv.dbUrl);
    gates.database = await tcpGate(db.host);
    gates.kafka = await tcpGate(testEnv.kafkaBrokers[0]!);
    gates.temporal = await tcpGate(testEnv.temporalAddress);
    db.host = gates.database.address;
    Object.assign(env, {
      APP_ENV_DB_URL: db.toString(),
      APP_ENV_KAFKA_BROKERS: gates.kafka.address,
      APP_ENV_TEMPORAL_ADDRESS: gates.temporal.address,
    });
    prisma = await testPrisma(2);
    producer = createKafka(
      parseKafkaConfig({ ...env, APP_ENV_KAFKA_BROKERS: testEnv.kafkaBrokers.join(',') }),
      logs.logger,
      '-producer',
    ).producer();
    await producer.connect();
    for (const mode of Object.keys(MODES) as Mode[]) {
      services.set(
        mode,
        startService({
          command: [process.execPath, '--import', 'tsx', 'src/main.ts'],
          cwd: ROOT,
          env: { ...process.env, ...env, RUN_MODE: mode, NODE_ENV: 'test' },
          port: await freePort(),
        }),
      );
    }
  });

  afterAll(async () => {
    const codes = await Promise.all([...services.values()].map((s) => s.stop()));
    await Promise.all(Object.values(gates).map((g) => g.close()));
    await producer?.disconnect();
    await prisma?.$disconnect();
    await deleteRoleTopics({ ...env, APP_ENV_KAFKA_BROKERS: testEnv.kafkaBrokers.join(',') }).catch(
      () => undefined,
    );
    expect(codes, 'exit codes after SIGTERM').toEqual(codes.map(() => 0));
  });

  it('each mode answers 503 naming every dependency that does not answer, and stays up', async () => {
    const startedAt = Date.now();
    const first = new Map<Mode, Readiness>();
    for (const [mode, service] of services)
      first.set(mode, await service.waitForReadiness(() => true, 60_000, 'listening'));
    await new Promise((r) => setTimeout(r, Math.max(0, DOWN_FOR_MS - (Date.now() - startedAt))));

    for (const [mode, service] of services) {
      const { failing, passing } = MODES[mode];
      const now = await service.readiness();
      expect(now, `${mode} still answers after ${DOWN_FOR_MS} ms`).toBeDefined();
      expect(now!.status, mode).toBe(503);
      expect(now!.body.status).toBe('unready');
      const failed = Object.keys(now!.body.checks).filter((name) => !now!.body.checks[name]!.ok);
      expect(failed.sort(), `${mode}: ${JSON.stringify(now!.body.checks)}`).toEqual([...failing].sort());
      for (const name of passing) expect(now!.body.checks[name]?.ok, `${mode}: ${name}`).toBe(true);
      expect(now!.body.checks[`${mode === 'all' ? 'worker' : mode}.running`]!.error).toMatch(
        /^starting: attempt \d+ failed \(.+\), next in \d+ s$/,
      );
      expect(first.get(mode)!.status, mode).toBe(503);
    }
  });

  it('once they answer, every mode becomes ready and an event is posted end to end', async () => {
    await Promise.all(Object.values(gates).map((g) => g.open()));
    for (const [mode, service] of services) {
      const ready = await service.waitForReadiness((r) => r.status === 200, 120_000);
      const api = mode === 'api' || mode === 'all' ? ['api.load'] : [];
      expect(Object.keys(ready.body.checks).sort(), mode).toEqual(
        [...MODES[mode].failing, ...MODES[mode].passing, ...api].sort(),
      );
    }

    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const eventId = uniqueName('evt-downboot');
    await producer.send({
      topic: env.APP_ENV_KAFKA_TOPIC_SALE!,
      messages: [
        {
          key: merchantId,
          value: JSON.stringify({
            id: eventId,
            type: 'sale.order.completed',
            merchantId,
            occurredAt: new Date().toISOString(),
            data: { orderId: 'o-1', orderNumber: 'SO-1', currency: 'USD', total: '12.50', costTotal: '0' },
          }),
        },
      ],
    });
    const voucher = await eventually(
      async () =>
        (await prisma.financeVoucher.findFirst({ where: { eventId, merchantId: BigInt(merchantId) } })) ??
        undefined,
      60_000,
      `the voucher of ${eventId}`,
    );
    expect(voucher.type).toBe('SALE');
  });
});

describe('RUN_MODE=migrate while PostgreSQL does not answer', () => {
  it('waits for the database, then applies the migrations and exits 0', async () => {
    const db = new URL(testEnv.dbUrl);
    const gate = await tcpGate(db.host);
    db.host = gate.address;
    const migrate = startService({
      command: [process.execPath, '--import', 'tsx', 'src/main.ts'],
      cwd: ROOT,
      env: { ...process.env, APP_ENV_DB_URL: db.toString(), RUN_MODE: 'migrate', NODE_ENV: 'production' },
      port: await freePort(),
    });
    try {
      await eventually(
        async () => (migrate.output().includes('"event":"finance.migrate.waiting"') ? true : undefined),
        30_000,
        'the migrator to say it waits',
      );
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await Promise.race([migrate.exited, Promise.resolve('running')])).toBe('running');
      await gate.open();
      expect(await migrate.exited, migrate.output()).toBe(0);
      expect(migrate.output()).toContain('database migrations up to date');
    } finally {
      await migrate.stop();
      await gate.close();
    }
  });
});
