import { Client, Connection } from '@temporalio/client';
import { type PayloadKey, type TemporalTransport } from '../config/temporal.js';
import { connectionOptions, dataConverter } from './connection.js';

/** A connected Temporal client with the service's transport and payload codec (ingest, ops commands). */
export async function createTemporalClient(options: {
  transport: TemporalTransport;
  namespace: string;
  payloadKeys?: readonly PayloadKey[];
}) {
  const connection = await Connection.connect({
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
