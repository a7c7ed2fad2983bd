import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { openCredential } from '../../src/lib/credentials.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { createTestApi, json, user, type TestApi } from './support.js';

type Integration = {
  id: string;
  merchantId: string;
  provider: string;
  name: string;
  credential: string;
  credentialKeyId: string;
  settings: Record<string, unknown>;
};

describe('payment integrations: CRUD with an encrypted, write-only credential', () => {
  const captured = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let m: { merchantId: string; accounts: Record<string, string> };
  const admin = user('pi-admin');
  const viewer = user('pi-viewer');
  const secret = 'sk_live_HAPPY_5f2b8c1d9e7a4321';
  const rotated = 'sk_live_ROTATED_0a1b2c3d4e5f9876';
  const responses: string[] = [];

  beforeAll(async () => {
    prisma = await testPrisma();
    m = await createTestMerchant(prisma, captured.logger);
    api = await createTestApi({ logger: captured.logger });
    await api.grant(admin, 'admin', m.merchantId);
    await api.grant(viewer, 'viewer', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  const call = async (...args: Parameters<TestApi['call']>) => {
    const res = await api.call(...args);
    responses.push(res.body);
    return res;
  };

  it('creates, reads, updates (rotating the credential) and soft-deletes an integration', async () => {
    const created = await call(admin, 'POST', '/payment-integrations', {
      merchantId: m.merchantId,
      provider: 'stripe',
      name: 'Stripe EU',
      credential: secret,
      settings: { currency: 'EUR' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const pi = json<Integration>(created);
    expect(pi).toMatchObject({
      merchantId: m.merchantId,
      provider: 'stripe',
      name: 'Stripe EU',
      credential: '••••4321',
      credentialKeyId: 'test-k1',
      settings: { currency: 'EUR' },
    });

    // At rest: AES-256-GCM with the configured key, bound to the row, never the plaintext.
    const row = await prisma.paymentIntegration.findUniqueOrThrow({ where: { id: BigInt(pi.id) } });
    expect(row.credentialCiphertext).not.toContain(secret);
    expect(row.credentialCiphertext).toMatch(/^v1\./);
    expect(
      openCredential(
        { ciphertext: row.credentialCiphertext, keyId: row.credentialKeyId },
        [api.credentialKey],
        `finance.PaymentIntegration:${pi.id}:${m.merchantId}`,
      ),
    ).toBe(secret);
    expect(() =>
      openCredential(
        { ciphertext: row.credentialCiphertext, keyId: row.credentialKeyId },
        [api.credentialKey],
        `finance.PaymentIntegration:1:${m.merchantId}`,
      ),
    ).toThrow();

    expect(json(await call(viewer, 'GET', `/payment-integrations/${pi.id}`))).toMatchObject({
      id: pi.id,
      credential: '••••4321',
    });
    const list = json<{ items: Integration[] }>(
      await call(viewer, 'GET', `/payment-integrations?merchantId=${m.merchantId}&provider=stripe`),
    );
    expect(list.items.map((i) => i.id)).toEqual([pi.id]);

    const patched = await call(admin, 'PATCH', `/payment-integrations/${pi.id}`, {
      credential: rotated,
      name: 'Stripe (EU)',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json(patched)).toMatchObject({ name: 'Stripe (EU)', credential: '••••9876' });
    const after = await prisma.paymentIntegration.findUniqueOrThrow({ where: { id: BigInt(pi.id) } });
    expect(after.credentialCiphertext).not.toBe(row.credentialCiphertext);

    // Two encryptions of the same secret differ (random IV).
    const twin = json<Integration>(
      await call(admin, 'POST', '/payment-integrations', {
        merchantId: m.merchantId,
        provider: 'adyen',
        name: 'twin',
        credential: secret,
      }),
    );
    const twinRow = await prisma.paymentIntegration.findUniqueOrThrow({ where: { id: BigInt(twin.id) } });
    expect(twinRow.credentialCiphertext.split('.')[1]).not.toBe(row.credentialCiphertext.split('.')[1]);

    expect((await call(admin, 'DELETE', `/payment-integrations/${pi.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/payment-integrations/${pi.id}`)).statusCode).toBe(404);
    expect(
      (await prisma.paymentIntegration.findUniqueOrThrow({ where: { id: BigInt(pi.id) } })).deletedAt,
    ).not.toBeNull();
  });

  it('never shows the credential in a response or a log line', async () => {
    for (const s of [secret, rotated]) {
      for (const body of responses) expect(body).not.toContain(s);
      expect(captured.text()).not.toContain(s);
      expect(captured.text()).not.toContain(s.slice(0, -4));
    }
  });
});
