import fp from 'fastify-plugin';
import { metrics, registry } from '../../lib/metrics.js';

export interface MetricsPluginOptions {
  /** Count and time requests (the api); off for the worker/ingest ops server. */
  instrumentRequests: boolean;
}

/**
 * `GET /metrics` in the Prometheus text format, at the root of the port and
 * not under the public prefix: the ingress routes only `/v1/api/finance`, so
 * the scrape endpoint stays inside the cluster.
 */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, opts) => {
    if (opts.instrumentRequests) {
      app.addHook('onResponse', async (request, reply) => {
        // The route template, never the raw URL: ids in paths would explode cardinality.
        const route = request.routeOptions.url ?? 'unmatched';
        const method = request.method;
        metrics.httpRequests.inc({ method, route, status_code: String(reply.statusCode) });
        metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
      });
    }
    app.get(
      '/metrics',
      { config: { public: true, probe: true }, schema: { hide: true }, logLevel: 'warn' },
      async (_request, reply) => {
        const body = await registry.metrics();
        return reply.type(registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics', fastify: '5.x' },
);
