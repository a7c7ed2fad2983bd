import { Client, Connection } from '@temporalio/client';
import { type PayloadKey, type TemporalTransport } from '../config/temporal.js';
import { connectionOptions, dataConverter } from './connection.js';

/**
 * A Temporal client with the service's transport and payload codec (api,
 * ingest, ops commands). Lazy: nothing is awaited here, so a process can start
 * while Temporal is down; each call connects (or fails) on its own, and the
 * caller retries.
 */
export async function createTemporalClient(options: {
  transport: TemporalTransport;
  namespace: string;
  payloadKeys?: readonly PayloadKey[];
}) {
  const connection = Connection.lazy({
    ...connectionOptions(options.transport),
    connectTimeout: '5 seconds',
  });
  return {
    client: new Client({
      connection,
      namespace: options.namespace,
      dataConverter: dataConverter(options.payloadKeys),
    }),
    connection,
  };
}
