import { ApplicationFailure, Context } from '@temporalio/activity';
import { describeDbError, describeRefusal, isPermanentDbError, isTransientDbError } from '../db/errors.js';
import { type EventOutcome, finishEvent } from '../db/events.js';
import { LedgerError } from '../domain/errors.js';
import { type MerchantChange } from '../domain/events.js';
import { metrics } from '../lib/metrics.js';
import { type PostingPlan } from '../domain/posting-plan.js';
import { type CashCountInput, postCashCount } from './cash-count.js';
import { applyMerchantChange } from './merchants.js';
import { type LedgerDeps, postPlan, type PostedVoucher } from './posting.js';
import { voidVoucher, type VoidRequest } from './voids.js';

export type { LedgerDeps, PostedVoucher } from './posting.js';
export type { MerchantProvisioned } from './merchants.js';
export type { VoidRequest } from './voids.js';
export type { CashCountInput } from './cash-count.js';

/** Notified after a posting or void commits (live updates, metrics). Must not throw. */
export interface PostingListener {
  onPosted?(voucher: PostedVoucher, kind: 'posted' | 'voided'): void | Promise<void>;
}

export interface ActivityDeps extends LedgerDeps {
  listener?: PostingListener;
}

/**
 * The Temporal activities, built from their dependencies:
 * workflows import only `ReturnType<typeof createActivities>`.
 * Ledger errors leave as ApplicationFailures whose type is the error code,
 * non-retryable exactly when the code says so (domain/errors.ts).
 */
export function createActivities(deps: ActivityDeps) {
  /** Every line an activity logs names its workflow and the request it serves (the correlation id). */
  const scoped = (requestId?: string): ActivityDeps => {
    const workflowId = currentWorkflowId();
    if (!workflowId && !requestId) return deps;
    return {
      ...deps,
      logger: deps.logger.child({
        ...(workflowId ? { workflowId } : {}),
        ...(requestId ? { requestId } : {}),
      }),
    };
  };

  const announce = async (d: ActivityDeps, v: PostedVoucher, kind: 'posted' | 'voided') => {
    if (v.replayed) return v;
    metrics.vouchersPosted.inc({ voucher_type: v.voucherType });
    const event = kind === 'posted' ? 'finance.voucher.posted' : 'finance.voucher.voided';
    d.logger.info(
      {
        event,
        merchantId: v.merchantId,
        voucherId: v.voucherId,
        voucherNumber: v.voucherNumber,
        voucherType: v.voucherType,
      },
      `${event}: ${v.voucherNumber}`,
    );
    try {
      await d.listener?.onPosted?.(v, kind);
    } catch (err) {
      d.logger.warn({ err, voucherId: v.voucherId }, 'posting listener failed; the voucher is committed');
    }
    return v;
  };

  return {
    /** `completesEvent`: this is the event's last voucher, so its record becomes POSTED with it. */
    async postVoucher(
      plan: PostingPlan,
      opts: { completesEvent?: boolean; requestId?: string } = {},
    ): Promise<PostedVoucher> {
      const d = scoped(opts.requestId);
      const completesEvent =
        opts.completesEvent && plan.eventId
          ? { eventId: plan.eventId, runId: currentRunId() ?? null }
          : undefined;
      const v = await failuresForTemporal(() => postPlan(d, plan, completesEvent ? { completesEvent } : {}));
      return announce(d, v, 'posted');
    },

    /** The end of an event's run that posted nothing: its record becomes SKIPPED or FAILED. */
    async recordEventOutcome(outcome: Omit<EventOutcome, 'runId'>): Promise<void> {
      const runId = currentRunId() ?? '';
      await failuresForTemporal(() => finishEvent(deps.db, { ...outcome, runId }), false);
    },

    /** Cash count: the difference to the book balance goes against CASH_OVER_SHORT; null when they agree. */
    async postCashCount(
      input: CashCountInput,
      opts: { requestId?: string } = {},
    ): Promise<PostedVoucher | null> {
      const d = scoped(opts.requestId);
      const v = await failuresForTemporal(() => postCashCount(d, input));
      return v ? announce(d, v, 'posted') : null;
    },

    async voidVoucher(req: VoidRequest, opts: { requestId?: string } = {}): Promise<PostedVoucher> {
      const d = scoped(opts.requestId);
      const v = await failuresForTemporal(() => voidVoucher(d, req));
      return announce(d, v, 'voided');
    },

    async applyMerchantChange(change: MerchantChange) {
      return failuresForTemporal(() => applyMerchantChange(scoped(), change), false);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Maps ledger errors for Temporal; times postings (finance_posting_duration_seconds).
 * A database refusal no retry can change (a value it cannot store) becomes
 * UNSTORABLE_VALUE, so the workflow fails at once instead of retrying for
 * hours; a database that is away or busy becomes TRANSIENT_DATABASE_ERROR,
 * retried with the workflow's backoff.
 */
async function failuresForTemporal<T>(fn: () => Promise<T>, timed = true): Promise<T> {
  const endTimer = timed ? metrics.postingDuration.startTimer() : undefined;
  try {
    return await fn();
  } catch (caught) {
    const err = isPermanentDbError(caught)
      ? new LedgerError('UNSTORABLE_VALUE', `the database cannot store ${describeRefusal(caught)}`)
      : isTransientDbError(caught)
        ? new LedgerError('TRANSIENT_DATABASE_ERROR', describeDbError(caught))
        : caught;
    if (err instanceof LedgerError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: err.code,
        nonRetryable: !err.retryable,
        details: [err.details],
      });
    }
    throw err;
  } finally {
    endTimer?.();
  }
}

function currentRunId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.runId;
  } catch {
    return undefined;
  }
}

function currentWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined; // called outside a Temporal activity (tests, benchmarks)
  }
}
