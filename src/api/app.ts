import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { type AppConfig } from '../config/index.js';
import { type PrismaClient } from '../db/client.js';
import { IdGenerator } from '../lib/ids.js';
import { type Logger } from '../lib/logger.js';
import { Readiness } from '../lib/readiness.js';
import { answerError, installErrorHandling } from './errors.js';
import { API_PREFIX, OPENAPI_PATH } from './paths.js';
import { authPlugin } from './plugins/auth.js';
import {
  DEFAULT_LIVE_UPDATES,
  liveUpdatesPlugin,
  type LiveUpdatesOptions,
  websocketPlugin,
} from './plugins/live-updates.js';
import {
  DEFAULT_LOAD_PROTECTION,
  loadProtectionPlugin,
  type LoadProtectionOptions,
} from './plugins/load-protection.js';
import { metricsPlugin } from './plugins/metrics.js';
import { databasePlugin } from './plugins/database.js';
import { redisPlugin } from './plugins/redis.js';
import { temporalPlugin, type TemporalPluginOptions } from './plugins/temporal.js';
import { accountRoutes } from './routes/accounts.js';
import { adminGrantRoutes } from './routes/admin-grants.js';
import { healthRoutes, registerApiChecks } from './routes/health.js';
import { liveRoutes } from './routes/live.js';
import { paymentIntegrationRoutes } from './routes/payment-integrations.js';
import { periodRoutes } from './routes/periods.js';
import { temporalCodecRoutes } from './routes/temporal-codec.js';
import { voucherRoutes } from './routes/vouchers.js';
import { eventRoutes } from './routes/events.js';
import { SERVER_TIMEOUTS } from './server.js';
import { installValidation } from './validation.js';

export { API_PREFIX, OPENAPI_PATH } from './paths.js';

declare module 'fastify' {
  interface FastifyInstance {
    ids: IdGenerator;
  }
}

export interface ApiOptions {
  logger: Logger;
  db: { url: string; poolSize?: number; client?: PrismaClient };
  redis: { url: string; keyPrefix: string };
  /** Payload keys included: also what the codec endpoint decodes with. */
  temporal: TemporalPluginOptions;
  jwt: {
    jwksUrl: string;
    issuer: string;
    audience: string;
    clockToleranceSeconds?: number;
    cooldownMs?: number;
    verifiedTtlMs?: number;
  };
  authz?: {
    /** How long a replica trusts its policy version before re-reading it from PostgreSQL. */
    policyRecheckMs?: number;
  };
  credentialKey: { id: string; key: Buffer };
  snowflakeNodeId: number;
  /** How long a write waits for its workflow before answering 202. */
  voucherWaitMs: number;
  /** Per user, per minute; the per-IP limit is 4× this. */
  rateLimitPerMinute: number;
  load?: Partial<LoadProtectionOptions>;
  live?: Partial<LiveUpdatesOptions>;
  bodyLimitBytes?: number;
  /**
   * Addresses/CIDRs of the reverse proxies in front of the API. Their
   * X-Forwarded-For is believed, so `request.ip` (and the per-IP limit) is
   * the client's; empty: nobody's is, the socket's address is the client.
   */
  trustedProxies?: string[];
  /** The process's readiness, which the api adds its checks to (default: its own). */
  readiness?: Readiness;
}

