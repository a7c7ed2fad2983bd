import {
  type Client,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { type IngestStart, startWorkflow } from '../temporal/workflow-starts.js';

/**
 * Accepted means Temporal durably holds the workflow: either this call
 * created it, or it already existed (a redelivery, a replay, or a retry of a
 * start whose reply was lost). Only then may the Kafka offset move on.
 */
export type StartOutcome =
  /** `eager`: the server handed the first workflow task back in the reply (temporal/local-worker.ts). */
  | { kind: 'started'; runId: string; eager: boolean }
  | { kind: 'duplicate' }
  | { kind: 'failed'; code: string; message: string };

export interface WorkflowStarterOptions {
  client: Client;
  /** A client on a worker of this process polling the task queue, if there is one now: its starts are eager. */
  localWorkerClient?: () => Client | undefined;
  taskQueue: string;
  /** Bound on one start call, including the client's own retries (it has no default deadline). */
  startTimeoutMs: number;
}

export type StartWorkflow = (request: IngestStart) => Promise<StartOutcome>;

/**
 * Ingest's start (and `redrive`'s): the ID policies (src/temporal/workflow-starts.ts)
 * make every duplicate, open or completed, a `duplicate` outcome.
 * Every other failure is reported, never thrown, and the consumer retries the
 * message: a validated financial event is worth a stalled partition and an
 * alert, never a silent drop.
 */
export function createWorkflowStarter({
  client,
  localWorkerClient,
  taskQueue,
  startTimeoutMs,
}: WorkflowStarterOptions): StartWorkflow {
  return async (request) => {
    const local = localWorkerClient?.();
    const via = local ?? client;
    try {
      const handle = await via.withDeadline(Date.now() + startTimeoutMs, () =>
        startWorkflow(via, taskQueue, request, { eager: local !== undefined }),
      );
      return { kind: 'started', runId: handle.firstExecutionRunId, eager: handle.eagerlyStarted };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'duplicate' };
      return { kind: 'failed', code: failureCode(err), message: (err as Error)?.message ?? String(err) };
    }
  };
}

/** The gRPC statuses a start can meet (grpc-js is not a direct dependency, so named here). */
const GRPC_STATUS: Record<number, string> = {
  1: 'CANCELLED',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** A short, stable name for logs: the gRPC status name or the error class. */
function failureCode(err: unknown): string {
  const cause = err instanceof ServiceError ? err.cause : err;
  if (isGrpcServiceError(cause)) return GRPC_STATUS[cause.code] ?? `GRPC_${cause.code}`;
  return (err as Error)?.name ?? 'UNKNOWN';
}
