import { type AddressInfo } from 'node:net';
import Fastify from 'fastify';
// Not api/app.js: a worker or ingest process must not load the whole API to learn a path.
import { API_PREFIX } from '../api/paths.js';
import { metricsPlugin } from '../api/plugins/metrics.js';
import { healthRoutes } from '../api/routes/health.js';
import { type Logger } from '../lib/logger.js';
import { type Readiness } from '../lib/readiness.js';

export interface OpsServer {
  url: string;
  /** The port it listens on (PORT, or the one the OS chose for PORT=0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The port of a process while no api serves it: a worker or ingest
 * container for its whole life, an api process until its app is built. The
 * same `/v1/api/finance/healthz` and `/readyz` routes as the api (one probe
 * definition fits every Deployment), and `/metrics` for Prometheus.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  logger: Logger;
  readiness: Readiness;
}): Promise<OpsServer> {
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'ops-server' }) });
  await app.register(metricsPlugin, { instrumentRequests: false });
  await app.register(healthRoutes, { prefix: API_PREFIX, readiness: options.readiness });
  const url = await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return { url, port, close: () => (closing ??= app.close()) };
}