/** Maps the process configuration (src/config) to the app's options. */
export function apiOptionsFromConfig(config: AppConfig, logger: Logger): ApiOptions {
  const { db, redis, temporal, http } = config;
  if (!db || !redis || !temporal || !http)
    throw new Error('the api role needs db, redis, temporal and http configuration');
  return {
    logger,
    db: { url: db.url, poolSize: db.poolSize },
    redis: { url: redis.url, keyPrefix: redis.keyPrefix },
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      uiUrl: temporal.uiUrl,
      tls: temporal.transport.tls,
      ...(temporal.transport.apiKey ? { apiKey: temporal.transport.apiKey } : {}),
      payloadKeys: temporal.payloadKeys,
    },
    jwt: { jwksUrl: http.jwksUrl, issuer: http.jwtIssuer, audience: http.jwtAudience },
    credentialKey: { id: http.encryptionKeyId, key: http.encryptionKey },
    snowflakeNodeId: db.snowflakeNodeId,
    voucherWaitMs: http.voucherWaitMs,
    rateLimitPerMinute: http.rateLimitPerMinute,
    trustedProxies: http.trustedProxies,
    authz: { policyRecheckMs: http.authzPolicyRecheckMs },
    live: http.webSocket,
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the API (server.ts listens): infrastructure plugins, load
 * protection, authentication, routes, OpenAPI. It does not listen; server.ts
 * does, and tests call `app.inject` on the same app.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    // A list, never `true`: trusting every hop would let any client choose its own address.
    trustProxy: options.trustedProxies?.length ? options.trustedProxies : false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // X-Request-Id is accepted when it is a sane token, generated otherwise, echoed and logged.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ...SERVER_TIMEOUTS,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // Without it the router answers a path it cannot route with its own body (no request id, the path echoed).
    frameworkErrors: (err, request, reply) => void answerError(err, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();
  try {
    await assemble(app, options);
  } catch (err) {
    // A boot that fails half-way (a dependency down) leaves no client of the plugins already loaded behind.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

async function assemble(app: ApiInstance, options: ApiOptions): Promise<void> {
  installErrorHandling(app);
  installValidation(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.decorate('ids', new IdGenerator(options.snowflakeNodeId));

  await app.register(databasePlugin, {
    url: options.db.url,
    poolSize: options.db.poolSize,
    client: options.db.client,
  });
  await app.register(redisPlugin, options.redis);
  await app.register(temporalPlugin, options.temporal);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'seller-finance API',
        version: '1',
        description:
          'Multi-tenant double-entry ledger: accounts, vouchers, manual postings, voids, payment integrations.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256)' } },
      },
      tags: ['health', 'accounts', 'reports', 'vouchers', 'events', 'payment-integrations', 'admin'].map(
        (name) => ({
          name,
        }),
      ),
    },
  });

  // Order matters: mark WebSocket upgrades (so a refused one is closed), shed and IP-limit
  // before any work, then authenticate, then limit per user.
  const { maxClientMessageBytes, ...live } = { ...DEFAULT_LIVE_UPDATES, ...options.live };
  await app.register(websocketPlugin, { maxClientMessageBytes });
  await app.register(loadProtectionPlugin, {
    ...DEFAULT_LOAD_PROTECTION,
    perUserPerMinute: options.rateLimitPerMinute,
    perIpPerMinute: options.rateLimitPerMinute * 4,
    ...options.load,
  });
  await app.register(authPlugin, { ...options.jwt, ...options.authz });
  app.addHook('onRequest', app.limitPerUser);
  await app.register(liveUpdatesPlugin, live);
  await app.register(metricsPlugin, { instrumentRequests: true });

  await app.register(
    async (api) => {
      await api.register(healthRoutes, {
        readiness: registerApiChecks(app, options.readiness ?? new Readiness()),
      });
      await api.register(accountRoutes);
      await api.register(voucherRoutes, { waitMs: options.voucherWaitMs });
      await api.register(eventRoutes);
      await api.register(paymentIntegrationRoutes, { credentialKey: options.credentialKey });
      await api.register(adminGrantRoutes);
      await api.register(periodRoutes);
      await api.register(liveRoutes);
      if (options.temporal.payloadKeys?.length)
        await api.register(temporalCodecRoutes, {
          payloadKeys: options.temporal.payloadKeys,
          uiOrigin: new URL(options.temporal.uiUrl).origin,
        });
      api.get('/doc/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
      await api.register(async (docs) => {
        // The browsable UI is public like the document it shows.
        docs.addHook('onRoute', (route) => {
          route.config = { ...(route.config ?? {}), public: true };
        });
        await docs.register(swaggerUi, { routePrefix: '/doc', uiConfig: { url: OPENAPI_PATH } as never });
      });
    },
    { prefix: API_PREFIX },
  );
}
