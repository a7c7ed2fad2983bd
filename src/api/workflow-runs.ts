import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { type FastifyInstance } from 'fastify';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.js';
import { EVENT_TYPE, MERCHANT_ID } from '../workflows/search-attributes.js';
import { type ManualVoucherResult, type VoidVoucherResult } from '../workflows/types.js';
import { ApiError, ledgerFailure } from './errors.js';

/**
 * The API's writes run as Temporal workflows (the ledger write itself is the
 * posting, in src/activities/posting.ts); this module starts them and waits
 * for their result. Workflow IDs of the API's writes (docs/reference/events.md, workflows):
 */
export const manualWorkflowId = (merchantId: string, idempotencyKey: string) =>
  `finance-manual-${merchantId}-${idempotencyKey}`;
export const voidWorkflowId = (voucherId: string) => `finance-void-${voucherId}`;

/** SHA-256 of a JSON value with its object keys sorted: two spellings of one request hash alike. */
export function requestHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export type RunOutcome<R> = { kind: 'done'; result: R } | { kind: 'pending'; workflowId: string };

interface StartSpec<I> {
  workflowType: 'manualVoucherWorkflow' | 'voidVoucherWorkflow';
  workflowId: string;
  input: I;
  merchantId: string;
  eventType: string;
  summary: string;
}

/**
 * Starts the workflow (or joins the one already running or completed under
 * the same ID) and waits for its result for a bounded time.
 * ID policies: a running workflow is joined (USE_EXISTING); a completed one
 * is not re-run (its result is read instead); a failed one may run again, so
 * a client can retry after a transient failure with the same key.
 */
export async function runWorkflow<I, R>(
  app: FastifyInstance,
  spec: StartSpec<I>,
  waitMs: number,
): Promise<RunOutcome<R>> {
  const { client, taskQueue } = app.temporal;
  let handle: WorkflowHandle;
  try {
    handle = await client.workflow.start(spec.workflowType, {
      taskQueue,
      workflowId: spec.workflowId,
      args: [spec.input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: MERCHANT_ID, value: spec.merchantId },
        { key: EVENT_TYPE, value: spec.eventType },
      ],
      staticSummary: spec.summary,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalUnavailable(err);
    handle = client.workflow.getHandle(spec.workflowId);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const result = (await client.withAbortSignal(abort.signal, () => handle.result())) as R;
    return { kind: 'done', result };
  } catch (err) {
    if (abort.signal.aborted) return { kind: 'pending', workflowId: spec.workflowId };
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure) throw ledgerFailure(cause.type, cause.message);
      throw new ApiError('INTERNAL_ERROR', 'the workflow did not complete');
    }
    throw temporalUnavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

const temporalUnavailable = (err: unknown) => {
  const e = new ApiError('DEPENDENCY_UNAVAILABLE', 'the workflow service is unavailable, retry later');
  (e as { cause?: unknown }).cause = err;
  return e;
};

export type ManualRun = RunOutcome<ManualVoucherResult>;
export type VoidRun = RunOutcome<VoidVoucherResult>;
