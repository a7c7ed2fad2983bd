import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testPrisma } from '../support/db.js';
import { API, AUDIENCE, createTestApi, ISSUER, json, user, type TestApi } from './support.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('authentication: anything but a valid ES256 token from our issuer is a bare 401', () => {
  const captured = capturingLogger();
  let prisma: PrismaClient;
  let api: TestApi;
  let accountId: string;
  const alice = user('auth-alice');
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    prisma = await testPrisma();
    const m = await createTestMerchant(prisma, captured.logger);
    accountId = m.accounts.CASH!;
    api = await createTestApi({ logger: captured.logger });
    await api.grant(alice, 'viewer', m.merchantId);
  });

  afterAll(async () => {
    await api?.close();
    await prisma?.$disconnect();
  });

  const get = (authorization?: string) =>
    api.app.inject({
      method: 'GET',
      url: `${API}/accounts/${accountId}`,
      headers: authorization ? { authorization } : {},
    });

  const expect401 = async (authorization: string | undefined) => {
    const res = await get(authorization);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const body = json(res);
    expect(body).toEqual({
      statusCode: 401,
      code: 'UNAUTHENTICATED',
      message: 'authentication required',
      requestId: expect.any(String),
    });
  };

  it('accepts a valid token', async () => {
    expect((await get(`Bearer ${await api.identity.token(alice)}`)).statusCode).toBe(200);
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await expect401(undefined);
    await expect401('Basic YWxpY2U6c2VjcmV0');
    await expect401('Bearer not-a-jwt');
    await expect401(`Bearer ${'a'.repeat(10_000)}.b.c`);
  });

  it('refuses an expired token and one not yet valid (beyond the small clock tolerance)', async () => {
    await expect401(`Bearer ${await api.identity.token(alice, { expiresIn: now() - 60 })}`);
    await expect401(`Bearer ${await api.identity.token(alice, { notBefore: now() + 120 })}`);
  });

  it('refuses the wrong issuer and the wrong audience', async () => {
    await expect401(`Bearer ${await api.identity.token(alice, { issuer: 'https://evil.test/' })}`);
    await expect401(`Bearer ${await api.identity.token(alice, { audience: 'another-service' })}`);
  });

  it('refuses alg none', async () => {
    const header = b64({ alg: 'none', typ: 'JWT', kid: api.identity.kid });
    const payload = b64({ sub: alice, iss: ISSUER, aud: AUDIENCE, exp: now() + 300 });
    await expect401(`Bearer ${header}.${payload}.`);
  });

  it('refuses an HS256 token "signed" with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(api.identity.publicJwk));
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: api.identity.kid })
      .setSubject(alice)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(secret);
    await expect401(`Bearer ${token}`);
  });

  it('refuses an unknown kid (after refetching the JWKS) and a key the JWKS does not hold', async () => {
    const stranger = await generateKeyPair('ES256');
    const before = api.identity.fetches();
    await expect401(
      `Bearer ${await api.identity.token(alice, { kid: 'unknown-kid', key: stranger.privateKey })}`,
    );
    expect(api.identity.fetches()).toBeGreaterThan(before);
    await expect401(`Bearer ${await api.identity.token(alice, { key: stranger.privateKey })}`);
  });

  it('refuses a tampered payload', async () => {
    const [h, p, s] = (await api.identity.token(alice)).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    await expect401(`Bearer ${h}.${b64({ ...claims, sub: 'admin' })}.${s}`);
  });

  it('refuses a token without a subject or without an expiry', async () => {
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: api.identity.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(api.identity.privateKey);
    await expect401(`Bearer ${noSub}`);
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: api.identity.kid })
      .setSubject(alice)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(api.identity.privateKey);
    await expect401(`Bearer ${noExp}`);
  });

  it('never logs a token', async () => {
    const token = await api.identity.token(alice);
    await get(`Bearer ${token}`);
    await get(`Bearer ${token}x`);
    expect(captured.text()).not.toContain(token.split('.')[2]!);
  });
});
