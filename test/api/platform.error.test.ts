import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePrisma, createPrisma, Prisma, type PrismaClient } from '../../src/db/client.js';
import { testEnv } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, startIdentity, user, type TestApi, type TestIdentity } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the status is 200 or 5 s pass (recovery waits for the next pressure samples). */
async function eventually(status: () => Promise<number>): Promise<number> {
  const deadline = Date.now() + 5_000;
  let last = await status();
  while (last !== 200 && Date.now() < deadline) {
    await sleep(100);
    last = await status();
  }
  return last;
}

describe('platform: readiness failures, limits and load shedding', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let identity: TestIdentity;
  let m: { merchantId: string; accounts: Record<string, string> };
  const apps: TestApi[] = [];
  const viewer = user('pe-viewer');

  const make = async (opts: Omit<Parameters<typeof createTestApi>[0], 'logger' | 'identity'>) => {
    const api = await createTestApi({ logger, identity, ...opts });
    await api.grant(viewer, 'viewer', m.merchantId);
    apps.push(api);
    return api;
  };

  beforeAll(async () => {
    prisma = await testPrisma();
    identity = await startIdentity();
    m = await createTestMerchant(prisma, logger);
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('readyz answers 503 naming the dependency that failed', async () => {
    const api = await make({
      overrides: {
        temporal: { address: '127.0.0.1:1', namespace: 'default', taskQueue: 'x', uiUrl: 'http://x' },
      },
    });
    const res = await api.call(null, 'GET', '/readyz');
    expect(res.statusCode).toBe(503);
    const body = json<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }>(res);
    expect(body.status).toBe('unready');
    expect(body.checks['api.temporal']!.ok).toBe(false);
    expect(body.checks['api.temporal']!.error).toBeTruthy();
    expect(body.checks['api.database']!.ok).toBe(true);
    expect(body.checks['api.redis']!.ok).toBe(true);
    // Reads keep working without Temporal.
    expect((await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode).toBe(200);
  });

  it('limits body size (413), media type (415) and malformed JSON (400)', async () => {
    const api = await make({});
    const big = await api.call(viewer, 'POST', '/accounts', {
      merchantId: m.merchantId,
      code: 'BIG',
      type: 'ASSET',
      name: 'x'.repeat(70 * 1024),
    });
    expect(big.statusCode).toBe(413);
    expect(json(big).code).toBe('PAYLOAD_TOO_LARGE');
    const xml = await api.call(viewer, 'POST', '/accounts', '<account/>', {
      'content-type': 'application/xml',
    });
    expect(xml.statusCode).toBe(415);
    expect(json(xml).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const broken = await api.call(viewer, 'POST', '/accounts', '{"merchantId": ', {
      'content-type': 'application/json',
    });
    expect(broken.statusCode).toBe(400);
    expect(json(broken).code).toBe('VALIDATION_FAILED');
  });

  it('rate limits per user and per IP in Redis, answering 429 with Retry-After', async () => {
    const api = await make({ overrides: { rateLimitPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(json(limited)).toMatchObject({ code: 'RATE_LIMITED' });
    // Another replica sharing Redis sees the same counter.
    const replica = await createTestApi({
      logger,
      identity,
      keyPrefix: api.keyPrefix,
      overrides: { rateLimitPerMinute: 3 },
    });
    apps.push(replica);
    expect((await replica.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode).toBe(429);
    // Per IP (4x the per-user limit): anonymous requests from one address are cut off too.
    const codes: number[] = [];
    for (let i = 0; i < 14; i += 1) codes.push((await api.call(null, 'GET', '/accounts')).statusCode);
    expect(codes.slice(-1)).toEqual([429]);
    // Probes are never limited.
    expect((await api.call(null, 'GET', '/healthz')).statusCode).toBe(200);
  });

  it('sheds load with 503 and Retry-After while the event loop lags, and recovers', async () => {
    const api = await make({ overrides: { load: { maxEventLoopDelayMs: 60, sampleIntervalMs: 50 } } });
    await sleep(500);
    // The sampler's view of the lag depends on where its 50 ms tick falls in the stall; on a
    // loaded machine one stall may not register, so stall again (at most 5 times) until it does.
    let shed = { statusCode: 0 } as Awaited<ReturnType<typeof api.call>>;
    for (let stall = 0; stall < 5 && shed.statusCode !== 503; stall += 1) {
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        // Busy-wait on purpose: this is the saturated event loop under test.
      }
      // Let the overdue pressure sampler run first (timers fire in order of expiry).
      await sleep(1);
      shed = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`);
    }
    expect(shed.statusCode).toBe(503);
    expect(json(shed).code).toBe('SERVICE_OVERLOADED');
    expect(shed.headers['retry-after']).toBeDefined();
    expect((await api.call(null, 'GET', '/healthz')).statusCode).toBe(200);
    expect(
      await eventually(
        async () => (await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode,
      ),
    ).toBe(200);
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE, not 500, when no database connection can be had in time', async () => {
    // One connection, and a short wait for it: the pool's timeout is a plain driver Error without a code.
    const client = createPrisma({ url: testEnv.dbUrl, poolSize: 1, connectTimeoutMs: 300 });
    try {
      const api = await make({ overrides: { db: { url: testEnv.dbUrl, client } } });
      const account = `/accounts/${m.accounts.CASH}`;
      expect((await api.call(viewer, 'GET', account)).statusCode).toBe(200);
      let release!: () => void;
      const held = api.app.db.transaction(() => new Promise<void>((resolve) => (release = resolve)));
      await sleep(50);
      const res = await api.call(viewer, 'GET', account);
      release();
      await held;
      expect(res.statusCode).toBe(503);
      expect(json(res)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
      expect((await api.call(viewer, 'GET', account)).statusCode).toBe(200);
    } finally {
      await closePrisma(client);
    }
  });

  it('sheds load with 503 while queries queue for a database connection, and recovers', async () => {
    const api = await make({
      overrides: {
        db: {
          url:
            process.env.APP_ENV_DB_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_test',
          poolSize: 1,
        },
        load: { maxDbWaiting: 0, sampleIntervalMs: 50 },
      },
    });
    await sleep(200);
    const hold = api.app.db.query(Prisma.sql`SELECT pg_sleep(0.6)::text AS slept`);
    const queued = api.app.db.query(Prisma.sql`SELECT 1`);
    await sleep(200);
    const shed = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`);
    expect(shed.statusCode).toBe(503);
    expect(json(shed).code).toBe('SERVICE_OVERLOADED');
    await Promise.all([hold, queued]);
    expect(
      await eventually(
        async () => (await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`)).statusCode,
      ),
    ).toBe(200);
  });
});
