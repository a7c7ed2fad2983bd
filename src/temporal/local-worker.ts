import { Client } from '@temporalio/client';
import { type NativeConnection } from '@temporalio/worker';
import { type PayloadKey } from '../config/temporal.js';
import { dataConverter } from './connection.js';

/**
 * The Temporal worker running in this process, if any (RUN_MODE=all, tests,
 * the benchmark). A workflow started through a client on the worker's own
 * connection may ask the server for its first workflow task in the start's
 * reply (eager start): the dispatch through the task queue and the poll that
 * would fetch it disappear, which the orchestration server, the bottleneck,
 * does not have to do (BENCHMARKS.md). With the worker in another process
 * (RUN_MODE=ingest) there is none, and starts go the usual way.
 */
interface LocalWorker {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  payloadKeys: readonly PayloadKey[];
  client?: Client;
}

let local: LocalWorker | undefined;

/** Registers the process's running worker; the returned function withdraws it (before its connection closes). */
export function registerLocalWorker(worker: Omit<LocalWorker, 'client'>): () => void {
  const entry: LocalWorker = { ...worker };
  local = entry;
  return () => {
    if (local === entry) local = undefined;
  };
}

/** A client on the local worker's connection, when one polls this namespace and task queue. */
export function localWorkerClient(namespace: string, taskQueue: string): Client | undefined {
  if (!local || local.namespace !== namespace || local.taskQueue !== taskQueue) return undefined;
  local.client ??= new Client({
    connection: local.connection,
    namespace,
    dataConverter: dataConverter(local.payloadKeys),
  });
  return local.client;
}
