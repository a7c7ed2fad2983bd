import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Liveness/readiness probes: never rate limited or shed (they report the pressure themselves). */
    probe?: boolean;
  }
}

export interface LoadProtectionOptions {
  /** Requests per minute per authenticated user, across every replica. */
  perUserPerMinute: number;
  /** Requests per minute per client IP, across every replica (a little above per-user: several users may share an IP). */
  perIpPerMinute: number;
  /** Shed load (503) when the event loop lags more than this (ms). */
  maxEventLoopDelayMs: number;
  /** Shed load (503) when more than this many queries wait for a DB connection. */
  maxDbWaiting: number;
  /** How often pressure is sampled (ms). */
  sampleIntervalMs: number;
  /** Seconds a shed client is told to wait. */
  retryAfterSeconds: number;
}

export const DEFAULT_LOAD_PROTECTION: Omit<LoadProtectionOptions, 'perUserPerMinute' | 'perIpPerMinute'> = {
  maxEventLoopDelayMs: 1_000,
  maxDbWaiting: 200,
  sampleIntervalMs: 500,
  retryAfterSeconds: 5,
};

/**
 * Load protection: rate limits held in Redis so they hold across
 * replicas (per IP before authentication, per user after), answered with 429
 * and Retry-After; load shedding with 503 when the event loop lags or the DB
 * pool has a queue, before any work is done for the request.
 */
export const loadProtectionPlugin = fp<LoadProtectionOptions>(
  async (app, opts) => {
    // Compiling every route's schemas at boot blocks the loop once; the first
    // samples after that measure the boot, not load, so they are not acted on.
    let settledAt = Number.POSITIVE_INFINITY;
    app.addHook('onReady', async () => {
      settledAt = Date.now() + 2 * opts.sampleIntervalMs + 10;
    });
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      sampleInterval: opts.sampleIntervalMs,
      healthCheck: async () => app.dbPool.waitingCount <= opts.maxDbWaiting,
      healthCheckInterval: opts.sampleIntervalMs,
      pressureHandler: async (request, reply, type) => {
        if (request.routeOptions.config.probe || Date.now() < settledAt) return;
        request.log.warn({ event: 'finance.api.load_shed', pressure: type }, 'shedding load');
        throw new ApiError('SERVICE_OVERLOADED', 'service overloaded, retry later', {
          'retry-after': String(opts.retryAfterSeconds),
        });
      },
    });

    await app.register(rateLimit, {
      global: false,
      redis: app.redis,
      nameSpace: `${app.redisKeyPrefix}rl:`,
      timeWindow: 60_000,
      // Redis away must not take the API down with it: the request goes on unlimited (and is logged).
      skipOnError: true,
    });

    // Two independent limiters checked by our own hooks: the plugin's hook form
    // runs once per request, and we need both the IP and the user limit.
    const limiter = (max: number, keyOf: (request: FastifyRequest) => string) => {
      const check = app.createRateLimit({ max, keyGenerator: keyOf });
      return async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.routeOptions.config.probe || request.is404) return;
        const limit = await check(request);
        if (limit.isAllowed) return;
        void reply.header('x-ratelimit-limit', limit.max);
        void reply.header('x-ratelimit-remaining', Math.max(0, limit.remaining));
        void reply.header('x-ratelimit-reset', limit.ttlInSeconds);
        if (limit.isExceeded) {
          request.log.warn(
            { event: 'finance.api.rate_limited', key: limit.key.split(':')[0] },
            'rate limit exceeded',
          );
          throw new ApiError('RATE_LIMITED', `rate limit exceeded, retry in ${limit.ttlInSeconds} s`, {
            'retry-after': String(Math.max(1, limit.ttlInSeconds)),
          });
        }
      };
    };
    const perIp = limiter(opts.perIpPerMinute, (request) => `ip:${request.ip}`);
    const perUser = limiter(opts.perUserPerMinute, (request) => `user:${request.principal?.sub ?? ''}`);

    app.addHook('onRequest', perIp);
    // Installed by the app after the auth hook, so the principal is known.
    app.decorate('limitPerUser', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.principal) await perUser(request, reply);
    });
  },
  { name: 'load-protection', fastify: '5.x', dependencies: ['database', 'redis'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    limitPerUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}
