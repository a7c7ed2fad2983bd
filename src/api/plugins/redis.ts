import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    /** Prefix of every key this service writes (APP_ENV_REDIS_KEY_PREFIX). */
    redisKeyPrefix: string;
  }
}

export interface RedisPluginOptions {
  url: string;
  keyPrefix: string;
}

/**
 * Redis for the authorization cache, policy-change messages and rate limits.
 * Commands fail fast when Redis is away (the request answers 503) instead of
 * queueing forever.
 */
export const redisPlugin = fp<RedisPluginOptions>(
  async (app, opts) => {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
    });
    redis.on('error', (err: Error) =>
      app.log.warn({ err: { message: err.message } }, 'redis connection error'),
    );
    // Not left reconnecting in the background when the boot fails: the api's start is retried whole.
    await redis.connect().catch((err: unknown) => {
      redis.disconnect();
      throw err;
    });
    app.decorate('redis', redis);
    app.decorate('redisKeyPrefix', opts.keyPrefix);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis', fastify: '5.x' },
);
