import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { metrics } from '../../src/lib/metrics.js';
import { startOutboxRelay } from '../../src/outbox/relay.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { postEventStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueMerchantId, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { metricValue } from '../support/metrics.js';
import { testWorkflowEnvironment, withWorker, workflowBundle } from '../support/temporal.js';
import { createIngest } from '../../src/ingest/index.js';
import { createTestApi } from '../api/support.js';
import { testEnv } from '../support/env.js';
import { ingestTestConfig, testKafka, testProducer } from '../support/ingest.js';
import { freePort } from '../support/roles.js';
import { tcpGate } from '../support/tcp-gate.js';

/**
 * Logs and metrics: each situation an operator is paged for is
 * produced for real (workflows on the real Temporal, postings in the real
 * PostgreSQL), then the `jq` query that docs/runbook.md gives for it is run
 * verbatim over the captured JSON lines and must find the line; the metric
 * the alert is built on must have moved by exactly what happened.
 */

const logs = capturingLogger('info');
installTemporalRuntime(logs.logger);

const RUNBOOK = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');

/** `# log-query: <name>` followed by a command line ending in `| jq -c '<filter>'`. */
function runbookQueries(): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of RUNBOOK.matchAll(/# log-query: ([\w-]+)\n[^\n]*\| jq -c '([^']+)'/g))
    found.set(m[1]!, m[2]!);
  return found;
}

/** Every `jq -c '<filter>'` of the runbook, in code blocks and inline. */
const RUNBOOK_FILTERS = [...RUNBOOK.matchAll(/jq -c '([^']+)'/g)].map((m) => m[1]!);
/** The filters run by this file so far; the last test checks that none was left out. */
const executed = new Set<string>();

/**
 * Runs the runbook's filter with the real jq over the captured log, as an
 * operator would; `example` replaces the runbook's placeholder values
 * (`<id>`, `1001`, a voucher number) with ones of this run.
 */
