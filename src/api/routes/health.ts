import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ping } from '../../db/executor.js';
import { NotReady, type Readiness } from '../../lib/readiness.js';

const Check = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Integer(),
  error: Type.Optional(Type.String()),
});
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unready')]),
  checks: Type.Record(Type.String(), Check, {
    description: 'Every check of every role in this process, named `<role>.<dependency>`',
  }),
});

export interface HealthRoutesOptions {
  readiness: Readiness;
}

/**
 * Liveness and readiness (docs/reference/http-api.md), the same for the api and for the ops
 * server of a worker or ingest process: `/readyz` answers with every check
 * registered in the process (lib/readiness.ts) and 503 naming the one that
 * failed.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { readiness }) => {
  const config = { public: true, probe: true };

  app.get(
    '/healthz',
    {
      config,
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config,
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Readiness: the dependencies of every role in this process (cached for a second)',
        description:
          'Served to the probes on the pod port; the public route (Traefik) does not expose it (deploy/README.md).',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const report = await readiness.report();
      return reply.status(report.status === 'ready' ? 200 : 503).send(report);
    },
  );
};

/** The api's own checks, through the clients it serves with. */
export function registerApiChecks(app: FastifyInstance, readiness: Readiness): Readiness {
  readiness.register('api.database', () => ping(app.db));
  readiness.register('api.redis', () => app.redis.ping());
  readiness.register('api.temporal', () => {
    // Not ensureConnected(): it remembers its first failure, so a Temporal down at boot would stay "down".
    const { connection } = app.temporal;
    return connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({}));
  });
  readiness.register('api.load', async () => {
    if (app.isUnderPressure()) throw new NotReady('under pressure');
  });
  return readiness;
}
