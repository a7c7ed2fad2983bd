import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type FastifyInstance } from 'fastify';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.js';
import { startWorkflow, type WorkflowStart } from '../temporal/workflow-starts.js';
import { type ManualVoucherResult, type VoidVoucherResult } from '../workflows/types.js';
import { ApiError, ledgerFailure } from './errors.js';

/**
 * The API's writes run as Temporal workflows (the ledger write itself is the
 * posting, in src/activities/posting.ts); this module starts them
 * (src/temporal/workflow-starts.ts: IDs and policies) and waits for their result.
 */

/** SHA-256 of a JSON value with its object keys sorted: two spellings of one request hash alike. */
export function requestHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export type RunOutcome<R> = { kind: 'done'; result: R } | { kind: 'pending'; workflowId: string };

/**
 * Starts the workflow, joins the one already running under the same ID, or
 * reads the result of the one that completed under it, and waits for its
 * result for a bounded time.
 */
export async function runWorkflow<R>(
  app: FastifyInstance,
  start: WorkflowStart,
  waitMs: number,
): Promise<RunOutcome<R>> {
  const { client, taskQueue } = app.temporal;
  let handle: WorkflowHandle;
  try {
    handle = await startWorkflow(client, taskQueue, start);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalUnavailable(err);
    handle = client.workflow.getHandle(start.workflowId);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const result = (await client.withAbortSignal(abort.signal, () => handle.result())) as R;
    return { kind: 'done', result };
  } catch (err) {
    if (abort.signal.aborted) return { kind: 'pending', workflowId: start.workflowId };
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
