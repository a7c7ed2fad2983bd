import { Client, Connection } from '@temporalio/client';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    temporal: TemporalAccess;
  }
}

export interface TemporalAccess {
  client: Client;
  connection: Connection;
  taskQueue: string;
  namespace: string;
  uiUrl: string;
}

export interface TemporalPluginOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
}

/**
 * The Temporal client for the write routes. The connection is lazy, so the
 * read routes serve while Temporal is down (readyz says so).
 */
export const temporalPlugin = fp<TemporalPluginOptions>(
  async (app, opts) => {
    const connection = Connection.lazy({ address: opts.address, connectTimeout: '5 seconds' });
    const client = new Client({ connection, namespace: opts.namespace });
    app.decorate('temporal', {
      client,
      connection,
      taskQueue: opts.taskQueue,
      namespace: opts.namespace,
      uiUrl: opts.uiUrl,
    });
    app.addHook('onClose', async () => connection.close());
  },
  { name: 'temporal', fastify: '5.x' },
);
