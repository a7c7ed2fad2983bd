import { type FastifyInstance } from 'fastify';

/**
 * Socket timeouts (the server owns them, the app does not). Keep-alive
 * outlives a typical load balancer's idle timeout (60 s) so the balancer,
 * not us, closes idle connections; a request may take at most 30 s.
 */
export const SERVER_TIMEOUTS = {
  connectionTimeout: 35_000,
  keepAliveTimeout: 72_000,
  requestTimeout: 30_000,
  return503OnClosing: true,
  forceCloseConnections: 'idle' as const,
};

export interface RunningServer {
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, closes every plugin (DB, Redis, Temporal). */
  close(): Promise<void>;
}

export async function startServer(
  app: FastifyInstance,
  options: { host: string; port: number },
): Promise<RunningServer> {
  const url = await app.listen({ host: options.host, port: options.port });
  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => (closing ??= app.close()),
  };
}
