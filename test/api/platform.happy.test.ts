import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { API, createTestApi, json, user, type TestApi } from './support.js';

/** Every route of docs/reference/http-api.md this API serves (the WebSocket belongs to the live-updates work). */
const ROUTES = [
  'get /healthz',
  'get /readyz',
  'get /accounts',
  'post /accounts',
  'get /accounts/count',
  'get /accounts/{id}',
  'patch /accounts/{id}',
  'delete /accounts/{id}',
  'get /accounts/{id}/transactions',
  'get /accounts/{id}/balance',
  'get /reports/trial-balance',
  'get /vouchers',
  'post /vouchers',
  'get /vouchers/{id}',
  'post /vouchers/{id}/void',
  'get /payment-integrations',
  'post /payment-integrations',
  'get /payment-integrations/{id}',
  'patch /payment-integrations/{id}',
  'delete /payment-integrations/{id}',
  'get /admin/grants',
  'get /events',
  'get /events/{id}',
  'post /admin/grants',
  'delete /admin/grants',
  'get /periods',
  'post /periods/close',
  'post /periods/reopen',
];

describe('platform: health, readiness, OpenAPI, request ids', () => {
  const captured = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let m: { merchantId: string; accounts: Record<string, string> };
  const viewer = user('p-viewer');

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, captured.logger);
    api = await createTestApi({ logger: captured.logger });
    await api.grant(viewer, 'viewer', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  it('healthz answers without a token; readyz reports every dependency', async () => {
    expect(json(await api.call(null, 'GET', '/healthz'))).toEqual({ status: 'ok' });
    const ready = await api.call(null, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    const body = json<{ status: string; checks: Record<string, { ok: boolean }> }>(ready);
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual([
      'api.database',
      'api.load',
      'api.redis',
      'api.temporal',
    ]);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it('serves an OpenAPI 3 document that validates and lists every route', async () => {
    const res = await api.call(null, 'GET', '/doc/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((k) => ['get', 'post', 'patch', 'delete', 'put'].includes(k))
        .map((method) => `${method} ${path.replace(API, '')}`),
    );
    expect(listed.sort()).toEqual([...ROUTES].sort());
    const ui = await api.call(null, 'GET', '/doc/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('accepts, echoes and logs X-Request-Id, and generates one when absent or unusable', async () => {
    const given = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`, undefined, {
      'x-request-id': 'trace-abc.123',
    });
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    expect(captured.lines.some((l) => l.requestId === 'trace-abc.123')).toBe(true);
    const generated = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unusable = await api.call(viewer, 'GET', `/accounts/${m.accounts.CASH}`, undefined, {
      'x-request-id': 'bad id with spaces',
    });
    expect(unusable.headers['x-request-id']).not.toBe('bad id with spaces');
    const error = await api.call(viewer, 'GET', '/accounts/999999999999999999', undefined, {
      'x-request-id': 'trace-404',
    });
    expect(json(error)).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'account not found',
      requestId: 'trace-404',
    });
  });

  it('answers unknown routes with the error body', async () => {
    const res = await api.call(viewer, 'GET', '/nope');
    expect(res.statusCode).toBe(404);
    expect(json(res)).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });
});
