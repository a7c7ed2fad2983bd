import Fastify from 'fastify';
// Not api/app.js: a worker or ingest process must not load the whole API to learn a path.
import { API_PREFIX } from '../api/paths.js';
import { metricsPlugin } from '../api/plugins/metrics.js';
import { probe } from '../api/routes/health.js';
import { type Logger } from '../lib/logger.js';
import { type ReadinessChecks } from './types.js';

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The port of a worker or ingest container (no api role in the process):
 * the same `/v1/api/finance/healthz` and `/readyz` paths as the api, so one
 * probe definition fits every Deployment, and `/metrics` for Prometheus.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  logger: Logger;
  checks: ReadinessChecks;
}): Promise<OpsServer> {
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'ops-server' }) });
  await app.register(metricsPlugin, { instrumentRequests: false });
  app.get(`${API_PREFIX}/healthz`, { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get(`${API_PREFIX}/readyz`, { logLevel: 'warn' }, async (_request, reply) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => probe(options.checks[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const ready = results.every((r) => r.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
  });
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
