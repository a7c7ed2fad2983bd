import { Client, Connection } from '@temporalio/client';
import fp from 'fastify-plugin';
import { connectionOptions, dataConverter, type TemporalEndpoint } from '../../temporal/connection.js';

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

export interface TemporalPluginOptions extends TemporalEndpoint {
  /** The Temporal UI, for links in 202 answers. */
  uiUrl: string;
}

/**
 * The Temporal client for the write routes. The connection is lazy, so the
 * read routes serve while Temporal is down (readyz says so).
 */
export const temporalPlugin = fp<TemporalPluginOptions>(
  async (app, opts) => {
    const connection = Connection.lazy({
      ...connectionOptions({ address: opts.address, tls: opts.tls ?? null, apiKey: opts.apiKey }),
      connectTimeout: '5 seconds',
    });
    const client = new Client({
      connection,
      namespace: opts.namespace,
      dataConverter: dataConverter(opts.payloadKeys),
    });
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
