import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { createWorkflowStarter } from '../../src/ingest/workflow-starter.js';
import { localWorkerClient, registerLocalWorker } from '../../src/temporal/local-worker.js';
import { postEventStart } from '../../src/temporal/workflow-starts.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { quietTemporalRuntime, withTestWorker } from '../support/temporal.js';

/**
 * RUN_MODE=all: ingest starts workflows through the worker's own connection
 * with requestEagerStart, so the dev server hands the first workflow task
 * back in the start's reply. Without a worker in the process (or on another
 * task queue) the start goes the usual way. Either way the event posts once.
 */
const logs = capturingLogger('warn');
let prisma: PrismaClient;
let connection: Connection;
let native: NativeConnection;

beforeAll(async () => {
  quietTemporalRuntime();
  prisma = await testPrisma();
  connection = await Connection.connect({ address: testEnv.temporalAddress });
  native = await NativeConnection.connect({ address: testEnv.temporalAddress });
});

afterAll(async () => {
  await connection?.close();
  await native?.close();
  await prisma?.$disconnect();
});

describe('eager workflow start through a worker of this process', () => {
  it('is eager on the local worker’s connection, the usual start without it, and posts each event once', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const receipt = (): PostingEvent => ({
      id: uniqueName('evt-eager'),
      type: 'inventory.received',
      merchantId,
      occurredAt: '2026-11-25T10:00:00Z',
      data: { receiptId: uniqueName('gr'), currency: 'USD', total: '12.50' },
    });
    const namespace = testEnv.temporalNamespace;
    const client = new Client({ connection, namespace });
    const activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
    const results = await withTestWorker({ activities, connection: native }, async (taskQueue) => {
      const start = createWorkflowStarter({
        client,
        localWorkerClient: () => localWorkerClient(namespace, taskQueue),
        taskQueue,
        startTimeoutMs: 10_000,
      });
      const withdraw = registerLocalWorker({ connection: native, namespace, taskQueue, payloadKeys: [] });
      const [eager, elsewhere] = [receipt(), receipt()];
      let outcomes;
      try {
        const viaLocal = await start(postEventStart(eager, {}));
        // Another task queue's worker is no local worker for this one.
        const other = localWorkerClient(namespace, `${taskQueue}-other`);
        outcomes = { viaLocal, other };
      } finally {
        withdraw();
      }
      const usual = await start(postEventStart(elsewhere, {}));
      const posted = await Promise.all(
        [eager, elsewhere].map((e) => client.workflow.getHandle(`finance-event-${e.id}`).result()),
      );
      return { ...outcomes, usual, posted };
    });
    expect(results.viaLocal).toMatchObject({ kind: 'started', eager: true });
    expect(results.other).toBeUndefined();
    expect(results.usual).toMatchObject({ kind: 'started', eager: false });
    expect(results.posted.map((r) => r.outcome)).toEqual(['posted', 'posted']);
  });
});
