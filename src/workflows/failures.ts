import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';

/**
 * Turns a failed posting activity into the workflow's own failure, with the
 * ledger's code as its type and a sentence an operator can act on, and logs
 * it once as `finance.posting.failed`.
 */
export function postingFailed(err: unknown, what: string, fields: Record<string, unknown>): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    const type = cause.type ?? 'UNKNOWN';
    const message = `${what} failed (${type}): ${cause.message}. Nothing was posted.`;
    log.error(message, { event: 'finance.posting.failed', code: type, ...fields });
    throw ApplicationFailure.create({ message, type, nonRetryable: true, details: cause.details ?? [] });
  }
  throw err;
}
