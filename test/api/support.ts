import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { buildApp, type ApiOptions } from '../../src/api/app.js';
import { grant, revoke } from '../../src/auth/grants.js';
import { type RoleName } from '../../src/auth/roles.js';
import { createActivities } from '../../src/activities/index.js';
import { type PayloadKey } from '../../src/config/temporal.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type Logger } from '../../src/lib/logger.js';
import { testEnv, uniqueName } from '../support/env.js';
import { testIds } from '../support/db.js';
import { startTestWorker, type TestWorker } from '../support/temporal.js';

export const ISSUER = 'https://identity.test/';
export const AUDIENCE = 'seller-finance';
export const API = '/v1/api/finance';

/** A real identity provider in miniature: ES256 keys served as a JWKS over HTTP on 127.0.0.1. */
export interface TestIdentity {
  jwksUrl: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** A valid token for `sub` unless `claims`/`header` say otherwise. */
  token(
    sub: string,
    opts?: {
      claims?: Record<string, unknown>;
      expiresIn?: string | number;
      notBefore?: string | number;
      /** `iat` (seconds since the epoch); default now. */
      issuedAt?: number;
      issuer?: string;
      audience?: string;
      kid?: string;
      key?: CryptoKey;
    },
  ): Promise<string>;
  /** Replaces the served keys (key rotation). */
  rotate(): Promise<{ kid: string; privateKey: CryptoKey }>;
  fetches: () => number;
  close(): Promise<void>;
}

export async function startIdentity(): Promise<TestIdentity> {
  let keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = uniqueName('kid');
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    keys = [{ kid, privateKey, jwk }];
    return { kid, privateKey };
  };
  const first = await addKey();
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const identity: TestIdentity = {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    kid: first.kid,
    privateKey: first.privateKey,
    publicJwk: keys[0]!.jwk,
    async token(sub, opts = {}) {
      const current = keys[0]!;
      let jwt = new SignJWT({ ...(opts.claims ?? {}) })
        .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? current.kid })
        .setSubject(sub)
        .setIssuer(opts.issuer ?? ISSUER)
        .setAudience(opts.audience ?? AUDIENCE)
        .setIssuedAt(opts.issuedAt)
        .setExpirationTime(opts.expiresIn ?? '5m');
      if (opts.notBefore !== undefined) jwt = jwt.setNotBefore(opts.notBefore);
      return jwt.sign(opts.key ?? current.privateKey);
    },
    async rotate() {
      const next = await addKey();
      identity.kid = next.kid;
      identity.privateKey = next.privateKey;
      identity.publicJwk = keys[0]!.jwk;
      return next;
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return identity;
}

export interface TestApi {
  app: FastifyInstance;
  identity: TestIdentity;
  keyPrefix: string;
  credentialKey: { id: string; key: Buffer };
  /** app.inject with a bearer token for `user` (or none). */
  call(
    user: string | null,
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  grant(user: string, role: RoleName, merchant: string): Promise<void>;
  revoke(user: string, role: RoleName, merchant: string): Promise<void>;
  close(): Promise<void>;
}

export async function createTestApi(opts: {
  logger: Logger;
  identity?: TestIdentity;
  taskQueue?: string;
  waitMs?: number;
  keyPrefix?: string;
  verifiedTtlMs?: number;
  overrides?: Partial<ApiOptions>;
}): Promise<TestApi> {
  const identity = opts.identity ?? (await startIdentity());
  const keyPrefix = opts.keyPrefix ?? `${uniqueName('sft')}:`;
  const credentialKey = { id: 'test-k1', key: randomBytes(32) };
  const app = await buildApp({
    logger: opts.logger,
    db: { url: testEnv.dbUrl, poolSize: 5 },
    redis: { url: testEnv.redisUrl, keyPrefix },
    temporal: {
      address: testEnv.temporalAddress,
      namespace: testEnv.temporalNamespace,
      taskQueue: opts.taskQueue ?? uniqueName('api-no-worker'),
      uiUrl: 'http://127.0.0.1:8233',
    },
    jwt: {
      jwksUrl: identity.jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      cooldownMs: 0,
      ...(opts.verifiedTtlMs !== undefined ? { verifiedTtlMs: opts.verifiedTtlMs } : {}),
    },
    credentialKey,
    snowflakeNodeId: 4,
    voucherWaitMs: opts.waitMs ?? 15_000,
    rateLimitPerMinute: 100_000,
    ...opts.overrides,
  });
  await app.ready();
  const tokens = new Map<string, string>();
  const api: TestApi = {
    app,
    identity,
    keyPrefix,
    credentialKey,
    async call(user, method, url, body, headers = {}) {
      let auth: Record<string, string> = {};
      if (user !== null) {
        let token = tokens.get(user);
        if (!token) {
          token = await identity.token(user);
          tokens.set(user, token);
        }
        auth = { authorization: `Bearer ${token}` };
      }
      return app.inject({
        method: method as 'GET',
        url: url.startsWith('/v1/') ? url : `${API}${url}`,
        headers: { ...auth, ...headers },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
    },
    grant: async (user, role, merchant) => {
      await grant({ db: app.db, redis: app.redis, keyPrefix }, { user, role, merchant });
    },
    revoke: async (user, role, merchant) => {
      await revoke({ db: app.db, redis: app.redis, keyPrefix }, { user, role, merchant });
    },
    async close() {
      await app.close();
      if (!opts.identity) await identity.close();
    },
  };
  return api;
}

/** A Temporal worker on its own task queue, running the real workflows and activities over `prisma`. */
export const startApiTestWorker = (
  prisma: PrismaClient,
  logger: Logger,
  opts: { payloadKeys?: readonly PayloadKey[] } = {},
): Promise<TestWorker> =>
  startTestWorker({ activities: createActivities({ db: dbOf(prisma), ids: testIds, logger }), ...opts });

export const json = <T = Record<string, unknown>>(res: LightMyRequestResponse): T => res.json() as T;

/** A user name unique to this run, so grants from other suites never interfere. */
export const user = (name: string) => uniqueName(name);
