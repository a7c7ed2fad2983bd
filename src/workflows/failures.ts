import { LedgerError } from '../domain/errors.js';
import { ActivityFailure, ApplicationFailure, log, TimeoutFailure } from '@temporalio/workflow';
import { financeMetrics } from './sinks.js';

/**
 * Turns a failed posting activity into the workflow's own failure, with the
 * ledger's code as its type and a sentence an operator can act on, and logs
 * it once as `finance.posting.failed`.
 *
 * Two ways to get here: a non-retryable ledger error (currency mismatch,
 * foreign account, …), or a retryable one (merchant or control account
 * missing) that outlived the retry bound: then the cause is the timeout and
 * the last ledger error sits beneath it, which is what the operator needs.
 */
export function postingFailed(err: unknown, what: string, fields: Record<string, unknown>): never {
  const failure = activityCause(err);
  if (failure instanceof ApplicationFailure) {
    const cause = failure;
    const type = cause.type ?? 'UNKNOWN';
    return fail(
      `${what} failed (${type}): ${cause.message}. Nothing was posted.`,
      type,
      cause.details ?? [],
      fields,
    );
  }
  if (failure instanceof TimeoutFailure) {
    const last = failure.cause instanceof ApplicationFailure ? failure.cause : undefined;
    const type = last?.type ?? 'POSTING_TIMED_OUT';
    const why = last?.message ?? failure.message;
    return fail(
      `${what} gave up after retrying for the configured bound (${type}): ${why}. Nothing was posted.`,
      type,
      last?.details ?? [],
      fields,
    );
  }
  throw err;
}

/**
 * What an activity call failed with: a normal activity's failure arrives
 * wrapped in an ActivityFailure, a local activity's as it was thrown.
 */
export function activityCause(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

function fail(message: string, type: string, details: unknown[], fields: Record<string, unknown>): never {
  log.error(message, { event: 'finance.posting.failed', code: type, ...fields });
  financeMetrics.postingFailed(type);
  throw ApplicationFailure.create({ message, type, nonRetryable: true, details });
}

/**
 * Runs pure planning code inside a workflow. A plan that cannot be made
 * (bad amount, wrong reason) is a non-retryable failure of the workflow, not
 * a workflow-task error that Temporal would retry forever.
 */
export function planOrFail<T>(plan: () => T): T {
  try {
    return plan();
  } catch (err) {
    if (err instanceof LedgerError) {
      log.error(`cannot plan the voucher: ${err.message}`, {
        event: 'finance.posting.failed',
        code: err.code,
      });
      financeMetrics.postingFailed(err.code);
      throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: true });
    }
    throw err;
  }
}
