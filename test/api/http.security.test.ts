import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { API, createTestApi, user, type TestApi } from './support.js';

/** The same checks over real HTTP, with the identity provider's JWKS served over HTTP too. */
describe('over real HTTP with a real JWKS server', () => {
  const { logger } = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let server: RunningServer;
  let mine: { merchantId: string; accounts: Record<string, string> };
  let theirs: { merchantId: string; accounts: Record<string, string> };
  const alice = user('http-alice');

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, logger);
    theirs = await createTestMerchant(prisma, logger);
    // Verified tokens are remembered for 1 s here (30 s by default), so a retired key's refusal is observable quickly.
    api = await createTestApi({ logger, verifiedTtlMs: 1_000 });
    await api.grant(alice, 'viewer', mine.merchantId);
    server = await startServer(api.app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await api?.identity.close();
    await prisma?.$disconnect();
  });

  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${API}${path}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });

  it('serves an authorized read and echoes X-Request-Id', async () => {
    const res = await get(`/accounts/${mine.accounts.CASH}`, await api.identity.token(alice), {
      'x-request-id': 'http-trace-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('http-trace-1');
    expect(((await res.json()) as { code: string }).code).toBe('CASH');
  });

  it("refuses bad tokens with 401 and hides another tenant's account behind 404", async () => {
    expect((await get(`/accounts/${mine.accounts.CASH}`)).status).toBe(401);
    expect(
      (
        await get(
          `/accounts/${mine.accounts.CASH}`,
          await api.identity.token(alice, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
        )
      ).status,
    ).toBe(401);
    expect(
      (await get(`/accounts/${mine.accounts.CASH}`, await api.identity.token(alice, { audience: 'other' })))
        .status,
    ).toBe(401);
    const other = await get(`/accounts/${theirs.accounts.CASH}`, await api.identity.token(alice));
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('follows a key rotation at the identity provider: new kid accepted after a JWKS refetch, retired key refused', async () => {
    const oldToken = await api.identity.token(alice);
    expect((await get(`/accounts/${mine.accounts.CASH}`, oldToken)).status).toBe(200);
    const before = api.identity.fetches();
    await api.identity.rotate();
    const newToken = await api.identity.token(alice);
    expect((await get(`/accounts/${mine.accounts.CASH}`, newToken)).status).toBe(200);
    expect(api.identity.fetches()).toBeGreaterThan(before);
    // Once its remembered verification lapses, a token of the retired key is refused.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await get(`/accounts/${mine.accounts.CASH}`, oldToken)).status).toBe(401);
  });

  it('answers probes and the OpenAPI document without a token', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const doc = await get('/doc/openapi.json');
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});
