import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, recordTestEvent, testIds, testPrisma } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('GET /events: an event’s life, tenancy as for vouchers', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let mine: { merchantId: string };
  let theirs: { merchantId: string };
  const viewer = user('ev-viewer');
  const stranger = user('ev-stranger');

  /** An event as ingest records it, and (when `post`) its voucher posted with its record POSTED. */
  const ingested = async (merchantId: string, post: boolean) => {
    const id = await recordTestEvent(prisma, merchantId);
    if (post)
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId,
          voucherType: 'SALE',
          sourceType: 'sale.order',
          sourceId: uniqueName('o'),
          eventId: id,
          postedAt: new Date().toISOString(),
          description: 'sale',
          createdBy: 'system',
          lines: [
            { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
          ],
        },
        { completesEvent: { eventId: id, runId: 'run-1' } },
      );
    return id;
  };

  let posted: string;
  let waiting: string;
  let theirEvent: string;

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, logger);
    theirs = await createTestMerchant(prisma, logger);
    api = await createTestApi({ logger, waitMs: 200 });
    await api.grant(viewer, 'viewer', mine.merchantId);
    posted = await ingested(mine.merchantId, true);
    waiting = await ingested(mine.merchantId, false);
    theirEvent = await ingested(theirs.merchantId, true);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('one event: status, Kafka coordinates, workflow with a Temporal UI link, its vouchers', async () => {
    const res = await api.call(viewer, 'GET', `/events/${posted}`);
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({
      id: posted,
      merchantId: mine.merchantId,
      status: 'POSTED',
      kafka: { topic: 'sale.events', partition: 2, offset: '41' },
      workflowId: `finance-event-${posted}`,
      runId: 'run-1',
      requestId: 'req-1',
      failure: null,
    });
    expect(body.temporalUrl).toMatch(new RegExp(`/workflows/finance-event-${posted}/run-1$`));
    expect(body.vouchers).toEqual([
      expect.objectContaining({
        type: 'SALE',
        status: 'POSTED',
        voucherNumber: expect.stringMatching(/^SL-/),
      }),
    ]);
  });

  it("another tenant's event, a missing one and a malformed id answer the same 404", async () => {
    const answers = await Promise.all(
      [theirEvent, 'evt-never-seen', 'bad%20id', 'x'.repeat(161)].map((id) =>
        api.call(viewer, 'GET', `/events/${id}`),
      ),
    );
    for (const res of answers) {
      expect(res.statusCode).toBe(404);
      expect(json(res)).toMatchObject({ code: 'NOT_FOUND', message: 'event not found' });
    }
    expect((await api.call(stranger, 'GET', `/events/${posted}`)).statusCode).toBe(404);
  });

  it('lists only the caller’s merchants, filters by status, and pages with a cursor', async () => {
    const all = json<{ items: { id: string }[] }>(await api.call(viewer, 'GET', '/events'));
    expect(all.items.map((e) => e.id).sort()).toEqual([posted, waiting].sort());
    const received = json<{ items: { id: string }[] }>(
      await api.call(viewer, 'GET', '/events?status=RECEIVED'),
    );
    expect(received.items.map((e) => e.id)).toEqual([waiting]);
    const first = json<{ items: { id: string }[]; nextCursor: string }>(
      await api.call(viewer, 'GET', '/events?limit=1'),
    );
    expect(first.items).toHaveLength(1);
    const second = json<{ items: { id: string }[]; nextCursor: string | null }>(
      await api.call(viewer, 'GET', `/events?limit=1&cursor=${first.nextCursor}`),
    );
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
    expect(second.nextCursor).toBeNull();
    const theirsFiltered = await api.call(viewer, 'GET', `/events?merchantId=${theirs.merchantId}`);
    expect(json(theirsFiltered)).toEqual({ items: [], nextCursor: null });
    expect(json(await api.call(stranger, 'GET', '/events'))).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a bad filter or a forged cursor with 400, never a 5xx', async () => {
    for (const query of ['status=DONE', 'from=yesterday', 'cursor=%7B%7D', 'type=%0Abad', 'merchantId=abc']) {
      const res = await api.call(viewer, 'GET', `/events?${query}`);
      expect(res.statusCode, query).toBe(400);
    }
  });
});
