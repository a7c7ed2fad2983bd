import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Check = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Integer(),
  error: Type.Optional(Type.String()),
});
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unready')]),
  checks: Type.Object({ database: Check, redis: Check, temporal: Check, load: Check }),
});

const PROBE_TIMEOUT_MS = 2_000;

/** Runs one dependency check with a deadline; the error names the failure, never a secret. */
export async function probe(
  run: () => Promise<unknown>,
): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // Name the failure, never echo a connection string or a driver's full text.
    const e = err as { code?: string; message?: string };
    const reason = e.code ?? (e.message?.startsWith('no answer') ? e.message : 'unreachable');
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness and readiness (docs/reference/http-api.md): readyz names the dependency that failed. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const config = { public: true, probe: true };

  app.get(
    '/healthz',
    {
      config,
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
      schema: {
        tags: ['health'],
        summary: 'Readiness: database, Redis, Temporal and load',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const [database, redis, temporal] = await Promise.all([
        probe(() => app.prisma.$queryRaw`SELECT 1`),
        probe(() => app.redis.ping()),
        probe(async () => {
          await app.temporal.connection.ensureConnected();
          await app.temporal.connection.healthService.check({});
        }),
      ]);
      const overloaded = app.isUnderPressure();
      const load = { ok: !overloaded, latencyMs: 0, ...(overloaded ? { error: 'under pressure' } : {}) };
      const checks = { database, redis, temporal, load };
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
    },
  );
};
