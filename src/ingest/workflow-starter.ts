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
  | { kind: 'started'; runId: string }
  | { kind: 'duplicate' }
  | { kind: 'failed'; code: string; message: string };

export interface WorkflowStarterOptions {
  client: Client;
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
  taskQueue,
  startTimeoutMs,
}: WorkflowStarterOptions): StartWorkflow {
  return async (request) => {
    try {
      const runId = await client.withDeadline(Date.now() + startTimeoutMs, async () => {
        const handle = await startWorkflow(client, taskQueue, request);
        return handle.firstExecutionRunId;
      });
      return { kind: 'started', runId };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'duplicate' };
      return { kind: 'failed', code: failureCode(err), message: (err as Error)?.message ?? String(err) };
    }
  };
}

/** Resolves once the workflow closed (however it ended), or at the latest after `leaseMs`. Never rejects. */
export type WhenClosed = (workflowId: string, runId?: string) => Promise<void>;

/**
 * How ingest learns that a workflow it holds a slot for has closed: the
 * handle's `result()`, a long poll of the workflow's history for its close
 * event. The server answers it when the workflow closes (or re-arms it about
 * every 20 s), so an open workflow costs one waiting call, not a poll loop,
 * and ingest needs no worker in its process and no visibility query (which
 * lags). A completed, failed, terminated or timed-out workflow all end the
 * wait; so does an error reaching Temporal, as does the lease: a workflow
 * still open after it is waiting (a missing account, retry backoff), not
 * working, and must not hold the bound, or events waiting for a merchant
 * could stall the very ingest that would provision it.
 */
export function createCloseWatcher(client: Client, leaseMs: number): WhenClosed {
  return async (workflowId, runId) => {
    try {
      await client.withDeadline(Date.now() + leaseMs, () =>
        client.workflow.getHandle(workflowId, runId).result(),
      );
    } catch {
      // Closed unsuccessfully, still open at the lease's end, or Temporal unreachable: it stops counting either way.
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
