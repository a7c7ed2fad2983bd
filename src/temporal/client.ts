import { Client, Connection } from '@temporalio/client';

export async function createTemporalClient(options: { address: string; namespace: string }) {
  const connection = await Connection.connect({ address: options.address, connectTimeout: '5 seconds' });
  return { client: new Client({ connection, namespace: options.namespace }), connection };
}
