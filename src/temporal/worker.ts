import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { type Activities } from '../activities/index.js';
import { connectionOptions, dataConverter, type TemporalEndpoint } from './connection.js';
import { financeSinks } from './sinks.js';

/** The workflow sources: .ts when run from source (tsx, tests), .js from dist/. */
export function workflowsPath(): string {
  for (const ext of ['ts', 'js']) {
    const path = fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('workflows/index not found next to temporal/worker');
}

export interface WorkerOptions extends TemporalEndpoint {
  activities: Activities;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentWorkflowTaskPolls?: number;
}

export async function createWorker(
  options: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(
    connectionOptions({ address: options.address, tls: options.tls ?? null, apiKey: options.apiKey }),
  );
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowsPath: workflowsPath(),
      activities: options.activities,
      sinks: financeSinks,
      dataConverter: dataConverter(options.payloadKeys),
      maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
      maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions ?? 100,
      ...(options.maxConcurrentWorkflowTaskPolls !== undefined && {
        maxConcurrentWorkflowTaskPolls: options.maxConcurrentWorkflowTaskPolls,
      }),
      // Let in-flight activities (DB transactions) finish on SIGTERM.
      shutdownGraceTime: '20 seconds',
    });
    return { worker, connection };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
