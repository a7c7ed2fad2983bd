import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

describe('payment integrations: tenancy, roles and secrecy', () => {
  const captured = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let mine: { merchantId: string };
  let theirs: { merchantId: string };
  let theirIntegration: string;
  const admin = user('pis-admin');
  const theirAdmin = user('pis-their-admin');
  const viewer = user('pis-viewer');
  const secret = 'whsec_SECURITY_77c1e0aa55bb';
  const bodies: string[] = [];

  beforeAll(async () => {
    prisma = await testPrisma();
    mine = await createTestMerchant(prisma, captured.logger);
    theirs = await createTestMerchant(prisma, captured.logger);
    api = await createTestApi({ logger: captured.logger });
    await api.grant(admin, 'admin', mine.merchantId);
    await api.grant(viewer, 'viewer', mine.merchantId);
    await api.grant(theirAdmin, 'admin', theirs.merchantId);
    const res = await api.call(theirAdmin, 'POST', '/payment-integrations', {
      merchantId: theirs.merchantId,
      provider: 'stripe',
      name: 'theirs',
      credential: secret,
    });
    bodies.push(res.body);
    theirIntegration = json<{ id: string }>(res).id;
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  const call = async (...args: Parameters<TestApi['call']>) => {
    const res = await api.call(...args);
    bodies.push(res.body);
    return res;
  };

  it("answers 404 for another tenant's integration, on every verb", async () => {
    expect((await call(admin, 'GET', `/payment-integrations/${theirIntegration}`)).statusCode).toBe(404);
    expect(
      (await call(admin, 'PATCH', `/payment-integrations/${theirIntegration}`, { name: 'stolen' }))
        .statusCode,
    ).toBe(404);
    expect((await call(admin, 'DELETE', `/payment-integrations/${theirIntegration}`)).statusCode).toBe(404);
    expect(
      (
        await call(admin, 'POST', '/payment-integrations', {
          merchantId: theirs.merchantId,
          provider: 'x',
          name: 'x',
          credential: 'abcdefgh1234',
        })
      ).statusCode,
    ).toBe(404);
    expect(json(await call(admin, 'GET', '/payment-integrations'))).toEqual({ items: [], nextCursor: null });
    expect(json(await call(admin, 'GET', `/payment-integrations?merchantId=${theirs.merchantId}`))).toEqual({
      items: [],
      nextCursor: null,
    });
    const row = await prisma.paymentIntegration.findUniqueOrThrow({
      where: { id: BigInt(theirIntegration) },
    });
    expect(row.name).toBe('theirs');
    expect(row.deletedAt).toBeNull();
  });

  it('a viewer reads masked integrations but cannot write them', async () => {
    expect(
      (
        await call(viewer, 'POST', '/payment-integrations', {
          merchantId: mine.merchantId,
          provider: 'x',
          name: 'x',
          credential: 'abcdefgh1234',
        })
      ).statusCode,
    ).toBe(403);
  });

  it('refuses credentials that are too short, too long or not strings, without echoing them', async () => {
    const res = await call(admin, 'POST', '/payment-integrations', {
      merchantId: mine.merchantId,
      provider: 'stripe',
      name: 'x',
      credential: 'short',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('short"');
    expect(
      (
        await call(admin, 'POST', '/payment-integrations', {
          merchantId: mine.merchantId,
          provider: 'stripe',
          name: 'x',
          credential: 12345678,
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await call(admin, 'POST', '/payment-integrations', {
          merchantId: mine.merchantId,
          provider: 'stripe',
          name: 'x',
          credential: 'x'.repeat(5000),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await call(admin, 'POST', '/payment-integrations', {
          merchantId: mine.merchantId,
          provider: 'Bad Provider',
          name: 'x',
          credential: 'abcdefgh1234',
        })
      ).statusCode,
    ).toBe(400);
    expect((await call(admin, 'PATCH', `/payment-integrations/${theirIntegration}`, {})).statusCode).toBe(
      400,
    );
  });

  it('the OpenAPI document marks the credential write-only and carries no example of it', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/v1/api/finance/doc/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { properties: Record<string, { writeOnly?: boolean; examples?: unknown }> } }
              >;
            };
          }
        >
      >;
    };
    const credential =
      doc.paths['/v1/api/finance/payment-integrations']!.post!.requestBody!.content['application/json']!
        .schema.properties.credential!;
    expect(credential.writeOnly).toBe(true);
    expect(credential.examples).toBeUndefined();
  });

  it('the credential never appears in any response or log line', () => {
    for (const b of bodies) expect(b).not.toContain(secret);
    expect(captured.text()).not.toContain(secret);
  });
});
