import { Client, Connection } from '@temporalio/client';

/**
 * Lazy: nothing is awaited here, so a process can start while Temporal is
 * down; each call connects (or fails) on its own, and the caller retries.
 */
export async function createTemporalClient(options: { address: string; namespace: string }) {
  const connection = Connection.lazy({ address: options.address, connectTimeout: '5 seconds' });
  return { client: new Client({ connection, namespace: options.namespace }), connection };
}