function runQuery(
  filter: string,
  example: [placeholder: string, real: string] = ['', ''],
): Record<string, unknown>[] {
  expect(RUNBOOK_FILTERS, 'the filter is one of docs/runbook.md').toContain(filter);
  executed.add(filter);
  const out = execFileSync('jq', ['-c', filter.replace(example[0], example[1])], {
    input: `${logs.text()}\n`,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let activities: Activities;

beforeAll(async () => {
  [env, prisma] = await Promise.all([testWorkflowEnvironment(), testPrisma(), workflowBundle()]);
  activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
});

afterAll(async () => {
  await env?.teardown();
  await prisma?.$disconnect();
});

function event(merchantId: string, type: PostingEvent['type'], data: Record<string, unknown>): PostingEvent {
  return {
    id: uniqueName('evt'),
    type,
    merchantId,
    occurredAt: '2026-11-25T10:00:00Z',
    data,
  } as PostingEvent;
}

/** Runs the event's workflow to its end (result or failure) under `workflowId`. */
async function runWorkflow(e: PostingEvent, workflowId = `finance-event-${e.id}`): Promise<unknown> {
  return withWorker(env, activities, async (taskQueue) => {
    const handle = await startWorkflow(env.client, taskQueue, {
      ...postEventStart(e, {}),
      workflowId,
    });
    return handle.result().catch((err: unknown) => err);
  });
}

describe('the runbook finds what it promises', () => {
  it('every log query of docs/runbook.md is exercised here', () => {
    expect([...runbookQueries().keys()].sort()).toEqual(
      [
        'api-errors',
        'control-account-missing',
        'idempotent-replay',
        'outbox-relay-failed',
        'partition-paused',
        'posting-failed',
        'skipped',
        'went-negative',
        'event-conflict',
        'request-trail',
      ].sort(),
    );
  });

  it('posting failure: finance.posting.failed and finance_posting_failures_total', async () => {
    const [{ merchantId }, other] = await Promise.all([
      createTestMerchant(prisma, logs.logger),
      createTestMerchant(prisma, logs.logger),
    ]);
    const before = await metricValue(metrics.postingFailures, {
      code: 'ACCOUNT_NOT_FOUND',
      workflow: 'postEventWorkflow',
    });
    const e = event(merchantId, 'sale.payment.captured', {
      paymentId: 'p-1',
      orderId: 'o-1',
      amount: '5',
      currency: 'USD',
      method: 'card',
      financeSourceId: other.accounts.CASH!,
    });
    expect(await runWorkflow(e)).toMatchObject({ cause: { type: 'ACCOUNT_NOT_FOUND' } });

    const hits = runQuery(runbookQueries().get('posting-failed')!).filter((l) => l.eventId === e.id);
    expect(hits).toEqual([
      expect.objectContaining({
        code: 'ACCOUNT_NOT_FOUND',
        merchantId,
        workflowId: `finance-event-${e.id}`,
        msg: expect.stringContaining('Nothing was posted'),
      }),
    ]);
    expect(
      await metricValue(metrics.postingFailures, {
        code: 'ACCOUNT_NOT_FOUND',
        workflow: 'postEventWorkflow',
      }),
    ).toBe(before + 1);
  });

  it('skip: SKIP voucher and finance_postings_skipped_total', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const before = await metricValue(metrics.postingsSkipped, { event_type: 'sale.payment.captured' });
    const e = event(merchantId, 'sale.payment.captured', {
      paymentId: 'p-2',
      orderId: 'o-2',
      amount: '5',
      currency: 'USD',
      method: 'cash',
      financeSourceId: null,
    });
    expect(await runWorkflow(e)).toMatchObject({ outcome: 'skipped' });

    const hits = runQuery(runbookQueries().get('skipped')!).filter((l) => l.eventId === e.id);
    expect(hits).toEqual([
      expect.objectContaining({
        merchantId,
        eventType: 'sale.payment.captured',
        msg: expect.stringContaining('SKIP voucher'),
      }),
    ]);
    expect(await metricValue(metrics.postingsSkipped, { event_type: 'sale.payment.captured' })).toBe(
      before + 1,
    );
  });

  it('went negative, then idempotent replay: a refund before any payment, requested twice', async () => {
    const { merchantId, accounts } = await createTestMerchant(prisma, logs.logger);
    const [negBefore, replaysBefore, refundsBefore] = await Promise.all([
      metricValue(metrics.accountNegative, { account_code: 'CASH' }),
      metricValue(metrics.idempotentReplays),
      metricValue(metrics.vouchersPosted, { voucher_type: 'REFUND' }),
    ]);
    const e = event(merchantId, 'sale.payment.refunded', {
      refundId: 'r-1',
      paymentId: 'p-3',
      orderId: 'o-3',
      amount: '12.50',
      currency: 'USD',
      financeSourceId: accounts.CASH!,
    });
    expect(await runWorkflow(e)).toMatchObject({ outcome: 'posted' });
    // The same event again under another workflow id (e.g. reset by an operator): nothing new posts.
    expect(await runWorkflow(e, `finance-event-${e.id}-again`)).toMatchObject({
      outcome: 'posted',
      vouchers: [expect.objectContaining({ replayed: true })],
    });

    const negative = runQuery(runbookQueries().get('went-negative')!).filter(
      (l) => l.merchantId === merchantId,
    );
    expect(negative).toEqual([
      expect.objectContaining({
        accountId: accounts.CASH,
        accountCode: 'CASH',
        balance: '-12.50',
        postingSequence: '1',
        voucherNumber: expect.stringMatching(/^RF-/),
      }),
    ]);
    const replays = runQuery(runbookQueries().get('idempotent-replay')!).filter(
      (l) => l.merchantId === merchantId,
    );
    expect(replays).toEqual([
      expect.objectContaining({
        sourceType: 'sale.refund',
        sourceId: 'r-1',
        voucherNumber: negative[0]!.voucherNumber,
      }),
    ]);
    // The runbook's "everything about one merchant / one voucher" examples, with this run's values.
    const ofMerchant = runQuery(`select(.merchantId == "1001")`, ['1001', merchantId]);
    expect(ofMerchant.length).toBeGreaterThanOrEqual(2);
    expect(ofMerchant.every((l) => l.merchantId === merchantId)).toBe(true);
    const voucherNumber = String(negative[0]!.voucherNumber);
    const ofVoucher = runQuery(`select(.voucherNumber == "SL-2026-000001")`, [
      'SL-2026-000001',
      voucherNumber,
    ]);
    expect(ofVoucher.length).toBeGreaterThanOrEqual(2);
    expect(ofVoucher.every((l) => l.voucherNumber === voucherNumber)).toBe(true);
    expect(await metricValue(metrics.accountNegative, { account_code: 'CASH' })).toBe(negBefore + 1);
    expect(await metricValue(metrics.idempotentReplays)).toBe(replaysBefore + 1);
    expect(await metricValue(metrics.vouchersPosted, { voucher_type: 'REFUND' })).toBe(refundsBefore + 1);
  });

  it('control account missing: a sale for a merchant not provisioned yet', async () => {
    const merchantId = uniqueMerchantId();
    const before = await metricValue(metrics.controlAccountMissing);
    const e = event(merchantId, 'sale.order.completed', {
      orderId: 'o-4',
      orderNumber: 'SO-4',
      currency: 'USD',
      total: '42',
      costTotal: '0',
    });
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await startWorkflow(env.client, taskQueue, postEventStart(e, {}));
      // The first attempt is refused and logged; the workflow would retry for an hour.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !logs.lines.some((l) => l.merchantId === merchantId)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.terminate('test done');
    });

    const hits = runQuery(runbookQueries().get('control-account-missing')!).filter(
      (l) => l.merchantId === merchantId,
    );
    expect(hits.length).toBeGreaterThanOrEqual(1);
    expect(hits[0]).toMatchObject({
      missing: 'merchant',
      workflowId: `finance-event-${e.id}`,
      msg: expect.stringContaining('does not exist yet'),
    });
    expect(await metricValue(metrics.controlAccountMissing)).toBeGreaterThanOrEqual(before + 1);
  });

  it('api errors: 5xx lines with their request id, and nothing else (levels are strings)', async () => {
    // PostgreSQL reached through a gate the test closes once the api is up: reads then fail with 5xx.
    const db = new URL(testEnv.dbUrl);
    const gate = await tcpGate(db.host);
    db.host = gate.address;
    await gate.open();
    const api = await createTestApi({
      logger: logs.logger,
      overrides: { db: { url: db.toString(), poolSize: 2 } },
    });
    try {
      const { merchantId } = await createTestMerchant(prisma, logs.logger);
      await api.grant('runbook-reader', 'viewer', merchantId);
      await gate.close();
      const res = await api.call('runbook-reader', 'GET', `/accounts?merchantId=${merchantId}`);
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      const requestId = String(res.headers['x-request-id']);

      const hits = runQuery(runbookQueries().get('api-errors')!).filter((l) => l.requestId === requestId);
      expect(hits).toEqual([
        expect.objectContaining({ requestId, msg: expect.stringMatching(/^request failed/) }),
      ]);
      // The request's other lines (info) are not errors; the old filter `.level >= 50` matched them too.
      const all = runQuery(`select(.requestId == "<id>")`, ['<id>', requestId]);
      expect(all.length).toBeGreaterThan(hits.length);
      expect(all.every((l) => l.requestId === requestId)).toBe(true);
    } finally {
      await api.close();
      await gate.close();
    }
  });

  it('partition paused: ingest cannot hand an event to Temporal and says where it waits', async () => {
    const config = ingestTestConfig({
      APP_ENV_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, // nothing listens: Temporal is down
      APP_ENV_KAFKA_TOPIC_PARTITIONS: '1',
    });
    const ingest = await createIngest({
      ...config,
      db: dbOf(prisma),
      logger: logs.logger,
      startTimeoutMs: 1_000,
    });
    const kafka = testKafka(config.kafka, logs.logger);
    const producer = await testProducer(kafka);
    const topic = config.kafka.topics.sale;
    try {
      const { merchantId } = await createTestMerchant(prisma, logs.logger);
      const e = event(merchantId, 'sale.order.completed', {
        orderId: 'o-5',
        orderNumber: 'SO-5',
        currency: 'USD',
        total: '5',
        costTotal: '0',
      });
      await producer.send({ topic, messages: [{ key: merchantId, value: JSON.stringify(e) }] });
      const deadline = Date.now() + 60_000;
      while (
        Date.now() < deadline &&
        !logs.lines.some((l) => l.event === 'finance.ingest.partition_paused' && l.topic === topic)
      )
        await new Promise((r) => setTimeout(r, 250));

      const hits = runQuery(runbookQueries().get('partition-paused')!).filter((l) => l.topic === topic);
      expect(hits.length).toBeGreaterThanOrEqual(1);
      expect(hits[0]).toEqual({
        time: expect.any(String),
        topic,
        partition: 0,
        offset: '0',
        attempt: 1,
        retryInMs: expect.any(Number),
      });
    } finally {
      await ingest.stop();
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('outbox lag: a relay that cannot reach Kafka says so, and the oldest entry ages', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    await activities.postVoucher({
      merchantId,
      voucherType: 'SALE',
      sourceType: 'sale.order',
      sourceId: uniqueName('order'),
      currency: 'USD',
      postedAt: '2026-11-25T10:00:00Z',
      description: 'waits for the stream',
      createdBy: 'system',
      lines: [
        { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '5' },
        { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '5' },
      ],
    });
    const config = ingestTestConfig({ APP_ENV_KAFKA_BROKERS: `127.0.0.1:${await freePort()}` }); // Kafka is down
    const relay = startOutboxRelay({
      db: dbOf(prisma),
      kafka: testKafka(config.kafka, logs.logger),
      topic: config.kafka.topics.vouchers,
      topicPartitions: 1,
      logger: logs.logger,
      pollMs: 50,
      retentionMs: 3_600_000,
    });
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !logs.lines.some((l) => l.event === 'finance.outbox.relay_failed'))
        await new Promise((r) => setTimeout(r, 250));
    } finally {
      await relay.stop();
    }
    const hits = runQuery(runbookQueries().get('outbox-relay-failed')!);
    expect(hits.length).toBeGreaterThanOrEqual(1);
    expect(hits[0]).toEqual({
      time: expect.any(String),
      attempt: 1,
      retryInMs: 1_000,
      error: expect.stringMatching(/ECONNREFUSED|Connection error/),
    });
    expect(await metricValue(metrics.outboxOldestSeconds)).toBeGreaterThan(0);
  });

  /** The runbook's request-trail query for one request id. */
  const requestTrail = (requestId: string) =>
    runQuery(`select(.requestId == "<id>") | {time, level, event, workflowId, voucherNumber, msg}`, [
      '<id>',
      requestId,
    ]);

  it('request trail: every line an event’s workflow and activities write carries its request id', async () => {
    const { merchantId } = await createTestMerchant(prisma, logs.logger);
    const requestId = uniqueName('req');
    const e = event(merchantId, 'inventory.received', { receiptId: 'gr-1', currency: 'USD', total: '4' });
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await startWorkflow(env.client, taskQueue, postEventStart(e, { requestId }));
      return handle.result();
    });
    const trail = requestTrail(requestId);
    expect(trail).toContainEqual(
      expect.objectContaining({
        event: 'finance.voucher.posted',
        workflowId: `finance-event-${e.id}`,
        voucherNumber: expect.stringMatching(/^PU-/),
      }),
    );
  });

  it('request trail: an API request’s X-Request-Id finds its own lines and its manual voucher’s activity lines', async () => {
    const { merchantId, accounts } = await createTestMerchant(prisma, logs.logger);
    const requestId = uniqueName('req-api');
    const accountant = uniqueName('runbook-accountant');
    await withWorker(env, activities, async (taskQueue) => {
      const api = await createTestApi({ logger: logs.logger, taskQueue });
      try {
        await api.grant(accountant, 'accountant', merchantId);
        const res = await api.call(
          accountant,
          'POST',
          '/vouchers',
          {
            merchantId,
            type: 'TRANSFER',
            lines: [
              { accountId: accounts.BANK, direction: 'DEBIT', amount: '5.00' },
              { accountId: accounts.CASH, direction: 'CREDIT', amount: '5.00' },
            ],
          },
          { 'idempotency-key': uniqueName('key'), 'x-request-id': requestId },
        );
        expect(res.statusCode, res.body).toBe(201);
      } finally {
        await api.close();
      }
    });
    const trail = requestTrail(requestId);
    // The worker's line (the activity that posted) and the API's own lines.
    expect(trail).toContainEqual(
      expect.objectContaining({
        event: 'finance.voucher.posted',
        workflowId: expect.stringMatching(new RegExp(`^finance-manual-${merchantId}-`)),
        voucherNumber: expect.stringMatching(/^TR-/),
      }),
    );
    expect(trail).toContainEqual(expect.objectContaining({ msg: 'manual voucher posted' }));
  });

  it('event conflict: finance.event.conflict with both fingerprints, and finance_event_conflicts_total', async () => {
    const config = ingestTestConfig({ APP_ENV_KAFKA_TOPIC_PARTITIONS: '1' });
    const ingest = await createIngest({ ...config, db: dbOf(prisma), logger: logs.logger });
    const kafka = testKafka(config.kafka, logs.logger);
    const producer = await testProducer(kafka);
    const topic = config.kafka.topics.inventory;
    const before = await metricValue(metrics.eventConflicts);
    try {
      const merchantId = uniqueMerchantId();
      const first = event(merchantId, 'inventory.received', {
        receiptId: 'gr-c',
        currency: 'USD',
        total: '1.00',
      });
      const second = { ...first, data: { receiptId: 'gr-c', currency: 'USD', total: '2.00' } };
      for (const value of [first, second])
        await producer.send({ topic, messages: [{ key: merchantId, value: JSON.stringify(value) }] });
      const deadline = Date.now() + 30_000;
      while (
        Date.now() < deadline &&
        !logs.lines.some((l) => l.event === 'finance.event.conflict' && l.eventId === first.id)
      )
        await new Promise((r) => setTimeout(r, 250));
      const hits = runQuery(runbookQueries().get('event-conflict')!).filter((l) => l.eventId === first.id);
      expect(hits).toEqual([
        {
          time: expect.any(String),
          eventId: first.id,
          storedFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
          fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
          topic,
          partition: 0,
          offset: '1',
        },
      ]);
      expect(await metricValue(metrics.eventConflicts)).toBe(before + 1);
    } finally {
      await ingest.stop();
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('every jq filter of docs/runbook.md was run above', () => {
    expect(RUNBOOK_FILTERS.length).toBeGreaterThan(0);
    expect(RUNBOOK_FILTERS.filter((f) => !executed.has(f))).toEqual([]);
  });
});
