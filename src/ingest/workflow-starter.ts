import {
  type Client,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { EVENT_TYPE, MERCHANT_ID } from '../workflows/search-attributes.js';
import type { postEventWorkflow, provisionMerchantWorkflow } from '../workflows/index.js';
import { type WorkflowStartRequest } from './results.js';

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

export type StartWorkflow = (request: WorkflowStartRequest) => Promise<StartOutcome>;

/**
 * The ID policies are what make an event post at most once, and a failed
 * one post after its cause is fixed:
 * - `ALLOW_DUPLICATE_FAILED_ONLY`: a *closed* workflow with this ID that
 *   completed (posted or skipped) is never run again, so a replay from
 *   offset 0 posts nothing new; one that failed (or was terminated, cancelled
 *   or timed out) may run again, so a redelivery, a replay or `redrive`
 *   posts it once its cause is fixed. `REJECT_DUPLICATE` would leave a failed
 *   event unpostable forever; the default `ALLOW_DUPLICATE` would re-run
 *   every closed event.
 * - `FAIL` on a *running* one: `USE_EXISTING` would also keep exactly-once,
 *   but returns a handle without saying the workflow already existed; with
 *   FAIL every duplicate, open or completed, surfaces the same way
 *   (WorkflowExecutionAlreadyStartedError) and is logged as a duplicate. Two
 *   redeliveries of one failed event at once: one starts the new run, the
 *   other meets it running and is a duplicate.
 * Beyond the namespace retention (24 h on the dev server) the ID is
 * forgotten; the ledger's unique (merchant, source) still refuses a second
 * posting.
 *
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
    const common = {
      taskQueue,
      workflowId: request.workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [
        { key: MERCHANT_ID, value: request.merchantId },
        { key: EVENT_TYPE, value: request.eventType },
      ],
      memo: memoOf(request),
      staticSummary: request.summary,
      staticDetails: detailsOf(request),
    };
    try {
      const runId = await client.withDeadline(Date.now() + startTimeoutMs, async () => {
        const handle =
          request.workflowType === 'postEventWorkflow'
            ? await client.workflow.start<typeof postEventWorkflow>(request.workflowType, {
                ...common,
                args: [request.input],
              })
            : await client.workflow.start<typeof provisionMerchantWorkflow>(request.workflowType, {
                ...common,
                args: [request.input],
              });
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

/** Shown in the Temporal UI next to the search attributes: where the event came from. */
function memoOf({ input, eventType, requestId }: WorkflowStartRequest): Record<string, unknown> {
  const origin = input.origin;
  const id = 'event' in input ? input.event.id : undefined;
  return {
    eventType,
    requestId,
    ...(id ? { eventId: id } : {}),
    ...(origin ? { kafka: `${origin.topic}/${origin.partition}@${origin.offset}` } : {}),
  };
}

function detailsOf(request: WorkflowStartRequest): string {
  const o = request.input.origin;
  const lines = [`**${request.eventType}** for merchant \`${request.merchantId}\``];
  if (o) lines.push(`Kafka: \`${o.topic}\` partition ${o.partition}, offset ${o.offset}`);
  return lines.join('\n\n');
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
