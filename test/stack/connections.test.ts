import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { ensureTopics } from '../../src/ingest/topics.js';
import { postEventStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { testWorkflowEnvironment, withWorker } from '../support/temporal.js';
import { dbOf } from '../../src/db/executor.js';

/** One real round trip to each service the product depends on. */
describe('the local stack answers', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('PostgreSQL through Prisma, on the migrated schema', async () => {
    const prisma = await testPrisma(2);
    cleanups.push(() => prisma.$disconnect());
    const [row] = await prisma.$queryRaw<{ schema: string; version: string }[]>`
      SELECT current_schema() AS schema, current_setting('server_version') AS version`;
    expect(row?.version).toMatch(/^\d+/);
    expect(await prisma.merchant.count({ where: { id: -1n } })).toBe(0);
  });

  it('Redis commands and pub/sub', async () => {
    const redis = new Redis(testEnv.redisUrl);
    const sub = new Redis(testEnv.redisUrl);
    cleanups.push(
      () => redis.quit(),
      () => sub.quit(),
    );
    const key = uniqueName('conn');
    await redis.set(key, 'v', 'EX', 30);
    expect(await redis.get(key)).toBe('v');
    const received = new Promise<string>((resolve) =>
      sub.on('message', (_channel, message) => resolve(message)),
    );
    await sub.subscribe(key);
    await redis.publish(key, 'hello');
    expect(await received).toBe('hello');
  });

  it('Kafka produce and consumer-group consume', async () => {
    const kafka = new Kafka({
      clientId: 'conn-test',
      brokers: testEnv.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('conn');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], 1, capturingLogger().logger);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'ping' }] });
    const consumer = kafka.consumer({ groupId: uniqueName('conn-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const value = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(value).toBe('ping');
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('Temporal: a real worker runs a workflow on the dev server', async () => {
    const env = await testWorkflowEnvironment();
    const prisma = await testPrisma(2);
    cleanups.push(
      () => env.teardown(),
      () => prisma.$disconnect(),
    );
    const activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: capturingLogger().logger });
    // A payment without a finance source completes as skipped: the workflow runs, no activity needs the DB.
    const event = {
      id: uniqueName('evt'),
      type: 'sale.payment.captured' as const,
      merchantId: '1',
      occurredAt: new Date().toISOString(),
      data: {
        paymentId: 'p',
        orderId: 'o',
        amount: '1.00',
        currency: 'USD',
        method: 'cash',
        financeSourceId: null,
      },
    };
    const result = await withWorker(env, activities, async (taskQueue) =>
      (await startWorkflow(env.client, taskQueue, postEventStart(event, {}))).result(),
    );
    expect(result.outcome).toBe('skipped');
  });
});
